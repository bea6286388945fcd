"""Dashboard services: the channel, the roster, sharing an assessment, notes from the thread."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, audit, mentee_for, require_admin
from bot.assessment.dto import Assessment
from bot.dashboards.outbox import dashboard_channel, record, set_dashboard_channel
from bot.db.upsert import insert_for
from bot.errors import InvalidInput
from bot.mentees.checkins import CheckInCreate, record_check_in
from bot.models import DashboardCard, Mentee, SlackEvent
from bot.vocab import label

NOTE = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+>\s*)+note\b[:\s]*(?P<text>.*)$", re.S | re.I)


def change_channel(session: Session, *, actor: Actor, channel_id: str, is_private: bool) -> None:
    require_admin(session, actor, "dashboard.channel", channel=channel_id)
    if not is_private:
        raise InvalidInput.single(
            "channel",
            "dashboards hold mentee data, so they go only in a private channel; "
            "pick a private channel and invite MatchPath to it",
        )
    set_dashboard_channel(session, channel_id, actor.now)


def share_assessment(
    session: Session, *, actor: Actor, slack_user_id: str, assessment: Assessment
) -> bool:
    """Post an assessment's verdict lines to the mentee's dashboard thread (mentors, admins)."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.PLAN, "assessment.share")
    if dashboard_channel(session) is None:
        raise InvalidInput.single("dashboard", "no dashboard channel is set up yet")
    lines = ", ".join(f"{label(p.pathway)}: {label(p.verdict)}" for p in assessment.pathways)
    record(
        session,
        mentee_id=mentee.id,
        key=f"shared:{actor.now.isoformat()}",
        actor=actor,
        text=f"Assessment shared (ruleset {assessment.ruleset.version}): {lines}",
    )
    return True


def first_time(session: Session, event_id: str, now: datetime) -> bool:
    """Whether this Events API delivery is new (Slack retries deliveries up to three times)."""
    rows = session.execute(
        insert_for(session, SlackEvent)
        .values(event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(SlackEvent.event_id)
    ).all()
    return bool(rows)


def note_from_thread(
    session: Session, *, actor: Actor, channel: str, thread_ts: str, text: str
) -> str | None:
    """A mentor's `@MatchPath note …` reply in a card's thread becomes a check-in note.

    Returns the mentee's Slack id when a note was saved; None when the reply is not a note or
    not in a dashboard thread (other replies are left alone).
    """
    match = NOTE.match(text or "")
    if match is None:
        return None
    card = session.scalar(
        select(DashboardCard).where(
            DashboardCard.channel_id == channel,
            or_(DashboardCard.ts == thread_ts, DashboardCard.previous_ts == thread_ts),
        )
    )
    if card is None:
        return None
    mentee = session.get(Mentee, card.mentee_id)
    assert mentee is not None
    note = match.group("text").strip()[:3000]
    record_check_in(
        session,
        actor=actor,
        slack_user_id=mentee.person.slack_user_id,
        check_in=CheckInCreate(notes=note),
    )
    audit(session, actor, "checkin.note_from_thread", mentee=mentee)
    return mentee.person.slack_user_id
