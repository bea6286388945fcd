"""Block builders are pure: golden-tested, and every payload valid per slack_sdk.models."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.assessment.engine import assess
from bot.assessment.outlook import alert_line, season_line
from bot.assessment.ruleset import load_ruleset
from bot.flags.service import FlagRead
from bot.mentees.dto import MenteeRead, MenteeSummary, MilestoneRead, PersonRef
from bot.plans.builder import build_plan
from bot.vocab import FlagState, MenteeStatus, MilestoneStatus
from handlers.blocks.assessment import assessment_message
from handlers.blocks.help import help_message
from handlers.blocks.home import HomeData, home_view
from handlers.blocks.lists import flag_list, milestone_list, notice, plan_preview
from handlers.blocks.modals import (
    checkin_modal,
    item_modal,
    loading_modal,
    profile_modal,
    resolve_modal,
    settings_modal,
)
from handlers.blocks.profile import profile_card
from handlers.ids import Sub
from tests.advice_cases import Case, load_cases
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.test_assessment_golden import example

TODAY = date(2026, 11, 22)
GOLDEN = Path(__file__).parent / "golden"
NAMES = [
    "tariq-j1-prelim",
    "maya-us-img-plastics",
    "lucia-reapplicant",
    "daniel-strong-general-surgery",
]


def mentee_read(name: str = "tariq-j1-prelim") -> MenteeRead:
    profile = example(name)
    return MenteeRead(
        id=1,
        person=PersonRef(slack_user_id="UMENTEE1", name=profile.name),
        tz="Asia/Kolkata",
        status=MenteeStatus.ACTIVE,
        checkpoint_cadence_days=180,
        notes="Needs <b>letters</b> & more",
        profile=profile,
        mentors=[PersonRef(slack_user_id="UMENTOR1", name="Dr. M")],
        last_check_in=datetime(2026, 5, 20, 9, tzinfo=UTC),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def golden(name: str, payload: dict[str, Any]) -> None:
    path = GOLDEN / f"blocks-{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    assert json.loads(path.read_text()) == json.loads(json.dumps(payload))


@pytest.mark.parametrize("name", NAMES)
def test_assessment_message(name: str) -> None:
    result = assess(example(name), ruleset=load_ruleset(), as_of=TODAY)
    payload = assessment_message(result, mentee_id="UMENTEE1", shareable=True)
    assert_valid_message(payload)
    text = json.dumps(payload)
    for pathway in result.pathways:
        for reason in pathway.reasons:
            assert reason.rule in text
    if name == "tariq-j1-prelim":
        golden("assessment-tariq", payload)


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.key)
def test_assessment_message_of_every_advice_case_fits_block_kit(case: Case) -> None:
    """The new sections (glance, blocked, season, ECFMG) within Block Kit's limits, every rule
    of the assessment cited somewhere in the message."""
    result = case.assess()
    payload = assessment_message(result, mentee_id="UMENTEE1", shareable=True)
    assert_valid_message(payload)
    text = json.dumps(payload)
    notes = result.glance + result.season.steps + result.strategy.notes + result.red_flags
    for note in notes + [r for p in result.pathways for r in p.reasons]:
        assert f"`{note.rule}`" in text
    assert ("Every Match route is blocked" in text) is (result.strategy.blocked is not None)
    assert f"Season {result.season.season}" in text


def test_profile_card_escapes_user_text() -> None:
    payload = profile_card(mentee_read(), today=TODAY)
    assert_valid_message(payload)
    notes = json.dumps(payload)
    assert "&lt;b&gt;letters&lt;/b&gt; &amp; more" in notes
    golden("profile-tariq", payload)


def test_help_lists_every_subcommand() -> None:
    payload = help_message()
    assert_valid_message(payload)
    text = json.dumps(payload)
    for sub in Sub:
        if sub is not Sub.UNASSIGN:
            assert f"/matchpath {sub.value}" in text, sub
    focused = help_message("there is no `frobnicate` subcommand", Sub.LOG)
    assert_valid_message(focused)
    assert "frobnicate" in focused["text"]


def test_lists_and_plan() -> None:
    milestones = [
        MilestoneRead(
            id=i,
            mentee_id=1,
            title=f"Step {i}",
            kind="free",
            rule=None,
            due_on=date(2026, 11, i % 28 + 1),
            status=MilestoneStatus.OPEN,
            completed_on=None,
        )
        for i in range(1, 30)
    ]
    payload = milestone_list("Tariq", milestones, today=TODAY)
    assert_valid_message(payload)
    assert "9 more not shown" in json.dumps(payload)
    flags = [
        FlagRead(
            id=1,
            mentee=PersonRef(slack_user_id="U1", name="Lucia"),
            rule="STAG-REAPPLY",
            detail="nothing new",
            state=FlagState.OPEN,
            raised_at=datetime(2026, 1, 1, tzinfo=UTC),
            snoozed_until=None,
        )
    ]
    assert_valid_message(flag_list(flags))
    assert_valid_message(flag_list([]))
    profile = example("maya-us-img-plastics")
    result = assess(profile, ruleset=load_ruleset(), as_of=TODAY)
    plan = build_plan(profile, result, ruleset=load_ruleset(), as_of=TODAY)
    assert_valid_message(plan_preview("Maya", "UMENTEE1", plan))
    assert_valid_message(notice("<@U123ABC> is enrolled <!channel>"))
    assert "&lt;!channel&gt;" in notice("<!channel>")["blocks"][0]["text"]["text"]
    assert "<@U123ABC>" in json.dumps(notice("<@U123ABC> ok"))


def test_every_modal_is_a_valid_view() -> None:
    for kind in ("exam", "practice", "usce", "letter", "research", "cycle"):
        assert_valid_view(item_modal(kind, "{}"))
    assert_valid_view(profile_modal({"name": "x", "targets": ["pivot"]}, "{}", enrolling=True))
    assert_valid_view(checkin_modal("{}"))
    assert_valid_view(settings_modal({"quiet_start": "20:00", "opt_outs": ["season"]}, "{}"))
    assert_valid_view(resolve_modal("{}"))
    assert_valid_view(loading_modal("Edit profile"))


def test_home_views() -> None:
    roster = [
        MenteeSummary(
            id=i,
            person=PersonRef(slack_user_id=f"UM{i}", name=f"M{i}"),
            status=MenteeStatus.ACTIVE,
            applicant_type="non_us_img",
            targets=["preliminary_surgery"],
        )
        for i in range(60)
    ]
    view = home_view(HomeData(own=mentee_read(), roster=roster), today=TODAY)
    assert_valid_view(view)
    assert view["type"] == "home"
    assert_valid_view(home_view(HomeData(), today=TODAY))


def test_home_and_card_show_the_season_and_what_must_be_said_first() -> None:
    blocked = next(c for c in load_cases() if c.key == "01-h1b-no-step3").assess()
    data = HomeData(own=mentee_read(), own_season=blocked.season, own_alert=alert_line(blocked))
    view = home_view(data, today=TODAY)
    assert_valid_view(view)
    text = json.dumps(view)
    assert f"Your {blocked.season.season} season" in text
    assert "Every Match route blocked" in text
    mid = next(c for c in load_cases() if c.key == "02-few-invitations").assess()
    line = season_line(mid)
    assert line.startswith("2027 · interview season · applied, 1 interview invitation: ")


def test_the_mentee_picker_offers_twenty_and_counts_the_rest() -> None:
    from handlers.blocks.lists import mentee_picker
    from handlers.ids import Action

    people = [PersonRef(slack_user_id=f"UM{i:03d}", name=f"Mentee {i}") for i in range(25)]
    payload = mentee_picker(people, 'milestone add "Book Step 3" 2027-01-15')
    assert_valid_message(payload)
    buttons = [
        e
        for b in payload["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == Action.PICK_MENTEE
    ]
    assert len(buttons) == 20
    assert "5 more" in json.dumps(payload)
    too_long = mentee_picker(people, "milestone add " + "x" * 1900)
    assert_valid_message(too_long)
    assert not any(b["type"] == "actions" for b in too_long["blocks"])
    nobody = mentee_picker([], "assess")
    assert_valid_message(nobody)
    assert "no mentees yet" in json.dumps(nobody)
