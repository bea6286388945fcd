"""Raise and clear stagnation flags from the profile, in batches of mentees.

A flag is raised once per episode: while its condition holds it stays open (or snoozed); when
the condition clears it resolves itself; a flag a mentor resolved by hand is not raised again
until its condition has cleared at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, union_all
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset
from bot.dashboards import outbox as dashboard
from bot.db.upsert import insert_for
from bot.models import (
    FLAG_UNRESOLVED,
    ApplicationCycle,
    ClinicalExperience,
    ExamResult,
    Flag,
    Letter,
    Mentee,
    Milestone,
    PracticeScore,
    ResearchOutput,
)
from bot.profile.schema import ProfileIn
from bot.profile.store import load_profiles
from bot.vocab import FlagState, MenteeStatus

RECHECK = timedelta(days=1)
BATCH = 500
ITEM_MODELS = (
    ExamResult,
    PracticeScore,
    ClinicalExperience,
    Letter,
    ResearchOutput,
    ApplicationCycle,
)


@dataclass
class FlagReport:
    checked: int = 0
    raised: int = 0
    cleared: int = 0


def evaluate_flags(
    session: Session, *, now: datetime, ruleset: Ruleset, batch: int = BATCH
) -> FlagReport:
    """Check the mentees most in need of it (changed, or not checked for a day)."""
    mentees = list(
        session.scalars(
            select(Mentee)
            .where(
                Mentee.status == MenteeStatus.ACTIVE,
                or_(
                    Mentee.flags_checked_at.is_(None),
                    Mentee.flags_checked_at < now - RECHECK,
                    Mentee.updated_at > Mentee.flags_checked_at,
                ),
            )
            .order_by(Mentee.flags_checked_at.is_not(None), Mentee.flags_checked_at, Mentee.id)
            .limit(batch)
        )
    )
    report = FlagReport(checked=len(mentees))
    if not mentees:
        return report
    ids = [m.id for m in mentees]
    profiles = load_profiles(session, mentees)
    activity = _last_activity(session, ids)
    latest: dict[tuple[int, str], Flag] = {}
    for flag in session.scalars(select(Flag).where(Flag.mentee_id.in_(ids)).order_by(Flag.id)):
        latest[(flag.mentee_id, flag.rule)] = flag
    for mentee in mentees:
        found = conditions(
            profiles[mentee.id], mentee, activity.get(mentee.id), now=now, ruleset=ruleset
        )
        rules = {key[1] for key in latest if key[0] == mentee.id} | set(found)
        for rule in rules:
            outcome = _apply(
                session, mentee.id, rule, found.get(rule), latest.get((mentee.id, rule)), now
            )
            report.raised += outcome == "raised"
            report.cleared += outcome == "cleared"
        mentee.flags_checked_at = now
    session.flush()
    return report


def conditions(
    profile: ProfileIn,
    mentee: Mentee,
    last_activity: datetime | None,
    *,
    now: datetime,
    ruleset: Ruleset,
) -> dict[str, str]:
    """Every flag rule that holds now, with the sentence that says why."""
    today = now.date()
    result = assess(profile, ruleset=ruleset, as_of=today)
    found = {f.rule: f.text for f in result.flags}
    idle_days = ruleset.rules.stag_no_progress.days
    since = max(filter(None, [mentee.created_at, last_activity]))
    if now - since > timedelta(days=idle_days):
        found["STAG-NO-PROGRESS"] = (
            f"No new item, exam or completed milestone since {since.date()} "
            f"({(now - since).days} days)"
        )
    return found


def _apply(
    session: Session,
    mentee_id: int,
    rule: str,
    detail: str | None,
    flag: Flag | None,
    now: datetime,
) -> str:
    holds = detail is not None
    if flag is not None and flag.state is not FlagState.RESOLVED:
        if not holds:
            flag.state, flag.resolved_at, flag.cleared_at = FlagState.RESOLVED, now, now
            flag.resolved_reason = "condition cleared"
            dashboard.record(
                session,
                mentee_id=mentee_id,
                key=f"flag-cleared:{flag.id}",
                actor=Actor.system(now),
                text=f"Flag cleared: {rule}",
            )
            return "cleared"
        if flag.state is FlagState.SNOOZED and flag.snoozed_until and flag.snoozed_until <= now:
            flag.state, flag.snoozed_until = FlagState.OPEN, None  # same episode: no new raise
        if detail and flag.detail != detail:
            flag.detail = detail
        return "kept"
    if not holds:
        if flag is not None and flag.cleared_at is None:
            flag.cleared_at = now
        return "quiet"
    if flag is not None and flag.cleared_at is None:
        return "kept"  # resolved by a mentor and not yet cleared: the same episode
    # At most one unresolved flag per mentee and rule (a partial unique index): if one exists
    # already, whoever wrote it raised it, and this does nothing.
    raised = session.scalar(
        insert_for(session, Flag)
        .values(
            mentee_id=mentee_id,
            rule=rule,
            detail=detail or "",
            raised_at=now,
            state=FlagState.OPEN,
        )
        .on_conflict_do_nothing(
            index_elements=["mentee_id", "rule"], index_where=text(FLAG_UNRESOLVED)
        )
        .returning(Flag.id)
    )
    if raised is None:
        return "kept"
    dashboard.record(
        session,
        mentee_id=mentee_id,
        key=f"flag-raised:{raised}",
        actor=Actor.system(now),
        text=f"Flag raised: {rule}: {detail}",
    )
    return "raised"


def _last_activity(session: Session, ids: list[int]) -> dict[int, datetime]:
    """The newest item, exam or completed milestone per mentee (two queries)."""
    models: list[Any] = list(ITEM_MODELS)
    parts = [
        select(m.mentee_id.label("mentee_id"), m.created_at.label("at")).where(m.mentee_id.in_(ids))
        for m in models
    ]
    unioned = union_all(*parts).subquery()
    latest = dict(
        session.execute(
            select(unioned.c.mentee_id, func.max(unioned.c.at)).group_by(unioned.c.mentee_id)
        ).all()
    )
    completed = session.execute(
        select(Milestone.mentee_id, func.max(Milestone.completed_on))
        .where(Milestone.mentee_id.in_(ids), Milestone.completed_on.is_not(None))
        .group_by(Milestone.mentee_id)
    ).all()
    for mentee_id, day in completed:
        if day is None:
            continue
        moment = datetime.combine(day, time(), tzinfo=UTC)
        if mentee_id not in latest or latest[mentee_id] is None or latest[mentee_id] < moment:
            latest[mentee_id] = moment
    return {k: v for k, v in latest.items() if v is not None}
