"""Plans: a dated milestone list from the template the assessment chooses, saved once."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.access import Actor
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.mentees.milestones import list_milestones
from bot.plans.builder import build_plan
from bot.plans.service import preview_plan, save_plan
from tests.factories import build_programme
from tests.test_assessment_golden import example

RULESET = load_ruleset()


def test_prelim_plan_is_anchored_on_the_next_season() -> None:
    profile = example("tariq-j1-prelim")
    as_of = date(2026, 11, 22)
    plan = build_plan(
        profile, assess(profile, ruleset=RULESET, as_of=as_of), ruleset=RULESET, as_of=as_of
    )
    assert (plan.template, plan.season) == ("non_us_prelim", 2028)
    by_key = {i.key: i for i in plan.items}
    assert by_key["submit"].due_on == RULESET.calendar[2028].submission_opens
    assert "letters" not in by_key  # already has 2 US surgeon letters + 1
    assert "step2" not in by_key  # Step 2 CK already taken
    assert all(i.due_on >= as_of for i in plan.items)
    assert [i.due_on for i in plan.items] == sorted(i.due_on for i in plan.items)


def test_plastics_plan_spans_years_and_extrapolates_the_calendar() -> None:
    profile = example("maya-us-img-plastics")
    as_of = date(2026, 11, 22)
    plan = build_plan(
        profile, assess(profile, ruleset=RULESET, as_of=as_of), ruleset=RULESET, as_of=as_of
    )
    assert plan.template == "plastics_multi_year"
    by_key = {i.key: i for i in plan.items}
    assert by_key["independent"].due_on == date(2031, 9, 4)  # season 2032: beyond the calendar
    assert by_key["research-start"].due_on == date(2026, 12, 22)


def test_a_late_date_still_finds_a_season() -> None:
    profile = example("tariq-j1-prelim")
    as_of = date(2035, 1, 10)
    plan = build_plan(
        profile, assess(profile, ruleset=RULESET, as_of=as_of), ruleset=RULESET, as_of=as_of
    )
    assert plan.season == 2036
    assert plan.estimated


def test_save_plan_adds_milestones_once(session: Session, system: Actor) -> None:
    programme = build_programme(session, system)
    preview = preview_plan(
        session, actor=programme.mentor, slack_user_id="UMENTEE1", ruleset=RULESET
    )
    saved = save_plan(session, actor=programme.mentor, slack_user_id="UMENTEE1", ruleset=RULESET)
    assert len(preview.items) >= 3, preview.items
    assert [m.title for m in saved] == [i.title for i in preview.items]
    assert (
        save_plan(session, actor=programme.mentor, slack_user_id="UMENTEE1", ruleset=RULESET) == []
    )
    listed = list_milestones(session, actor=programme.mentee, slack_user_id="UMENTEE1")
    assert len(listed) == len(saved)
    assert all(m.kind.startswith("plan:non_us_prelim:") for m in listed)
