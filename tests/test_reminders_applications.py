"""A season's application reminders, planned over the hand-counted cohort
(tests/applications_world.py, the 2028 season) on each kind's day: who is owed which, each
once, in a number of statements that does not grow with the mentees; opt-outs; what each says.

Where the cohort stands (its statuses are those after the 2028 Match, read on every day):
mentee 1 (mentor 1) has one programme planned, four sent, three invitations, one invitation
not ranked, one match; mentee 2 (mentor 2) has nothing planned, two sent, one invitation,
ranked, no match; mentee 3 (mentor 1) has one planned, one sent, no invitation; mentee 4
(mentor 1) has no list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.assessment.ruleset import load_ruleset
from bot.mentees.enrolment import enroll
from bot.mentees.items import log_item
from bot.models import Delivery, Mentee, Person
from bot.people import PersonSettings, update_settings
from bot.profile.schema import CycleIn
from bot.reminders.application_plan import season_days
from bot.reminders.application_standing import APPLICATION_KINDS
from bot.reminders.content import compose
from bot.reminders.planner import plan
from bot.reminders.ports import Notice
from bot.vocab import Pathway, ReminderKind
from tests.applications_world import COHORT_SEASON, Cohort, cohort, saved
from tests.factories import profile

RULESET = load_ruleset()
K = ReminderKind
DAYS = {due.kind: due.day for due in season_days(RULESET, COHORT_SEASON)}
# Each kind's day in the 2028 season, from the ruleset's calendar.
CALENDAR = {
    K.SUBMISSION_DAY: date(2027, 9, 1),  # submissions open
    K.FEW_INTERVIEWS: date(2027, 11, 13),  # programmes review from 22 September, + 52 days
    K.RANK_DEADLINE: date(2028, 2, 23),  # a week before the 1 March deadline
    K.SOAP_READY: date(2028, 2, 28),  # two weeks before Match Week (13 March)
}
OWED = {
    K.SUBMISSION_DAY: {("UMENTEE1", "UMENTEE1"), ("UMENTEE3", "UMENTEE3")},
    K.FEW_INTERVIEWS: {("UMENTEE2", "UMENTOR2"), ("UMENTEE3", "UMENTOR1")},
    K.RANK_DEADLINE: {("UMENTEE1", "UMENTEE1")},
    K.SOAP_READY: {
        ("UMENTEE2", "UMENTEE2"),
        ("UMENTEE2", "UMENTOR2"),
        ("UMENTEE3", "UMENTEE3"),
        ("UMENTEE3", "UMENTOR1"),
    },
}


@pytest.fixture
def world(session: Session, system: Actor) -> Cohort:
    return cohort(session, system)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def planned(session: Session, kinds: tuple[str, ...] = APPLICATION_KINDS) -> list[tuple[str, ...]]:
    """(kind, mentee, recipient, key) of every planned row of these kinds."""
    mentee = Person.__table__.alias("mentee_person")
    rows = session.execute(
        select(Delivery.kind, mentee.c.slack_user_id, Person.slack_user_id, Delivery.dedupe_key)
        .join(Person, Person.id == Delivery.recipient_id)
        .join(Mentee, Mentee.id == Delivery.mentee_id)
        .join(mentee, mentee.c.id == Mentee.person_id)
        .where(Delivery.kind.in_(kinds))
        .order_by(Delivery.id)
    ).all()
    return [tuple(str(v) for v in row) for row in rows]


def opt_out(session: Session, user: str, *kinds: ReminderKind, now: datetime) -> None:
    actor = resolve_actor(session, slack_user_id=user, admin_ids=frozenset(), now=now)
    update_settings(session, actor=actor, settings=PersonSettings(opt_outs=list(kinds)))


def test_the_days_come_from_the_ruleset_calendar() -> None:
    assert DAYS == CALENDAR


@pytest.mark.parametrize("kind", APPLICATION_KINDS)
def test_each_kind_is_planned_once_for_whom_it_is_owed(
    session: Session, world: Cohort, kind: ReminderKind
) -> None:
    day = DAYS[kind]
    first = plan(session, now=noon(day - timedelta(days=1)), ruleset=RULESET)
    for offset in range(4):  # later sweeps, and the days after: nothing planned again
        again = plan(session, now=noon(day + timedelta(days=offset)), ruleset=RULESET)
        assert again.get(kind, 0) == 0
    rows = planned(session, (kind,))
    assert {(m, r) for _, m, r, _ in rows} == OWED[kind]
    assert first[kind] == len(OWED[kind])
    keys = [key for *_, key in rows]
    assert len(keys) == len(set(keys))


def test_nothing_is_planned_away_from_the_days(session: Session, world: Cohort) -> None:
    for day in (date(2027, 8, 20), date(2027, 10, 20), date(2028, 1, 15), date(2028, 3, 10)):
        plan(session, now=noon(day), ruleset=RULESET)
    assert planned(session) == []


def test_a_day_seen_only_after_downtime_is_planned_within_its_expiry(
    session: Session, world: Cohort
) -> None:
    """The first sweep after downtime still plans what is worth sending late (the kind's
    expiry), and nothing older."""
    expiry = RULESET.reminders.expiry_days
    late = DAYS[K.SOAP_READY] + timedelta(days=expiry[K.SOAP_READY])
    plan(session, now=noon(late), ruleset=RULESET)
    assert {(m, r) for k, m, r, _ in planned(session)} == OWED[K.SOAP_READY]
    too_late = DAYS[K.RANK_DEADLINE] + timedelta(days=expiry[K.RANK_DEADLINE] + 2)
    plan(session, now=noon(too_late), ruleset=RULESET)
    assert not [k for k, *_ in planned(session) if k == K.RANK_DEADLINE]


def count_statements(session: Session) -> list[str]:
    seen: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_the_statements_do_not_grow_with_the_mentees(
    session: Session, world: Cohort, system: Actor
) -> None:
    now = noon(DAYS[K.SOAP_READY])
    seen = count_statements(session)
    plan(session, now=now, ruleset=RULESET)
    few = len(seen)
    for n in range(5, 11):
        user = f"UMENTEE{n}"
        enroll(
            session,
            actor=system,
            slack_user_id=user,
            profile=profile(name=f"Mentee {n}"),
            mentor_ids=["UMENTOR1"],
        )
        saved(session, system, world.programme.admin, user)
    session.flush()
    before = len(seen)
    plan(session, now=now, ruleset=RULESET)
    assert len(seen) - before == few
    assert {(m, r) for k, m, r, _ in planned(session) if m == "UMENTEE10"} == set()


def test_an_opt_out_is_not_planned_and_cancels_one_planned(session: Session, world: Cohort) -> None:
    day = DAYS[K.SOAP_READY]
    opt_out(session, "UMENTEE3", K.SOAP_READY, now=noon(day))
    plan(session, now=noon(day - timedelta(days=1)), ruleset=RULESET)
    owed = OWED[K.SOAP_READY] - {("UMENTEE3", "UMENTEE3")}
    assert {(m, r) for _, m, r, _ in planned(session, (K.SOAP_READY,))} == owed
    # Opting out after it was planned: it says nothing when its time comes (cancelled).
    opt_out(session, "UMENTOR2", K.SOAP_READY, now=noon(day))
    row = session.scalars(
        select(Delivery)
        .join(Person, Person.id == Delivery.recipient_id)
        .where(Person.slack_user_id == "UMENTOR2", Delivery.kind == K.SOAP_READY)
    ).one()
    assert (
        compose(session, row, row_recipient(session, row), now=noon(day), ruleset=RULESET) is None
    )


def row_recipient(session: Session, row: Delivery) -> Person:
    person = session.get(Person, row.recipient_id)
    assert person is not None
    return person


def test_a_mentee_with_a_list_hears_of_the_submission_day_once(
    session: Session, world: Cohort
) -> None:
    """The season's own reminder on the day submissions open goes to mentees without a list;
    one with a list hears from the submission-day reminder instead, unless they opted out of
    that one."""
    day = DAYS[K.SUBMISSION_DAY]
    opt_out(session, "UMENTEE3", K.SUBMISSION_DAY, now=noon(day))
    plan(session, now=noon(day), ruleset=RULESET)
    rows = planned(session, (K.SUBMISSION_DAY, K.SEASON))
    assert {(k, r) for k, _, r, _ in rows} == {
        (K.SUBMISSION_DAY, "UMENTEE1"),
        (K.SEASON, "UMENTEE3"),  # opted out of the submission day
        (K.SEASON, "UMENTEE4"),  # no list
    }


def notices(
    session: Session, day: date, kind: ReminderKind
) -> dict[tuple[str, str, str], Notice | None]:
    """What each planned row of the kind would say on that day."""
    rows = session.scalars(
        select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id)
    ).all()
    out: dict[tuple[str, str, str], Notice | None] = {}
    for (_, mentee, recipient, _), row in zip(planned(session, (kind,)), rows, strict=True):
        out[(kind, mentee, recipient)] = compose(
            session, row, row_recipient(session, row), now=noon(day), ruleset=RULESET
        )
    return out


def test_what_each_says_with_its_rules(session: Session, world: Cohort) -> None:
    said: dict[tuple[str, str, str], Notice | None] = {}
    for kind in APPLICATION_KINDS:
        plan(session, now=noon(DAYS[kind]), ruleset=RULESET)
        said |= notices(session, DAYS[kind], kind)
    assert set(said) == {(k, m, r) for k, owed in OWED.items() for m, r in owed}
    submit = said[(K.SUBMISSION_DAY, "UMENTEE1", "UMENTEE1")]
    assert submit is not None
    assert submit.title == "2028 submissions open 2027-09-01: 1 programme on your list not sent yet"
    assert submit.rule == "APPLY-EARLY"
    assert submit.lines[:2] == ["Still planned: 1 programme (reach 1)", "Already sent: 4"]
    assert "Programmes start reviewing on 2027-09-22" in submit.lines[2]
    few = said[(K.FEW_INTERVIEWS, "UMENTEE3", "UMENTOR1")]
    assert few is not None
    assert few.title == "Mentee 3 has 0 interview invitations on 2027-11-13 (2028 season)"
    assert few.rule == "CYCLE-PHASES"
    text = "\n".join(few.lines)
    for cited in ("(CYCLE-PHASES)", "(APPLY-TIERS)", "(SOAP)", "(WELLBEING)"):
        assert cited in text
    assert "1 application sent, 0 invitations: fewer than 3 by now is a warning" in text
    assert "1 programme on the list still not sent." in text
    rank = said[(K.RANK_DEADLINE, "UMENTEE1", "UMENTEE1")]
    assert rank is not None
    assert rank.title == "Your rank list is due 2028-03-01 (2028 season)"
    assert rank.lines[0] == "1 programme that invited you is not on your rank list yet:"
    assert rank.lines[1].startswith("• ")
    assert not any("(ECFMG-PATH)" in line for line in rank.lines)  # certified
    mentee_soap = said[(K.SOAP_READY, "UMENTEE3", "UMENTEE3")]
    mentor_soap = said[(K.SOAP_READY, "UMENTEE3", "UMENTOR1")]
    assert mentee_soap is not None
    assert mentor_soap is not None
    assert mentee_soap.title == "Match Week starts 2028-03-13: be ready for SOAP"
    assert mentor_soap.title == "SOAP readiness for Mentee 3: Match Week starts 2028-03-13"
    assert mentee_soap.rule == mentor_soap.rule == "SOAP"
    assert mentee_soap.lines[0] == (
        "Your 2028 season: 1 application sent, 0 interview invitations, 0 programmes ranked."
    )
    assert "(P-PRELIM)" in "\n".join(mentor_soap.lines)


def test_what_changed_since_planning_cancels_it(
    session: Session, world: Cohort, system: Actor
) -> None:
    """Planned, then the reason went: invitations logged by hand, past the rank-list deadline."""
    plan(session, now=noon(DAYS[K.FEW_INTERVIEWS]), ruleset=RULESET)
    mentor = resolve_actor(
        session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=noon(DAYS[K.FEW_INTERVIEWS])
    )
    log_item(
        session,
        actor=mentor,
        slack_user_id="UMENTEE3",
        item=CycleIn(
            season=COHORT_SEASON,
            submitted_on=date(2027, 9, 10),
            applications={Pathway.TRANSITIONAL_YEAR: 12},
            interviews=3,
        ),
    )
    said = notices(session, DAYS[K.FEW_INTERVIEWS], K.FEW_INTERVIEWS)
    assert said[(K.FEW_INTERVIEWS, "UMENTEE3", "UMENTOR1")] is None
    assert said[(K.FEW_INTERVIEWS, "UMENTEE2", "UMENTOR2")] is not None
    plan(session, now=noon(DAYS[K.RANK_DEADLINE]), ruleset=RULESET)
    after = DAYS[K.RANK_DEADLINE] + timedelta(days=8)  # the day after the 1 March deadline
    assert (
        notices(session, after, K.RANK_DEADLINE)[(K.RANK_DEADLINE, "UMENTEE1", "UMENTEE1")] is None
    )
