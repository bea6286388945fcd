"""The season in numbers from the applications: each mentee's funnel in one statement, the real
interview counts, and the cycles the assessment reads (so STAG-NO-TRACTION and the season's
advice rest on what happened, not on a count typed by hand)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.access import Actor, find_mentee
from bot.applications.dto import Funnel, SeasonFunnel
from bot.applications.funnel import (
    applied_cycles,
    assessed_profiles,
    funnels,
    interview_count,
    with_applications,
)
from bot.applications.vocab import Outcome
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.dashboards.card import build_card
from bot.mentees.service import get_mentee
from bot.models import Mentee
from bot.profile.schema import CycleIn, ProfileIn
from bot.vocab import CycleOutcome, Pathway
from tests.applications_world import COHORT_SEASON, Cohort, cohort
from tests.factories import profile

RULESET = load_ruleset()


@pytest.fixture
def world(session: Session, system: Actor) -> Cohort:
    return cohort(session, system)


def mentees(session: Session) -> list[Mentee]:
    found = [find_mentee(session, f"UMENTEE{n}") for n in (1, 2, 3, 4)]
    assert all(found)
    return [m for m in found if m is not None]


LISTENERS: list[Callable[..., None]] = []


def count_statements(session: Session) -> list[str]:
    seen: list[str] = []

    def listener(*a: Any) -> None:
        seen.append(a[2])

    event.listen(session.connection(), "before_cursor_execute", listener)
    LISTENERS.append(listener)
    return seen


def test_each_mentees_funnel_as_counted_by_hand(session: Session, world: Cohort) -> None:
    m1, m2, m3, m4 = mentees(session)
    seen = count_statements(session)
    got = funnels(session, season=COHORT_SEASON, mentees=[m.id for m in (m1, m2, m3, m4)])
    assert len(seen) == 1
    assert got == {
        # A1 matched, A2 declined, A3 withdrawn after its invitation, A4 invited, A5 planned
        m1.id: Funnel(
            listed=5,
            applied=4,
            invited=3,
            interviewed=1,
            ranked=1,
            matched=1,
            withdrawn=1,
            declined=1,
        ),
        # B1 not matched, B2 withdrawn before it was sent, B3 declined
        m2.id: Funnel(
            listed=3,
            applied=2,
            invited=1,
            interviewed=1,
            ranked=1,
            not_matched=1,
            withdrawn=1,
            declined=1,
        ),
        m3.id: Funnel(listed=2, applied=1),
    }
    assert [got[m.id].outcome for m in (m1, m2, m3)] == [
        Outcome.MATCHED,
        Outcome.NOT_MATCHED,
        Outcome.OPEN,
    ]
    assert [got[m.id].open for m in (m1, m2, m3)] == [2, 0, 2]  # A4, A5; none; C1, C2


def test_real_interview_counts(session: Session, world: Cohort) -> None:
    m1 = mentees(session)[0]
    counts = [
        interview_count(session, mentee_id=m.id, season=COHORT_SEASON) for m in mentees(session)
    ]
    assert counts == [3, 1, 0, None]  # mentee 4 has no applications: no count at all
    assert interview_count(session, mentee_id=m1.id, season=COHORT_SEASON - 1) is None


def test_the_seasons_as_cycles(session: Session, world: Cohort) -> None:
    m1, m2, m3, m4 = mentees(session)
    seen = count_statements(session)
    cycles = applied_cycles(session, mentees=[m.id for m in (m1, m2, m3, m4)])
    assert len(seen) == 1
    assert cycles == {
        m1.id: [
            CycleIn(
                season=2028,
                submitted_on=date(2027, 9, 3),
                applications={Pathway.PRELIMINARY_SURGERY: 2, Pathway.GENERAL_SURGERY: 2},
                interviews=3,
                outcome=CycleOutcome.MATCHED_PRELIM,
            )
        ],
        m2.id: [
            CycleIn(
                season=2028,
                submitted_on=date(2027, 9, 5),
                applications={Pathway.PRELIMINARY_SURGERY: 2},
                interviews=1,
                outcome=CycleOutcome.UNMATCHED,
            )
        ],
        m3.id: [
            CycleIn(
                season=2028,
                submitted_on=date(2027, 9, 10),
                applications={Pathway.TRANSITIONAL_YEAR: 1},
                interviews=0,
                outcome=CycleOutcome.PENDING,
            )
        ],
    }


def test_the_assessment_reads_the_real_counts(session: Session, world: Cohort) -> None:
    m1 = mentees(session)[0]
    (cycle,) = assessed_profiles(session, [m1])[m1.id].cycles
    assert (cycle.season, cycle.interviews, cycle.outcome) == (
        2028,
        3,
        CycleOutcome.MATCHED_PRELIM,
    )


def test_what_was_logged_by_hand_stays_unless_the_applications_know_better() -> None:
    logged = profile(
        cycles=[
            {"season": 2027, "applications": {"general_surgery": 40}, "outcome": "unmatched"},
            {"season": 2028, "interviews": 1, "applications": {"preliminary_surgery": 80}},
            # invitations to programmes outside the list, logged by hand
            {"season": 2029, "interviews": 4, "applications": {"general_surgery": 10}},
        ]
    )
    real = [
        CycleIn(
            season=2028,
            submitted_on=date(2027, 9, 3),
            applications={Pathway.PRELIMINARY_SURGERY: 60},
            interviews=2,
            outcome=CycleOutcome.UNMATCHED,
        ),
        CycleIn(season=2029, applications={Pathway.GENERAL_SURGERY: 5}, interviews=2),
        CycleIn(season=2030, applications={Pathway.GENERAL_SURGERY: 5}, interviews=0),
    ]
    merged = with_applications(logged, real).cycles
    assert [(c.season, c.interviews, c.outcome) for c in merged] == [
        (2027, None, CycleOutcome.UNMATCHED),  # no applications: as logged
        (2028, 2, CycleOutcome.UNMATCHED),  # the real count; a pending outcome now known
        (2029, 4, CycleOutcome.PENDING),  # the hand count, larger: not all went via the list
        (2030, 0, CycleOutcome.PENDING),  # a season only the applications know
    ]
    assert merged[1].applications == {Pathway.PRELIMINARY_SURGERY: 80}  # as logged
    assert merged[1].submitted_on == date(2027, 9, 3)  # the logged cycle had none


def test_stag_no_traction_is_raised_on_real_interview_counts() -> None:
    """Two unmatched seasons logged without an interview count say nothing; the applications
    show no invitation in either, and the pivot conversation is due."""
    logged = profile(
        cycles=[
            {"season": 2026, "applications": {"preliminary_surgery": 80}, "outcome": "unmatched"},
            {"season": 2027, "applications": {"preliminary_surgery": 90}, "outcome": "unmatched"},
        ]
    )
    as_of = date(2027, 4, 1)

    def rules(p: ProfileIn) -> set[str]:
        return {n.rule for n in assess(p, ruleset=RULESET, as_of=as_of).flags}

    assert "STAG-NO-TRACTION" not in rules(logged)
    real = [
        CycleIn(
            season=s,
            applications={Pathway.PRELIMINARY_SURGERY: 70},
            interviews=0,
            outcome=CycleOutcome.UNMATCHED,
        )
        for s in (2026, 2027)
    ]
    assert "STAG-NO-TRACTION" in rules(with_applications(logged, real))


def test_the_card_and_the_profile_show_the_latest_seasons_funnel(
    session: Session, world: Cohort
) -> None:
    m1, _m2, _m3, m4 = mentees(session)
    now = datetime(2028, 3, 21, 15, 0, tzinfo=UTC)
    card = build_card(session, m1, ruleset=RULESET, now=now)
    assert card.applications == SeasonFunnel(
        season=COHORT_SEASON,
        funnel=funnels(session, season=COHORT_SEASON, mentees=[m1.id])[m1.id],
    )
    assert card.applications.funnel.outcome is Outcome.MATCHED
    profile_view = get_mentee(session, actor=world.programme.admin, slack_user_id="UMENTEE1")
    assert profile_view.applications == card.applications
    assert build_card(session, m4, ruleset=RULESET, now=now).applications is None
    assert (
        get_mentee(session, actor=world.programme.admin, slack_user_id="UMENTEE4").applications
        is None
    )


def test_a_card_reads_the_same_number_of_statements_with_or_without_applications(
    session: Session, world: Cohort
) -> None:
    """The funnel is one statement for the card, whatever the list's size."""
    m1, _m2, _m3, m4 = mentees(session)
    now = datetime(2028, 3, 21, 15, 0, tzinfo=UTC)
    counts = []
    for mentee in (m1, m4, m1):
        seen = count_statements(session)
        build_card(session, mentee, ruleset=RULESET, now=now)
        counts.append(len(seen))
        event.remove(session.connection(), "before_cursor_execute", LISTENERS.pop())
    assert counts[0] == counts[1] == counts[2] > 0, counts
