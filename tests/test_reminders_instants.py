"""Send instants, set-based: every row the planner inserts carries the instants that its own
recipient's window gives its own local day (computed row by row here, with the timing rules),
and so does every row the scheduler times again after a change of zone or quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset, load_ruleset
from bot.db.engine import Database
from bot.models import Delivery, Mentee, MentorAssignment, Milestone, Person
from bot.reminders.planner import plan
from bot.reminders.schedule import schedule
from bot.reminders.timing import SendWindow, next_allowed, send_instant
from bot.vocab import (
    ApplicantType,
    DeliveryState,
    EcfmgStatus,
    MenteeStatus,
    MilestoneStatus,
    ReminderKind,
    VisaNeed,
)

RULESET = load_ruleset()
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", ""]
START = datetime(2026, 3, 1, tzinfo=UTC)  # DST changes in both hemispheres within the range


@dataclass(frozen=True)
class Who:
    tz: str
    override: str | None
    quiet_start: int
    quiet_end: int
    weekends: bool


people = st.builds(
    Who,
    tz=st.sampled_from(ZONES),
    override=st.none() | st.sampled_from(ZONES),
    quiet_start=st.integers(0, 24 * 60 - 1),
    quiet_end=st.integers(0, 24 * 60 - 1),
    weekends=st.booleans(),
)


def expected(
    row: Delivery, person: Person, now: datetime, ruleset: Ruleset
) -> tuple[datetime, ...]:
    """The row's instants, one row at a time (what the scheduler once did for each row)."""
    rules = ruleset.reminders
    window = SendWindow(
        person.tz_override or person.tz or "UTC",
        person.quiet_start_minute,
        person.quiet_end_minute,
        person.quiet_weekends,
    )
    send_minute = rules.send_hour * 60
    planned = send_instant(row.anchor_date + timedelta(days=row.offset_days), window, send_minute)
    due = planned if planned >= now else next_allowed(now, window, send_minute)
    return due, planned + timedelta(days=rules.expiry_days[ReminderKind(row.kind)])


def add_person(session: Session, n: int, who: Who, *, now: datetime) -> Person:
    person = Person(
        slack_user_id=f"UINST{n:04d}",
        display_name=f"P{n}",
        tz=who.tz,
        tz_override=who.override,
        quiet_start_minute=who.quiet_start,
        quiet_end_minute=who.quiet_end,
        quiet_weekends=who.weekends,
        created_at=now - timedelta(days=400),
    )
    session.add(person)
    session.flush()
    return person


def add_mentee(session: Session, person: Person, *, now: datetime, checkpoint: date) -> Mentee:
    mentee = Mentee(
        person_id=person.id,
        applicant_type=ApplicantType.NON_US_IMG,
        visa=VisaNeed.J1,
        ecfmg=EcfmgStatus.CERTIFIED,
        targets=["preliminary_surgery"],
        mentor_advocate=False,
        distinctive_story=False,
        checkpoint_cadence_days=90,
        status=MenteeStatus.ACTIVE,
        notes="",
        created_at=now - timedelta(days=300),
        updated_at=now - timedelta(days=300),
        checkpoint_due_on=checkpoint,
    )
    session.add(mentee)
    session.flush()
    return mentee


def check_every_row(session: Session, now: datetime) -> int:
    rows = session.execute(
        select(Delivery, Person).join(Person, Person.id == Delivery.recipient_id)
    ).all()
    for row, person in rows:
        assert (row.due_at, row.expires_at) == expected(row, person, now, RULESET), row.dedupe_key
    return len(rows)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    mentees=st.lists(people, min_size=1, max_size=4),
    mentor=people,
    hours=st.integers(0, 60 * 24),
    due_in=st.lists(st.integers(-40, 10), min_size=1, max_size=3),
    moved=people,
)
def test_rows_carry_their_own_recipients_instants(
    shared_db: Database,
    mentees: list[Who],
    mentor: Who,
    hours: int,
    due_in: list[int],
    moved: Who,
) -> None:
    now = START + timedelta(hours=hours)
    with shared_db.dry_run() as session:
        mentor_person = add_person(session, 0, mentor, now=now)
        for n, who in enumerate(mentees, start=1):
            mentee = add_mentee(
                session,
                add_person(session, n, who, now=now),
                now=now,
                checkpoint=now.date() + timedelta(days=due_in[0]),
            )
            session.add(
                MentorAssignment(mentor_id=mentor_person.id, mentee_id=mentee.id, since=now)
            )
            for days in due_in:
                session.add(
                    Milestone(
                        mentee_id=mentee.id,
                        title="Task",
                        kind="free",
                        due_on=now.date() + timedelta(days=days),
                        due_version=1,
                        status=MilestoneStatus.OPEN,
                        created_at=now - timedelta(days=90),
                    )
                )
        session.flush()
        plan(session, now=now, ruleset=RULESET)
        unscheduled = select(Delivery.id).where(Delivery.due_at.is_(None))
        assert session.scalars(unscheduled).all() == []
        assert schedule(session, now=now, ruleset=RULESET) == 0
        check_every_row(session, now)
        # The mentor moves: their waiting rows are timed again, set-based, for the new window.
        session.execute(
            update(Person)
            .where(Person.id == mentor_person.id)
            .values(
                tz=moved.tz,
                tz_override=moved.override,
                quiet_start_minute=moved.quiet_start,
                quiet_end_minute=moved.quiet_end,
                quiet_weekends=moved.weekends,
            )
        )
        waiting = (Delivery.recipient_id == mentor_person.id) & (
            Delivery.state == DeliveryState.PENDING
        )
        count = len(session.scalars(select(Delivery.id).where(waiting)).all())
        session.execute(update(Delivery).where(waiting).values(due_at=None))
        session.expire_all()
        later = now + timedelta(hours=5)
        assert schedule(session, now=later, ruleset=RULESET) == count
        for row, person in session.execute(
            select(Delivery, Person)
            .join(Person, Person.id == Delivery.recipient_id)
            .where(Delivery.recipient_id == mentor_person.id)
        ).all():
            assert (row.due_at, row.expires_at) == expected(row, person, later, RULESET)
