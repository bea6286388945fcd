"""STAG-NO-TRACTION and the season's advice read the real interview counts from the
applications, wherever a mentee is assessed: the flags' sweep, `assess`, the dashboard card.
On both databases.

Two reapplicants log the same history by hand: the 2026 season, unmatched without an
interview; the 2027 season submitted, its invitations not counted yet. Their 2027 lists are
saved and an admin imports what happened: Dee's applications were all declined (no
invitation); Ivo got one invitation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, find_mentee, resolve_actor
from bot.applications.imports import import_statuses, parse_status_csv
from bot.applications.service import get_applications, save_list
from bot.assessment.dto import Assessment
from bot.assessment.ruleset import load_ruleset
from bot.dashboards.card import build_card
from bot.flags.sweep import evaluate_flags
from bot.mentees.assessments import assess_mentee
from bot.mentees.enrolment import enroll
from bot.models import Flag
from bot.vocab import FlagState
from tests.applications_world import built_list, example_programmes
from tests.factories import Programme, build_programme, profile

RULESET = load_ruleset()
SEASON = 2027  # the season under way on 2 November 2026, for someone who submitted
NOVEMBER = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # past the 2027 interview check
DEE, IVO = "UDEE1", "UIVO1"
HISTORY = [
    {
        "season": 2026,
        "applications": {"preliminary_surgery": 80},
        "interviews": 0,
        "outcome": "unmatched",
    },
    {
        "season": 2027,
        "submitted_on": "2026-09-10",
        "applications": {"preliminary_surgery": 60},
        "outcome": "pending",
    },
]
# Each mentee's three programmes: what happened to each (status, day), in order.
PATHS = {
    DEE: [
        [("applied", "2026-09-10"), ("declined", "2026-10-20")],
        [("applied", "2026-09-10"), ("declined", "2026-11-02")],
        [("withdrawn", "2026-09-09")],
    ],
    IVO: [
        [("applied", "2026-09-10"), ("interview_invited", "2026-10-15")],
        [("applied", "2026-09-10"), ("declined", "2026-11-02")],
        [("withdrawn", "2026-09-09")],
    ],
}


def at(session: Session, slack_user_id: str, when: datetime) -> Actor:
    return resolve_actor(session, slack_user_id=slack_user_id, admin_ids=frozenset(), now=when)


@pytest.fixture
def world(session: Session, system: Actor) -> Programme:
    p = build_programme(session, system)
    example_programmes(session, system)
    for user_id, name in ((DEE, "Dee Reapplicant"), (IVO, "Ivo Reapplicant")):
        enroll(
            session,
            actor=system,
            slack_user_id=user_id,
            profile=profile(name=name, cycles=HISTORY),
            mentor_ids=["UMENTOR1"],
        )
    return p


def save_three(session: Session, world: Programme, slack_user_id: str) -> None:
    built = built_list(session, world.admin, slack_user_id)
    assert built.season == SEASON
    listed = [pl for t in built.tracks for pl in t.listed]
    three = built.model_copy(
        update={"tracks": [built.tracks[0].model_copy(update={"listed": listed[:3]})]}
    )
    save_list(session, actor=world.admin, slack_user_id=slack_user_id, programmes=three)


def import_what_happened(session: Session, world: Programme, when: datetime) -> None:
    lines = ["mentee,season,programme,track,city,state,status,date"]
    for who, paths in PATHS.items():
        apps = get_applications(session, actor=world.admin, slack_user_id=who).applications
        for a, path in zip(apps, paths, strict=True):
            where = f'{who},{SEASON},"{a.name}",{a.track.value},"{a.city}",{a.state}'
            lines += [f"{where},{status},{day}" for status, day in path]
    rows = parse_status_csv(("\n".join(lines) + "\n").encode())
    import_statuses(session, actor=at(session, "UADMIN1", when), rows=rows)


def open_flags(session: Session, slack_user_id: str) -> set[str]:
    mentee = find_mentee(session, slack_user_id)
    assert mentee is not None
    return set(
        session.scalars(
            select(Flag.rule).where(Flag.mentee_id == mentee.id, Flag.state == FlagState.OPEN)
        )
    )


def assessed(session: Session, world: Programme, slack_user_id: str) -> Assessment:
    return assess_mentee(
        session,
        actor=at(session, "UMENTOR1", NOVEMBER),
        slack_user_id=slack_user_id,
        ruleset=RULESET,
    )


def test_stag_no_traction_follows_the_applications_invitations(
    session: Session, world: Programme
) -> None:
    for who in (DEE, IVO):
        save_three(session, world, who)
    evaluate_flags(session, now=NOVEMBER, ruleset=RULESET)
    # Nothing sent on record yet: the 2027 season is pending, one dry season is not two.
    assert "STAG-NO-TRACTION" not in open_flags(session, DEE) | open_flags(session, IVO)
    later = NOVEMBER.replace(hour=11)
    import_what_happened(session, world, later)
    # Within the day: the import marked both mentees as changed, so the sweep reads them now.
    evaluate_flags(session, now=later.replace(hour=12), ruleset=RULESET)
    assert "STAG-NO-TRACTION" in open_flags(session, DEE)
    assert "STAG-NO-TRACTION" not in open_flags(session, IVO)


def test_the_season_advice_says_the_real_count(session: Session, world: Programme) -> None:
    for who in (DEE, IVO):
        save_three(session, world, who)
    before = assessed(session, world, DEE).season
    assert before.interviews is None
    assert "Record the interview invitations so far" in before.steps[-1].text
    import_what_happened(session, world, NOVEMBER)
    dee, ivo = assessed(session, world, DEE).season, assessed(session, world, IVO).season
    assert (dee.season, dee.interviews, ivo.interviews) == (SEASON, 0, 1)
    assert any(s.text.startswith("0 interview invitations by ") for s in dee.steps)
    assert any(s.text.startswith("1 interview invitation by ") for s in ivo.steps)
    assert any(s.rule == "SOAP" for s in dee.steps)
    mentee = find_mentee(session, DEE)
    assert mentee is not None
    card = build_card(session, mentee, ruleset=RULESET, now=NOVEMBER)
    assert "0 interview invitations" in card.season
    assert "STAG-NO-TRACTION" not in card.flags  # not raised until the sweep runs
