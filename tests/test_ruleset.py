"""The ruleset loads, validates, points at the offending key and line, and can be replaced."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.assessment.engine import assess
from bot.assessment.rules import RULE_FIELDS
from bot.assessment.ruleset import BUNDLED, RulesetError, load_ruleset, parse_ruleset
from bot.vocab import Exam, Pathway, Verdict
from tests.factories import profile

DOMAIN_RULE_IDS = {
    "S1-LOW",
    "S1-CONCERN",
    "S1-COMPETITIVE",
    "S2-BELOW",
    "S2-STRONG",
    "S2-PLASTICS",
    "S2-SCREEN",
    "TREND-UP",
    "ATTEMPTS",
    "S2-DELAY",
    "STEP3-H1B",
    "STEP3-SIGNAL",
    "LOR-SURG",
    "LOR-PLASTICS",
    "USCE-SURG",
    "RESEARCH-PLASTICS",
    "MENTOR-ADVOCATE",
    "VISA-J1-FLEX",
    "ECFMG-CLEAR",
    "APPLY-VOLUME-NONUS",
    "APPLY-TIERS",
    "APPLY-PARALLEL",
    "APPLY-EARLY",
    "VISA-FILTER",
    "STAG-REAPPLY",
    "STAG-NO-PARALLEL",
    "STAG-CHECKPOINT",
    "STAG-NO-TRACTION",
    "STAG-RESEARCH-IDLE",
    "WELLBEING",
    # added after the expert review (domain guide section 10)
    "PASS-MARKS",
    "S1-PASSFAIL",
    "ATTEMPT-LIMIT",
    "FAIL-RISK",
    "ECFMG-PATH",
    "VISA-J1-DETAIL",
    "VISA-H1B-DETAIL",
    "YOG-SCREEN",
    "USMLE-TIME-LIMIT",
    "CYCLE-PHASES",
    "PLASTICS-IMG",
    "APPLY-COST",
}


def test_bundled_ruleset_holds_every_domain_rule() -> None:
    ruleset = load_ruleset()
    assert (ruleset.name, ruleset.version) == ("matchpath-default", "2026.12.2")
    assert set(RULE_FIELDS) >= DOMAIN_RULE_IDS
    assert ruleset.rules.s2_below.below == 230
    assert ruleset.rules.apply_volume_nonus.min == 80
    assert ruleset.calendar[2026].match_week == date(2026, 3, 16)


def _broken(old: str, new: str) -> str:
    text = BUNDLED.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "key", "words", "at"),
    [
        (
            "    below: 230\n",
            "    below: lots\n",
            "rules.S2-BELOW.below",
            "valid integer",
            "below: lots",
        ),
        (
            "  S2-BELOW:\n",
            "  S2-BELOW:\n    colour: red\n",
            "rules.S2-BELOW.colour",
            "unknown key",
            "colour: red",
        ),
        (
            "      - {when: surgical_readiness, steps: 1, rule: LOR-SURG}\n"
            "      - {when: us_graduate",
            "      - {when: failed_attempt, steps: 1, rule: LOR-SURG}\n      - {when: us_graduate",
            "pathways.independent_plastics.adjust.0",
            "only lower a verdict",
            "{when: failed_attempt, steps: 1",
        ),
        (
            "    reach: 0.2\n",
            "    reach: 0.3\n",
            "rules.APPLY-TIERS",
            "add up to 1",
            "APPLY-TIERS:",
        ),
    ],
)
def test_malformed_ruleset_names_key_and_line(
    old: str, new: str, key: str, words: str, at: str
) -> None:
    text = _broken(old, new)
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(text, "custom.yaml")
    message = str(caught.value)
    assert f": {key}" in message
    assert words in message
    expected = text[: text.index(at)].count("\n") + 1
    assert message.startswith(f"ruleset custom.yaml line {expected}: "), message


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(RulesetError, match=r"line \d+: not valid YAML"):
        parse_ruleset("name: x\nrules: [unclosed\n")


def test_decreasing_base_is_refused() -> None:
    text = _broken("solid: realistic, strong: strong}", "solid: realistic, strong: reach}")
    with pytest.raises(RulesetError, match="must not fall"):
        parse_ruleset(text)


def test_a_programme_changes_a_number_without_code(tmp_path: Path) -> None:
    """Raise the prelim bar: the same profile reads one step lower."""
    text = _broken(
        "base: {unknown: reach, screened: long_shot, below: reach, low: reach, solid: realistic, "
        "strong: strong}",
        "base: {unknown: long_shot, screened: long_shot, below: long_shot, low: long_shot, "
        "solid: reach, strong: realistic}",
    ).replace('version: "2026.12.2"', 'version: "local-1"')
    path = tmp_path / "ours.yaml"
    path.write_text(text)
    ruleset = load_ruleset(path)
    mentee = profile(
        letters=[
            {
                "writer": f"Dr. {i}",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": "2025-03-10",
            }
            for i in range(3)
        ]
    )
    ours = assess(mentee, ruleset=ruleset, as_of=date(2026, 11, 22))
    default = assess(mentee, ruleset=load_ruleset(), as_of=date(2026, 11, 22))
    assert default.verdict(Pathway.PRELIMINARY_SURGERY) is Verdict.REALISTIC
    assert ours.verdict(Pathway.PRELIMINARY_SURGERY) is Verdict.REACH
    assert (ours.ruleset.name, ours.ruleset.version) == ("matchpath-default", "local-1")


def test_every_rule_names_its_source() -> None:
    ruleset = load_ruleset()
    for rule_id in RULE_FIELDS:
        rule = ruleset.rules.by_id(rule_id)
        assert rule.source.strip(), f"{rule_id} has no source"
        assert rule.text.strip(), f"{rule_id} has no sentence"


@pytest.mark.parametrize(
    ("exam", "day", "mark"),
    [
        (Exam.STEP2CK, date(2014, 6, 30), None),  # before the first mark on file: not judged
        (Exam.STEP2CK, date(2014, 7, 1), 209),
        (Exam.STEP2CK, date(2022, 6, 30), 209),
        (Exam.STEP2CK, date(2022, 7, 1), 214),
        (Exam.STEP2CK, date(2025, 6, 30), 214),
        (Exam.STEP2CK, date(2025, 7, 1), 218),
        (Exam.STEP1, date(2021, 12, 1), 194),
        (Exam.STEP3, date(2024, 1, 1), 200),
    ],
)
def test_the_pass_mark_in_force_on_the_exam_day(exam: Exam, day: date, mark: int | None) -> None:
    assert load_ruleset().rules.pass_marks.mark_on(exam, day) == mark


def test_pass_marks_out_of_order_are_refused() -> None:
    text = _broken("{from: 2022-07-01, score: 214}", "{from: 2013-07-01, score: 214}")
    with pytest.raises(RulesetError, match="ascending"):
        parse_ruleset(text)


@pytest.mark.parametrize(
    ("programmes", "fee"),
    [(0, 0), (1, 11), (30, 330), (31, 360), (43, 720)],
)
def test_application_fees_follow_the_tiers(programmes: int, fee: int) -> None:
    """AAMC's own example for the 2026 season: 43 programmes in one specialty cost $720."""
    cost = load_ruleset().rules.apply_cost
    assert cost.fees(programmes) == fee
