"""The dashboards' subscriber turns each kind of domain event into the ledger rows the
services used to plan themselves: one thread line (its words and dedupe key as before) and one
coalesced card update; a forgotten mentee's posts are queued for deletion. On a real database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.access import Actor, find_mentee
from bot.dashboards.outbox import CARD, COALESCE, DELETE, REPLY, UPDATE, set_dashboard_channel
from bot.dashboards.subscriber import on_events, thread_line
from bot.events import (
    ApplicationsListSaved,
    ApplicationStatusChanged,
    CheckInRecorded,
    DomainEvent,
    FlagCleared,
    FlagRaised,
    FlagResolved,
    InterviewsCounted,
    MenteeEnrolled,
    MenteeForgotten,
    MilestoneAdded,
    MilestoneStatusChanged,
    ProfileItemLogged,
    ProfileUpdated,
    domain,
    publish,
)
from bot.models import AuditEvent, DashboardCard, Delivery
from bot.vocab import AuditOutcome, DeliveryState, MilestoneStatus
from tests.factories import Programme, build_programme

CHANNEL = "GDASH1"
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def line_events(mentee: int, actor: Actor) -> list[tuple[DomainEvent, str, str]]:
    """Every event that puts a line in the thread, with the words and key the services used
    to write into the ledger themselves (copied from the code before the events)."""
    at = actor.now.isoformat()
    system = Actor.system(actor.now)
    return [
        (MenteeEnrolled(mentee_id=mentee, actor=actor), "Enrolled in MatchPath", "enrolled"),
        (ProfileUpdated(mentee_id=mentee, actor=actor), "Profile updated", f"profile:{at}"),
        (
            ProfileItemLogged(
                mentee_id=mentee, actor=actor, kind="letter", item_id=7, summary="letter from Dr. A"
            ),
            "Logged: letter from Dr. A",
            "item:letter:7",
        ),
        (
            InterviewsCounted(mentee_id=mentee, actor=actor, cycle_id=3, season=2027, count=4),
            "Interview invitations so far: 4 (2027 season)",
            f"interviews:3:4:{at}",
        ),
        (
            CheckInRecorded(mentee_id=mentee, actor=actor, check_in_id=5, wellbeing_asked=True),
            "Check-in recorded (asked about wellbeing)",
            "checkin:5",
        ),
        (
            CheckInRecorded(mentee_id=mentee, actor=actor, check_in_id=6, wellbeing_asked=False),
            "Check-in recorded",
            "checkin:6",
        ),
        (
            MilestoneAdded(
                mentee_id=mentee,
                actor=actor,
                milestone_id=9,
                title="Book Step 3",
                due_on=date(2027, 1, 4),
            ),
            "Milestone added: Book Step 3 (due 2027-01-04)",
            "ms-add:9",
        ),
        (
            MilestoneStatusChanged(
                mentee_id=mentee,
                actor=actor,
                milestone_id=9,
                title="Book Step 3",
                status=MilestoneStatus.DONE,
            ),
            "Milestone done: Book Step 3",
            f"ms-done:9:{at}",
        ),
        (
            FlagRaised(
                mentee_id=mentee, actor=system, flag_id=2, rule="S2-DELAY", detail="Booked soon"
            ),
            "Flag raised: S2-DELAY: Booked soon",
            "flag-raised:2",
        ),
        (
            FlagCleared(mentee_id=mentee, actor=system, flag_id=2, rule="S2-DELAY"),
            "Flag cleared: S2-DELAY",
            "flag-cleared:2",
        ),
        (
            FlagResolved(
                mentee_id=mentee, actor=actor, flag_id=2, rule="S2-DELAY", reason="talked it over"
            ),
            "Flag resolved: S2-DELAY: talked it over",
            "flag-resolved:2",
        ),
        (
            ApplicationStatusChanged(
                mentee_id=mentee,
                actor=actor,
                change_id=41,
                application_id=12,
                season=2027,
                programme="Synthetic Regional Medical Center 017",
                track="categorical general surgery",
                from_status="planned",
                to_status="applied",
                on=date(2026, 9, 15),
                correction=False,
            ),
            "Applied to Synthetic Regional Medical Center 017 (categorical general surgery), "
            "2026-09-15",
            "application:41",
        ),
        (
            ApplicationsListSaved(
                mentee_id=mentee,
                actor=actor,
                saved_list_id=3,
                season=2027,
                added=96,
                kept=4,
                dropped=0,
            ),
            "Programme list saved for the 2027 season: 96 new applications planned, 4 kept",
            "list-saved:3",
        ),
    ]


@pytest.fixture
def programme(session: Session, system: Actor) -> Programme:
    set_dashboard_channel(session, CHANNEL, system.now)
    built = build_programme(session, system)
    publish(session)  # the enrolments' cards and lines, as their commit would plan them
    session.execute(delete(Delivery))  # each test starts from an empty ledger, cards made
    return built


def ledger(session: Session) -> dict[str, Delivery]:
    return {d.dedupe_key: d for d in session.scalars(select(Delivery))}


def card_version(session: Session, mentee: int) -> int:
    return session.get_one(DashboardCard, mentee).version


def mentee_one(session: Session) -> int:
    mentee = find_mentee(session, "UMENTEE1")
    assert mentee is not None
    return mentee.id


def test_each_event_plans_its_line_and_one_card_update(
    session: Session, programme: Programme
) -> None:
    mentee = mentee_one(session)
    actor = programme.mentor
    for happened, text, key in line_events(mentee, actor):
        before, version = ledger(session), card_version(session, mentee)
        on_events(session, [happened])
        added = {k: d for k, d in ledger(session).items() if k not in before}
        who = "MatchPath" if happened.actor.slack_user_id == "system" else "<@UMENTOR1>"
        assert set(added) == {f"dash:{mentee}:{key}", f"card:{mentee}:v{version + 1}"}, happened
        line, update = added[f"dash:{mentee}:{key}"], added[f"card:{mentee}:v{version + 1}"]
        assert (line.kind, line.body, line.mentee_id) == (REPLY, f"{text} ({who})", mentee)
        assert (line.state, line.due_at) == (DeliveryState.PENDING, happened.actor.now)
        assert (update.kind, update.version, update.mentee_id) == (UPDATE, version + 1, mentee)
        assert update.due_at == happened.actor.now + COALESCE


def test_the_same_event_twice_adds_no_second_line(session: Session, programme: Programme) -> None:
    mentee = mentee_one(session)
    happened = MilestoneAdded(
        mentee_id=mentee, actor=programme.mentor, milestone_id=1, title="X", due_on=date(2027, 1, 1)
    )
    on_events(session, [happened])
    before = [d for d in ledger(session).values() if d.kind == REPLY]
    on_events(session, [happened])
    assert [d for d in ledger(session).values() if d.kind == REPLY] == before


def test_a_first_line_creates_the_card(session: Session, system: Actor) -> None:
    build_programme(session, system)  # enrolled before any channel: no card, no line
    publish(session)
    assert ledger(session) == {}
    set_dashboard_channel(session, CHANNEL, system.now)
    mentee = mentee_one(session)
    on_events(session, [ProfileUpdated(mentee_id=mentee, actor=system)])
    kinds = sorted(d.kind for d in ledger(session).values())
    assert kinds == sorted([CARD, REPLY, UPDATE])
    assert f"card:{mentee}:g1" in ledger(session)


def test_without_a_dashboard_channel_nothing_is_planned(session: Session, system: Actor) -> None:
    build_programme(session, system)
    publish(session)
    for happened, _text, _key in line_events(1, system):
        on_events(session, [happened])
    assert ledger(session) == {}
    assert session.scalars(select(DashboardCard)).all() == []


def test_a_forgotten_mentee_s_posts_are_queued_for_deletion(
    session: Session, programme: Programme, system: Actor
) -> None:
    mentee = mentee_one(session)
    card = session.get_one(DashboardCard, mentee)
    card.ts, card.previous_ts = "1700000000.000100", "1690000000.000100"
    on_events(session, [MenteeEnrolled(mentee_id=mentee, actor=system)])
    sent = ledger(session)[f"dash:{mentee}:enrolled"]
    sent.state, sent.channel_id, sent.message_ts = DeliveryState.SENT, CHANNEL, "1700000001.000200"
    audit_row = AuditEvent(
        at=system.now,
        actor_slack_id="UADMIN1",
        mentee_id=mentee,
        action="mentee.forgotten",
        outcome=AuditOutcome.OK,
        detail={},
    )
    session.add(audit_row)
    session.flush()
    on_events(
        session, [MenteeForgotten(mentee_id=mentee, actor=programme.admin, audit_id=audit_row.id)]
    )
    deletions = {(d.channel_id, d.thread_ts) for d in ledger(session).values() if d.kind == DELETE}
    assert deletions == {
        (CHANNEL, "1700000000.000100"),
        (CHANNEL, "1690000000.000100"),
        (CHANNEL, "1700000001.000200"),
    }
    assert audit_row.detail == {"slack_posts_erased": 3}
    assert thread_line(MenteeForgotten(mentee_id=mentee, actor=system, audit_id=1)) is None


def test_every_kind_of_event_is_handled() -> None:
    """A new event type must be given its line here (or be the forget), not dropped unseen."""
    kinds = {
        kind
        for kind in vars(domain).values()
        if isinstance(kind, type) and issubclass(kind, DomainEvent) and kind is not DomainEvent
    }
    assert len(kinds) >= 11
    with_lines = {type(e) for e, _text, _key in line_events(1, Actor.system(NOW))}
    assert kinds == with_lines | {MenteeForgotten}


texts = st.text(min_size=1, max_size=80)
ids = st.integers(min_value=1, max_value=2**31 - 1)


@given(first=ids, second=ids, title=texts, reason=texts)
def test_lines_name_what_happened_and_keys_follow_the_ids(
    first: int, second: int, title: str, reason: str
) -> None:
    actor = Actor.system(NOW)
    a = MilestoneAdded(mentee_id=1, actor=actor, milestone_id=first, title=title, due_on=NOW.date())
    b = MilestoneAdded(
        mentee_id=1, actor=actor, milestone_id=second, title=title, due_on=NOW.date()
    )
    la, lb = thread_line(a), thread_line(b)
    assert la is not None
    assert lb is not None
    assert title in la.text
    assert (la.key == lb.key) == (first == second)
    resolved = thread_line(
        FlagResolved(mentee_id=1, actor=actor, flag_id=first, rule="ATTEMPTS", reason=reason)
    )
    assert resolved is not None
    assert resolved.text.endswith(reason)
