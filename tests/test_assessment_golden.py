"""Golden tests from the source articles' own worked examples, and from the expert review of the
assessments (eligibility first, the season's phase, dated exam facts, ECFMG, plastics for IMGs,
risk factors, flags, wording).

Snapshots live in tests/golden/; after a deliberate change, regenerate them with
`UPDATE_GOLDEN=1 pytest tests/test_assessment_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.assessment.dto import Assessment
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.assessment.text import render_text
from bot.profile.schema import ProfileIn
from bot.roster.schema import MenteeRecord
from bot.vocab import Pathway, Verdict

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
AS_OF = date(2026, 11, 22)
P = Pathway
MATCH_ROUTES = [P.INTEGRATED_PLASTICS, P.GENERAL_SURGERY, P.PRELIMINARY_SURGERY]
MATCH_ROUTES += [P.TRANSITIONAL_YEAR, P.PIVOT, P.INDEPENDENT_PLASTICS]


def example(name: str, folder: str = "profiles") -> ProfileIn:
    text = (ROOT / "examples" / folder / f"{name}.json").read_text()
    return MenteeRecord.model_validate_json(text).profile()


def case(name: str) -> ProfileIn:
    return example(name, "advice")


def changed(profile: ProfileIn, **fields: Any) -> ProfileIn:
    return ProfileIn.model_validate({**profile.model_dump(mode="json"), **fields})


def run(profile: ProfileIn, as_of: date = AS_OF) -> Assessment:
    return assess(profile, ruleset=load_ruleset(), as_of=as_of)


def check_snapshot(name: str, assessment: Assessment) -> None:
    data = assessment.model_dump(mode="json")
    text = render_text(assessment)
    json_path, text_path = GOLDEN / f"{name}.json", GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        json_path.write_text(json.dumps(data, indent=2) + "\n")
        text_path.write_text(text)
    assert json.loads(json_path.read_text()) == data
    assert text_path.read_text() == text


def rules(assessment: Assessment, pathway: Pathway) -> set[str]:
    return {r.rule for r in assessment.pathway(pathway).reasons}


def step_texts(assessment: Assessment, pathway: Pathway) -> list[str]:
    return [s.text for s in assessment.pathway(pathway).next_steps]


def cited(notes: list[Any]) -> list[str]:
    return [n.rule for n in notes]


# -- the source articles' examples ----------------------------------------------------------


def test_non_us_j1_213_230_has_a_realistic_prelim_route() -> None:
    """001: J-1 flexible, first-attempt passes, surgical USCE, US surgeon letters, low 230s."""
    result = run(example("tariq-j1-prelim"))
    assert result.verdict(P.PRELIMINARY_SURGERY) is Verdict.REALISTIC
    assert result.verdict(P.GENERAL_SURGERY) is Verdict.REACH
    assert result.verdict(P.INTEGRATED_PLASTICS) is Verdict.LONG_SHOT
    assert "LOR-SURG" in rules(result, P.PRELIMINARY_SURGERY)
    assert {"TREND-UP", "VISA-J1-FLEX", "S1-LOW"} <= {r.rule for r in result.glance}
    trend = next(r for r in result.glance if r.rule == "TREND-UP")
    assert trend.effect == "positive"
    assert "17 points" in trend.text
    assert (result.strategy.applications.min, result.strategy.applications.max) == (80, 120)
    assert result.strategy.primary is P.PRELIMINARY_SURGERY
    assert result.red_flags == []
    check_snapshot("tariq-j1-prelim", result)


def test_us_img_plastics_with_low_step2_is_a_long_shot_and_needs_parallel() -> None:
    """000: integrated plastics with a low Step 2 CK and no prerequisites is a long shot."""
    result = run(example("maya-us-img-plastics"))
    assert result.verdict(P.INTEGRATED_PLASTICS) is Verdict.LONG_SHOT
    assert result.strategy.primary is P.INTEGRATED_PLASTICS
    assert result.strategy.parallel[:2] == [P.GENERAL_SURGERY, P.PRELIMINARY_SURGERY]
    steps = step_texts(result, P.INTEGRATED_PLASTICS)
    assert any(s.startswith("Add 3 plastics research outputs") for s in steps)
    assert any(s.startswith("Get 1 strong letter from US plastic surgeons") for s in steps)
    check_snapshot("maya-us-img-plastics", result)


def test_reapplicant_with_nothing_new_is_flagged() -> None:
    result = run(example("lucia-reapplicant"))
    assert cited(result.flags) == ["STAG-REAPPLY", "STAG-NO-PARALLEL", "STAG-NO-TRACTION"]
    check_snapshot("lucia-reapplicant", result)


def test_strong_general_surgery_applicant() -> None:
    result = run(example("daniel-strong-general-surgery"))
    assert result.verdict(P.GENERAL_SURGERY) is Verdict.STRONG
    assert result.strategy.parallel == []
    # a US-citizen IMG with no plastics research, letters or rotation: a long shot (000)
    assert result.verdict(P.INTEGRATED_PLASTICS) is Verdict.LONG_SHOT
    check_snapshot("daniel-strong-general-surgery", result)


# -- 1. eligibility first: no application to a blocked route --------------------------------


def test_every_match_route_blocked_plans_no_application_and_says_what_unblocks_it() -> None:
    result = run(case("01-h1b-no-step3"), date(2026, 12, 2))
    for pathway in MATCH_ROUTES:
        assert result.verdict(pathway) is Verdict.BLOCKED
    s = result.strategy
    assert s.blocked is not None
    assert (s.applications.min, s.applications.max, s.applications.by_track) == (0, 0, {})
    assert s.parallel == []
    assert cited(s.blocked.remedies) == ["STEP3-H1B", "VISA-J1-FLEX"]
    assert "booked now" in s.blocked.remedies[0].text  # certified: Step 3 is open to him
    # The 2027 window is over on 2 December 2026: the dates are the 2028 season's.
    assert s.blocked.full_list_by == date(2027, 9, 1)
    assert s.blocked.latest_by == date(2028, 3, 1)
    text = render_text(result)
    assert text.index("EVERY MATCH ROUTE IS BLOCKED") < text.index("VERDICTS")
    assert "Applications:" not in text


def test_accepting_a_j1_unblocks_every_route() -> None:
    blocked = case("01-h1b-no-step3")
    result = run(changed(blocked, visa="j1"), date(2026, 12, 2))
    assert result.strategy.blocked is None
    assert result.strategy.applications.min > 0
    assert Verdict.BLOCKED not in {result.verdict(p) for p in MATCH_ROUTES}


def test_not_yet_certified_h1b_applicant_is_told_certification_comes_first() -> None:
    result = run(changed(case("01-h1b-no-step3"), ecfmg="in_progress"), date(2026, 12, 2))
    assert result.strategy.blocked is not None
    assert "after ECFMG certification" in result.strategy.blocked.remedies[0].text


# -- 2. the season's phase --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "season", "phase"),
    [
        (date(2026, 8, 20), 2027, "eras_open"),
        (date(2026, 9, 3), 2027, "submission_window"),
        (date(2026, 9, 22), 2027, "submission_window"),
        (date(2026, 10, 1), 2027, "interview_season"),  # late, but still worth it
        (date(2026, 10, 15), 2028, "preparation"),  # three weeks into review: next season
    ],
)
def test_a_ready_applicant_is_told_to_submit_for_the_live_season(
    day: date, season: int, phase: str
) -> None:
    result = run(case("03-ready-in-september"), day)
    assert (result.season.season, result.season.phase) == (season, phase)
    if phase in ("submission_window", "interview_season"):
        assert result.season.steps[0].rule == "APPLY-EARLY"
        assert result.season.steps[0].text.startswith(("Submit now", "Programmes have been"))


def test_few_invitations_by_mid_november_means_widen_the_list_and_prepare_for_soap() -> None:
    result = run(case("02-few-invitations"), date(2026, 12, 2))
    assert (result.season.season, result.season.phase) == (2027, "interview_season")
    assert result.season.applied
    assert result.season.interviews == 1
    assert cited(result.season.steps) == ["CYCLE-PHASES", "SOAP"]
    assert "widen the list" in result.season.steps[0].text
    early = run(case("02-few-invitations"), date(2026, 10, 20))
    assert "so far" in early.season.steps[0].text
    busy = changed(
        case("02-few-invitations"),
        cycles=[{**case("02-few-invitations").cycles[0].model_dump(mode="json"), "interviews": 6}],
    )
    assert "widen the list now" not in run(busy, date(2026, 12, 2)).season.steps[0].text


@pytest.mark.parametrize(
    ("day", "phase", "rules_cited"),
    [
        (date(2027, 2, 20), "rank_list", ["CYCLE-PHASES"]),
        (date(2027, 3, 16), "match_week", ["SOAP"]),
    ],
)
def test_rank_list_and_match_week_have_their_own_steps(
    day: date, phase: str, rules_cited: list[str]
) -> None:
    result = run(case("02-few-invitations"), day)
    assert (result.season.season, result.season.phase) == (2027, phase)
    assert cited(result.season.steps) == rules_cited


def test_after_an_unmatched_result_comes_the_reapplication_review() -> None:
    result = run(case("10-us-img-reapplicant"), date(2026, 12, 2))
    assert result.season.steps[0].rule == "STAG-REAPPLY"
    assert "Reapplication review after 2026" in result.season.steps[0].text


# -- 3. exam facts are dated ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken_on", "failed"),
    [(date(2025, 6, 30), False), (date(2025, 7, 1), True)],
)
def test_a_score_is_judged_by_the_pass_mark_on_its_exam_day(taken_on: date, failed: bool) -> None:
    """216 passed Step 2 CK in June 2025 (mark 214) and failed it in July 2025 (mark 218)."""
    profile = changed(
        example("tariq-j1-prelim"),
        exams=[
            {"exam": "step1", "result": "pass", "taken_on": "2022-06-01"},
            {"exam": "step2ck", "score": 216, "taken_on": taken_on.isoformat()},
        ],
    )
    result = run(profile)
    fails = [f.text for f in result.red_flags if f.rule == "ATTEMPTS"]
    assert bool(fails) is failed
    if failed:
        assert "under the 218 pass mark then in force" in fails[0]


def test_a_numeric_step1_after_pass_fail_is_a_record_to_correct() -> None:
    result = run(case("14-numeric-step1-typo"), date(2026, 12, 2))
    assert cited(result.record_problems) == ["S1-PASSFAIL"]
    assert "S1-LOW" not in {r.rule for r in result.glance}
    assert "CHECK THE RECORD" in render_text(result)


def test_practice_at_the_pass_mark_is_a_fail_risk_and_raises_s2_delay() -> None:
    result = run(case("04-fail-risk"), date(2026, 12, 2))
    assert "FAIL-RISK" in cited(result.red_flags)
    assert "S2-DELAY" in cited(result.flags)
    risk = [s for s in result.pathway(P.PRELIMINARY_SURGERY).next_steps if s.rule == "FAIL-RISK"]
    assert risk
    assert risk[0].text.startswith("Do not sit Step 2 CK yet")


# -- 4. ECFMG --------------------------------------------------------------------------------


def test_ecfmg_not_started_gives_the_ordered_path_first_and_nothing_realistic() -> None:
    result = run(case("05-ecfmg-not-started"), date(2026, 12, 2))
    assert result.ecfmg is not None
    assert [s.state for s in result.ecfmg.steps] == ["to do"] * 5
    assert result.ecfmg.steps[0].title.startswith("USMLE ID")
    for pathway in MATCH_ROUTES:
        assert result.verdict(pathway).rank <= Verdict.REACH.rank
        assert result.pathway(pathway).next_steps[0].rule == "ECFMG-PATH"
    assert result.verdict(P.RESEARCH_YEAR).rank <= Verdict.REACH.rank  # nothing on file


@pytest.mark.parametrize(
    ("day", "cap", "rule"),
    [
        (date(2027, 6, 15), Verdict.REACH, "ECFMG-CLEAR"),  # no Step 2 CK by September
        (date(2027, 8, 1), Verdict.LONG_SHOT, "ECFMG-PATH"),  # exams not met by the rank list
    ],
)
def test_ecfmg_timing_caps_the_season(day: date, cap: Verdict, rule: str) -> None:
    profile = changed(
        case("03-ready-in-september"),
        ecfmg="not_started",
        exams=[],
        practice_scores=[{"exam": "step2ck", "score": 250, "taken_on": "2027-05-01"}],
    )
    result = run(profile, day)
    assert result.season.season == 2028
    assert result.verdict(P.PRELIMINARY_SURGERY).rank <= cap.rank
    assert rule in rules(result, P.PRELIMINARY_SURGERY)
    assert result.ecfmg is not None
    assert any("2029 season at the earliest" in n.text for n in result.ecfmg.notes)


# -- 5. integrated plastics for IMGs -----------------------------------------------------------


def test_us_img_with_252_and_a_strong_plastics_portfolio_is_still_a_reach() -> None:
    result = run(case("06-us-img-plastics-strong"), date(2026, 12, 2))
    assert result.verdict(P.INTEGRATED_PLASTICS) is Verdict.REACH
    assert "PLASTICS-IMG" in rules(result, P.INTEGRATED_PLASTICS)
    applications = result.strategy.applications
    assert P.INTEGRATED_PLASTICS not in applications.by_track
    assert applications.every_programme == [P.INTEGRATED_PLASTICS]


@pytest.mark.parametrize("score", [235, 239, 240, 241, 260])
def test_no_cliff_at_240_for_an_img(score: int) -> None:
    profile = changed(
        case("06-us-img-plastics-strong"),
        exams=[
            {"exam": "step1", "result": "pass", "taken_on": "2024-05-20"},
            {"exam": "step2ck", "score": score, "taken_on": "2025-07-14"},
        ],
    )
    assert run(profile, date(2026, 12, 2)).verdict(P.INTEGRATED_PLASTICS) is Verdict.REACH


def test_non_us_img_without_plastics_record_is_a_long_shot() -> None:
    result = run(case("07-nonus-245-no-plastics"), date(2026, 12, 2))
    assert result.verdict(P.INTEGRATED_PLASTICS) is Verdict.LONG_SHOT
    assert "USCE-PLASTICS" in cited(result.pathway(P.INTEGRATED_PLASTICS).next_steps)


# -- 6. risk factors widen the list, and it has a price --------------------------------------


def test_failed_attempt_and_old_graduation_widen_the_list() -> None:
    result = run(case("08-older-graduate-retake"), date(2026, 12, 2))
    s = result.strategy
    assert (s.applications.min, s.applications.max) == (120, 160)
    assert {"ATTEMPTS", "YOG-SCREEN", "APPLY-COST"} <= set(cited(s.notes))
    assert s.cost is not None
    assert s.cost.min > 0
    assert "USMLE-TIME-LIMIT" in cited(result.red_flags)
    assert "YOG-SCREEN" in rules(result, P.PRELIMINARY_SURGERY)


def test_recent_us_work_offsets_an_old_graduation_year() -> None:
    old = case("08-older-graduate-retake")
    recent = changed(
        old,
        usce=[
            *[u.model_dump(mode="json") for u in old.usce],
            {
                "kind": "elective",
                "specialty": "general_surgery",
                "us": True,
                "start": "2026-06-01",
                "end": "2026-07-27",
            },
        ],
    )
    before, after = run(old, date(2026, 12, 2)), run(recent, date(2026, 12, 2))
    assert "YOG-SCREEN" not in rules(after, P.PRELIMINARY_SURGERY)
    assert after.strategy.applications.min == before.strategy.applications.min - 20


def test_the_fee_estimate_counts_each_specialty_and_the_season_fees_once() -> None:
    """Tariq: prelim 48-72 and general surgery 32-48 programmes, $11 each up to 30 per
    specialty and $30 after, plus the $80 transcript and $70 NRMP registration."""
    cost = run(example("tariq-j1-prelim")).strategy.cost
    assert cost is not None
    low = 150 + (330 + 18 * 30) + (330 + 2 * 30)
    high = 150 + (330 + 42 * 30) + (330 + 18 * 30)
    assert (cost.min, cost.max, cost.season) == (low, high, 2026)


def test_us_citizen_img_with_below_average_scores_applies_broadly() -> None:
    result = run(case("10-us-img-reapplicant"), date(2026, 12, 2))
    assert (result.strategy.applications.min, result.strategy.applications.max) == (70, 110)
    assert "APPLY-VOLUME-USIMG" in cited(result.strategy.notes)


# -- 7. flags judge the right cycle -----------------------------------------------------------


def test_cycles_with_interviews_are_not_without_traction() -> None:
    result = run(case("09-interviews-no-match"), date(2026, 12, 2))
    assert "STAG-NO-TRACTION" not in cited(result.flags)
    assert "STAG-NO-PARALLEL" not in cited(result.flags)  # the latest cycle went parallel


def test_no_parallel_is_judged_on_the_latest_cycle() -> None:
    profile = case("09-interviews-no-match")
    cycles = [c.model_dump(mode="json") for c in profile.cycles]
    cycles[1]["applications"] = {"general_surgery": 90}
    result = run(changed(profile, cycles=cycles), date(2026, 12, 2))
    assert [f.text[:16] for f in result.flags if f.rule == "STAG-NO-PARALLEL"] == [
        "The 2026 cycle a"
    ]


# -- 8. wording --------------------------------------------------------------------------------


def test_shared_facts_are_said_once_and_plastics_rules_stay_with_plastics() -> None:
    result = run(example("tariq-j1-prelim"))
    text = render_text(result)
    assert text.count("Step 2 CK 230 is at or above 230") == 1
    for pathway in set(Pathway) - {P.INTEGRATED_PLASTICS, P.INDEPENDENT_PLASTICS}:
        assert "S2-PLASTICS" not in rules(result, pathway)


@pytest.mark.parametrize("score", [231, 241, 246, 260])
def test_the_pivot_names_specialties_and_ignores_surgical_cut_offs(score: int) -> None:
    profile = changed(
        example("tariq-j1-prelim"),
        exams=[
            {"exam": "step1", "result": "pass", "taken_on": "2021-11-01"},
            {"exam": "step2ck", "score": score, "taken_on": "2023-03-01"},
        ],
    )
    pivot = run(profile).pathway(P.PIVOT)
    assert pivot.verdict is Verdict.REALISTIC
    assert "internal medicine, family medicine" in pivot.reasons[0].text


def test_visa_detail_where_it_matters() -> None:
    h1b = run(case("12-h1b-with-step3"), date(2026, 12, 2))
    assert any(
        "few preliminary programmes sponsor it" in r.text
        for r in h1b.pathway(P.PRELIMINARY_SURGERY).reasons
    )
    j1 = run(example("tariq-j1-prelim"))
    assert any("Statement of Need" in n.text for n in j1.strategy.notes)


def test_step2_not_taken_with_weak_practice_is_told_to_delay() -> None:
    base = example("maya-us-img-plastics").model_dump(mode="json")
    base["exams"] = [e for e in base["exams"] if e["exam"] != "step2ck"]
    base["practice_scores"] = [
        {"exam": "step2ck", "score": s, "taken_on": f"2026-{m:02d}-01", "source": "NBME"}
        for s, m in [(221, 8), (227, 9), (233, 10)]
    ]
    result = run(ProfileIn.model_validate(base))
    assert "Delay Step 2 CK: practice average 227 is below the 240 target" in step_texts(
        result, P.INTEGRATED_PLASTICS
    )
    unknown = result.glance[0]
    assert (unknown.rule, unknown.effect) == ("S2-DELAY", "neutral")
    assert "not taken yet (unknown)" in unknown.text


def test_failed_attempt_is_a_red_flag_and_lowers_verdicts() -> None:
    clean = example("tariq-j1-prelim")
    data: dict[str, Any] = clean.model_dump(mode="json")
    data["exams"] = [
        data["exams"][0],
        {"exam": "step2ck", "score": 205, "attempt": 1, "taken_on": "2022-10-01"},
        {**data["exams"][1], "attempt": 2},
    ]
    result = run(ProfileIn.model_validate(data))
    texts = [f.text for f in result.red_flags]
    assert "Step 2 CK attempt 1 (2022-10-01) was a fail, under the 214 pass mark then in force" in (
        texts
    )
    assert (
        result.verdict(P.PRELIMINARY_SURGERY).rank < run(clean).verdict(P.PRELIMINARY_SURGERY).rank
    )


def test_control_twin_stays_quiet() -> None:
    """A reapplication with one new poster since the last cycle raises no STAG-REAPPLY."""
    data = example("lucia-reapplicant").model_dump(mode="json")
    poster = {
        "kind": "poster",
        "specialty": "general_surgery",
        "title": "New",
        "date": "2025-10-01",
    }
    result = run(ProfileIn.model_validate({**data, "research": [*data["research"], poster]}))
    assert "STAG-REAPPLY" not in cited(result.flags)
