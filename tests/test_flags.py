"""Stagnation flags: each raises on the profile that shows it and stays quiet on its control
twin; a flag is raised once per episode, clears itself, and respects a mentor's resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.assessment.ruleset import load_ruleset
from bot.flags.evaluation import conditions
from bot.flags.service import Resolution, resolve_flag, snooze_flag
from bot.flags.sweep import evaluate_flags
from bot.mentees.enrolment import enroll
from bot.mentees.items import log_item
from bot.models import Flag, Mentee
from bot.profile.schema import ProfileIn, ResearchIn
from bot.vocab import FlagState
from tests.factories import build_programme

RULESET = load_ruleset()
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
BASE: dict[str, Any] = {
    "name": "Twin",
    "applicant_type": "non_us_img",
    "visa": "j1",
    "targets": ["general_surgery"],
    "exams": [{"exam": "step2ck", "score": 226, "taken_on": "2021-02-01"}],
}
CYCLES = [
    {
        "season": 2025,
        "submitted_on": "2024-09-04",
        "applications": {"general_surgery": 45},
        "interviews": 0,
        "outcome": "unmatched",
    },
    {
        "season": 2026,
        "submitted_on": "2025-09-03",
        "applications": {"general_surgery": 60},
        "interviews": 0,
        "outcome": "unmatched",
    },
]


class Enrolled:
    """The two facts of a mentee row that the flags read."""

    def __init__(self, created: datetime) -> None:
        self.created_at = created


def flags_for(
    profile: dict[str, Any],
    *,
    created: datetime = NOW - timedelta(days=30),
    last_activity: datetime | None = None,
) -> set[str]:
    found = conditions(
        ProfileIn.model_validate({**BASE, **profile}),
        Enrolled(created),  # type: ignore[arg-type]
        last_activity,
        now=NOW,
        ruleset=RULESET,
    )
    return set(found)


TWINS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "STAG-REAPPLY",
        {"cycles": CYCLES},
        {
            "cycles": CYCLES,
            "research": [
                {
                    "kind": "poster",
                    "specialty": "general_surgery",
                    "title": "New poster",
                    "date": "2025-10-01",
                }
            ],
        },
    ),
    (
        "STAG-NO-PARALLEL",
        {"cycles": CYCLES[:1]},
        {
            "cycles": [
                {**CYCLES[0], "applications": {"general_surgery": 45, "preliminary_surgery": 40}}
            ]
        },
    ),
    (
        "STAG-NO-TRACTION",
        {"cycles": CYCLES},
        {"cycles": [CYCLES[0], {**CYCLES[1], "interviews": 4, "outcome": "matched_prelim"}]},
    ),
    (
        "STAG-RESEARCH-IDLE",
        {
            "usce": [
                {
                    "kind": "research_fellowship",
                    "specialty": "plastic_surgery",
                    "start": "2026-01-05",
                }
            ]
        },
        {
            "usce": [
                {
                    "kind": "research_fellowship",
                    "specialty": "plastic_surgery",
                    "start": "2026-01-05",
                }
            ],
            "research": [
                {
                    "kind": "abstract",
                    "specialty": "plastic_surgery",
                    "title": "Flap outcomes",
                    "date": "2026-06-01",
                }
            ],
        },
    ),
    (
        "S2-DELAY",
        {
            "exams": [],
            "planned_exams": [{"exam": "step2ck", "planned_on": "2026-12-01"}],
            "practice_scores": [{"exam": "step2ck", "score": 221, "taken_on": "2026-10-20"}],
        },
        {
            "exams": [],
            "planned_exams": [{"exam": "step2ck", "planned_on": "2026-12-01"}],
            "practice_scores": [{"exam": "step2ck", "score": 245, "taken_on": "2026-10-20"}],
        },
    ),
]


@pytest.mark.parametrize(("rule", "shows", "twin"), TWINS, ids=[t[0] for t in TWINS])
def test_flag_and_its_control_twin(rule: str, shows: dict[str, Any], twin: dict[str, Any]) -> None:
    assert rule in flags_for(shows)
    assert rule not in flags_for(twin)


def test_no_progress_and_its_twin() -> None:
    old = NOW - timedelta(days=200)
    assert "STAG-NO-PROGRESS" in flags_for({}, created=old, last_activity=old)
    assert "STAG-NO-PROGRESS" not in flags_for(
        {}, created=old, last_activity=NOW - timedelta(days=10)
    )
    assert "STAG-NO-PROGRESS" not in flags_for({}, created=NOW - timedelta(days=20))


def _reapplicant(session: Session, system: Actor) -> None:
    build_programme(session, system)
    enroll(
        session,
        actor=system,
        slack_user_id="UREAPPLY",
        mentor_ids=["UMENTOR1"],
        profile=ProfileIn.model_validate({**BASE, "cycles": CYCLES}),
    )
    session.flush()


def _flags(session: Session) -> list[tuple[str, FlagState]]:
    rows = session.execute(
        select(Flag.rule, Flag.state)
        .join(Mentee, Mentee.id == Flag.mentee_id)
        .where(Flag.rule == "STAG-REAPPLY")
        .order_by(Flag.id)
    ).all()
    return [(r, s) for r, s in rows]


def test_raised_once_per_episode_and_cleared_by_itself(session: Session, system: Actor) -> None:
    _reapplicant(session, system)
    first = evaluate_flags(session, now=system.now, ruleset=RULESET)
    again = evaluate_flags(session, now=system.now + timedelta(days=2), ruleset=RULESET)
    assert first.raised >= 3
    assert again.raised == 0
    assert _flags(session) == [("STAG-REAPPLY", FlagState.OPEN)]
    mentor = resolve_actor(
        session,
        slack_user_id="UMENTOR1",
        admin_ids=frozenset(),
        now=system.now + timedelta(days=2, hours=12),
    )
    log_item(
        session,
        actor=mentor,
        slack_user_id="UREAPPLY",
        item=ResearchIn(
            kind="poster", specialty="general_surgery", title="New", date=date(2026, 10, 1)
        ),
    )
    evaluate_flags(session, now=system.now + timedelta(days=3), ruleset=RULESET)
    assert _flags(session) == [("STAG-REAPPLY", FlagState.RESOLVED)]


def test_a_mentors_resolution_is_respected(session: Session, system: Actor) -> None:
    _reapplicant(session, system)
    evaluate_flags(session, now=system.now, ruleset=RULESET)
    flag_id = session.scalars(select(Flag.id).where(Flag.rule == "STAG-REAPPLY")).one()
    mentor = resolve_actor(session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=system.now)
    resolve_flag(
        session,
        actor=mentor,
        flag_id=flag_id,
        resolution=Resolution(reason="Discussed; she is applying to prelim too"),
    )
    evaluate_flags(session, now=system.now + timedelta(days=2), ruleset=RULESET)
    assert _flags(session) == [("STAG-REAPPLY", FlagState.RESOLVED)]  # not raised again


def test_snooze_then_reopen_without_a_new_episode(session: Session, system: Actor) -> None:
    _reapplicant(session, system)
    evaluate_flags(session, now=system.now, ruleset=RULESET)
    flag_id = session.scalars(select(Flag.id).where(Flag.rule == "STAG-REAPPLY")).one()
    mentor = resolve_actor(session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=system.now)
    snooze_flag(session, actor=mentor, flag_id=flag_id, days=7)
    evaluate_flags(session, now=system.now + timedelta(days=3), ruleset=RULESET)
    assert _flags(session) == [("STAG-REAPPLY", FlagState.SNOOZED)]
    evaluate_flags(session, now=system.now + timedelta(days=9), ruleset=RULESET)
    assert _flags(session) == [("STAG-REAPPLY", FlagState.OPEN)]
