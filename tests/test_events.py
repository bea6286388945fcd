"""Domain events: each service operation emits what happened (and nothing when it refuses),
on a real database; the events are published to the subscribers inside the transaction, just
before it commits, and dropped with a transaction that rolls back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Actor, find_mentee
from bot.assessment.ruleset import load_ruleset
from bot.dashboards.outbox import set_dashboard_channel
from bot.db.engine import Database
from bot.errors import AccessDenied, InvalidInput
from bot.events import (
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
    NoSubscribers,
    ProfileItemLogged,
    ProfileUpdated,
    Subscriber,
    emit,
    pending,
    publish,
    subscribe,
    subscribers,
    unsubscribe,
)
from bot.flags.service import Resolution, resolve_flag, snooze_flag
from bot.flags.sweep import evaluate_flags
from bot.mentees.checkins import CheckInCreate, record_check_in
from bot.mentees.cycles import record_interviews
from bot.mentees.dto import ProfileFields
from bot.mentees.enrolment import enroll
from bot.mentees.items import log_item
from bot.mentees.milestones import (
    MilestoneCreate,
    add_milestones,
    reschedule_milestone,
    set_milestone_status,
)
from bot.mentees.service import forget, get_mentee, update_profile
from bot.models import AuditEvent, CheckIn, Delivery, Flag, Letter, Mentee, Milestone
from bot.profile.schema import CycleIn, LetterIn
from bot.vocab import MilestoneStatus
from tests.factories import Programme, build_programme, profile

RULESET = load_ruleset()


def emitted(session: Session, operation: Callable[[], object]) -> list[DomainEvent]:
    """The events one operation emits."""
    before = len(pending(session))
    operation()
    return list(pending(session)[before:])


def mentee_id(session: Session, slack_user_id: str = "UMENTEE1") -> int:
    mentee = find_mentee(session, slack_user_id)
    assert mentee is not None
    return mentee.id


@pytest.fixture
def programme(session: Session, system: Actor) -> Programme:
    return build_programme(session, system)


def test_enrolling_emits_mentee_enrolled(session: Session, system: Actor) -> None:
    events = emitted(
        session,
        lambda: enroll(session, actor=system, slack_user_id="UNEW1", profile=profile(name="New")),
    )
    assert events == [MenteeEnrolled(mentee_id=mentee_id(session, "UNEW1"), actor=system)]


def test_a_profile_update_emits_profile_updated(session: Session, programme: Programme) -> None:
    read = get_mentee(session, actor=programme.mentor, slack_user_id="UMENTEE1")
    fields = ProfileFields(applicant_type="non_us_img", visa="j1", graduation_year=2020)
    events = emitted(
        session,
        lambda: update_profile(
            session, actor=programme.mentor, slack_user_id="UMENTEE1", fields=fields
        ),
    )
    assert events == [ProfileUpdated(mentee_id=read.id, actor=programme.mentor)]


def test_logging_an_item_emits_its_summary_without_scores(
    session: Session, programme: Programme
) -> None:
    letter = LetterIn(
        writer="Dr. Lee",
        specialty="general_surgery",
        us=True,
        strong=True,
        received_on=date(2026, 3, 1),
    )
    events = emitted(
        session,
        lambda: log_item(session, actor=programme.mentor, slack_user_id="UMENTEE1", item=letter),
    )
    row = session.scalars(select(Letter).where(Letter.writer == "Dr. Lee")).one()
    assert events == [
        ProfileItemLogged(
            mentee_id=mentee_id(session),
            actor=programme.mentor,
            kind="letter",
            item_id=row.id,
            summary="strong letter from Dr. Lee",
        )
    ]


def test_counting_interviews_emits_the_count(session: Session, programme: Programme) -> None:
    december = programme.mentor.model_copy(update={"now": datetime(2026, 12, 2, 15, tzinfo=UTC)})
    log_item(
        session,
        actor=december,
        slack_user_id="UMENTEE1",
        item=CycleIn(
            season=2027, submitted_on=date(2026, 9, 2), applications={"preliminary_surgery": 80}
        ),
    )
    events = emitted(
        session,
        lambda: record_interviews(
            session, actor=december, slack_user_id="UMENTEE1", count=4, ruleset=RULESET
        ),
    )
    assert len(events) == 1
    assert isinstance(events[0], InterviewsCounted)
    assert (events[0].season, events[0].count, events[0].actor) == (2027, 4, december)


def test_a_check_in_emits_check_in_recorded(session: Session, programme: Programme) -> None:
    events = emitted(
        session,
        lambda: record_check_in(
            session,
            actor=programme.mentor,
            slack_user_id="UMENTEE1",
            check_in=CheckInCreate(notes="talked", wellbeing_asked=True),
        ),
    )
    row = session.scalars(select(CheckIn)).one()
    assert events == [
        CheckInRecorded(
            mentee_id=mentee_id(session),
            actor=programme.mentor,
            check_in_id=row.id,
            wellbeing_asked=True,
        )
    ]


def test_milestones_emit_one_event_each_in_order(session: Session, programme: Programme) -> None:
    today = programme.mentor.now.date()
    wanted = [
        MilestoneCreate(title="Book Step 3", due_on=today + timedelta(days=30)),
        MilestoneCreate(title="Ask for a letter", due_on=today + timedelta(days=10)),
    ]
    events = emitted(
        session,
        lambda: add_milestones(
            session, actor=programme.mentor, slack_user_id="UMENTEE1", milestones=wanted
        ),
    )
    rows = session.scalars(select(Milestone).order_by(Milestone.id)).all()
    assert events == [
        MilestoneAdded(
            mentee_id=mentee_id(session),
            actor=programme.mentor,
            milestone_id=row.id,
            title=row.title,
            due_on=row.due_on,
        )
        for row in rows
    ]
    done = emitted(
        session,
        lambda: set_milestone_status(
            session, actor=programme.mentor, milestone_id=rows[0].id, status=MilestoneStatus.DONE
        ),
    )
    assert done == [
        MilestoneStatusChanged(
            mentee_id=mentee_id(session),
            actor=programme.mentor,
            milestone_id=rows[0].id,
            title="Book Step 3",
            status=MilestoneStatus.DONE,
        )
    ]
    # A new due date puts no line in the thread today: it emits nothing.
    moved = emitted(
        session,
        lambda: reschedule_milestone(
            session, actor=programme.mentor, milestone_id=rows[1].id, due_on=today
        ),
    )
    assert moved == []


def test_flags_emit_raised_cleared_and_resolved(session: Session, programme: Programme) -> None:
    later = programme.mentor.now + timedelta(days=400)  # long idle: STAG-NO-PROGRESS holds
    raised = emitted(session, lambda: evaluate_flags(session, now=later, ruleset=RULESET))
    flags = {f.id: f for f in session.scalars(select(Flag))}
    assert raised
    assert all(isinstance(e, FlagRaised) for e in raised)
    assert {(e.mentee_id, e.flag_id, e.rule) for e in raised if isinstance(e, FlagRaised)} == {
        (f.mentee_id, f.id, f.rule) for f in flags.values()
    }
    assert all(e.actor == Actor.system(later) for e in raised)

    one = next(iter(flags.values()))
    snoozed = emitted(
        session, lambda: snooze_flag(session, actor=programme.admin, flag_id=one.id, days=7)
    )
    assert snoozed == []  # a snooze puts no line in the thread
    resolved = emitted(
        session,
        lambda: resolve_flag(
            session,
            actor=programme.admin,
            flag_id=one.id,
            resolution=Resolution(reason="spoke with them"),
        ),
    )
    assert resolved == [
        FlagResolved(
            mentee_id=one.mentee_id,
            actor=programme.admin,
            flag_id=one.id,
            rule=one.rule,
            reason="spoke with them",
        )
    ]
    # Progress logged: the idle flag clears itself on the next evaluation.
    progress = programme.other_mentor.model_copy(update={"now": later + timedelta(minutes=1)})
    log_item(
        session,
        actor=progress,
        slack_user_id="UMENTEE2",
        item=LetterIn(
            writer="Dr. Kay",
            specialty="general_surgery",
            us=True,
            strong=False,
            received_on=later.date(),
        ),
    )
    again = later + timedelta(minutes=2)
    cleared = emitted(session, lambda: evaluate_flags(session, now=again, ruleset=RULESET))
    idle = flags_of(flags.values(), mentee_id(session, "UMENTEE2"), "STAG-NO-PROGRESS")
    assert len(idle) == 1
    assert [e for e in cleared if isinstance(e, FlagCleared)] == [
        FlagCleared(
            mentee_id=idle[0].mentee_id,
            actor=Actor.system(again),
            flag_id=idle[0].id,
            rule="STAG-NO-PROGRESS",
        )
    ]


def flags_of(flags: Iterable[Flag], mentee: int, rule: str) -> list[Flag]:
    return [f for f in flags if f.mentee_id == mentee and f.rule == rule]


def test_forget_publishes_at_once_and_notes_the_erased_posts(
    session: Session, programme: Programme, system: Actor
) -> None:
    set_dashboard_channel(session, "GDASH1", system.now)
    forgotten_id = mentee_id(session)
    publish(session)  # the enrolments, as their commit would
    seen: list[DomainEvent] = []
    with subscribed(lambda _s, events: seen.extend(events)):
        forget(session, actor=programme.admin, slack_user_id="UMENTEE1")
    audit_row = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "mentee.forgotten")
    ).one()
    assert pending(session) == ()  # nothing waits for the commit: the mentee is gone by then
    assert seen == [
        MenteeForgotten(mentee_id=forgotten_id, actor=programme.admin, audit_id=audit_row.id)
    ]
    assert audit_row.detail == {"slack_posts_erased": 0}  # no post of theirs had gone out yet


def test_a_refused_operation_emits_nothing(session: Session, programme: Programme) -> None:
    def too_far() -> None:
        with pytest.raises(InvalidInput):
            add_milestones(
                session,
                actor=programme.mentor,
                slack_user_id="UMENTEE1",
                milestones=[MilestoneCreate(title="Far", due_on=date(2099, 1, 1))],
            )

    def not_theirs() -> None:
        with pytest.raises(AccessDenied):
            record_check_in(
                session,
                actor=programme.other_mentor,
                slack_user_id="UMENTEE1",
                check_in=CheckInCreate(notes="not my mentee"),
            )

    assert emitted(session, too_far) == []
    assert emitted(session, not_theirs) == []


@contextmanager
def subscribed(subscriber: Subscriber) -> Iterator[None]:
    subscribe(subscriber)
    try:
        yield
    finally:
        unsubscribe(subscriber)


def enrol(db: Database, system: Actor, slack_user_id: str) -> None:
    with db.unit_of_work() as s:
        enroll(s, actor=system, slack_user_id=slack_user_id, profile=profile(name="Enrolled"))


def test_events_are_published_in_order_in_the_committing_transaction(
    fresh_db: Database, system: Actor
) -> None:
    batches: list[list[DomainEvent]] = []

    def record_batch(session: Session, events: Sequence[DomainEvent]) -> None:
        # Inside the transaction: the service's rows are visible, not yet committed.
        assert session.in_transaction()
        assert session.scalar(select(func.count(Mentee.id))) == 2
        batches.append(list(events))

    with subscribed(record_batch), fresh_db.unit_of_work() as s:
        for user in ("UORDER1", "UORDER2"):
            enroll(s, actor=system, slack_user_id=user, profile=profile(name=user))
        assert batches == []  # nothing is published before the commit
    with fresh_db.read_only() as s:
        ids = [mentee_id(s, "UORDER1"), mentee_id(s, "UORDER2")]
    assert batches == [[MenteeEnrolled(mentee_id=i, actor=system) for i in ids]]


def test_a_failing_subscriber_rolls_the_service_back(fresh_db: Database, system: Actor) -> None:
    def refuse(_session: Session, _events: Sequence[DomainEvent]) -> None:
        raise RuntimeError("subscriber failed")

    with subscribed(refuse), pytest.raises(RuntimeError, match="subscriber failed"):
        enrol(fresh_db, system, "UROLLED1")
    with fresh_db.read_only() as s:
        assert s.scalar(select(func.count(Mentee.id))) == 0
        assert s.scalar(select(func.count(Delivery.id))) == 0


def test_events_of_a_rolled_back_transaction_are_dropped(fresh_db: Database, system: Actor) -> None:
    """One session, two transactions: the first one's events die with it."""
    seen: list[DomainEvent] = []
    with subscribed(lambda _s, events: seen.extend(events)), Session(fresh_db.engine) as s:
        with s.begin():
            enroll(s, actor=system, slack_user_id="UGONE1", profile=profile(name="Gone"))
            s.rollback()
        with s.begin():
            enroll(s, actor=system, slack_user_id="UKEPT1", profile=profile(name="Kept"))
        kept = mentee_id(s, "UKEPT1")
    assert seen == [MenteeEnrolled(mentee_id=kept, actor=system)]


def test_events_with_no_subscriber_are_refused_not_lost(session: Session, system: Actor) -> None:
    installed = subscribers()
    for subscriber in installed:
        unsubscribe(subscriber)
    try:
        emit(session, MenteeEnrolled(mentee_id=1, actor=system))
        with pytest.raises(NoSubscribers, match=r"bot\.subscriptions\.install"):
            publish(session)
    finally:
        for subscriber in installed:
            subscribe(subscriber)
