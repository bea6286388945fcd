"""docs/advice.md's table is what the engine says about the realistic profiles of
examples/advice/, regenerated, never edited by hand (UPDATE_GOLDEN=1 rewrites it)."""

from __future__ import annotations

import os

from bot.vocab import Pathway, Verdict
from tests.advice_cases import (
    BEGIN,
    DOC,
    END,
    RULES_BEGIN,
    RULES_END,
    load_cases,
    render_rules,
    render_table,
)


def _current(begin: str, end: str, generated: str) -> None:
    text = DOC.read_text()
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        DOC.write_text(f"{head}{begin}\n{generated}\n{end}{tail}")
        text = DOC.read_text()
    assert f"{begin}\n{generated}\n{end}" in text


def test_the_advice_table_is_current() -> None:
    cases = load_cases()
    assert len(cases) >= 12
    _current(BEGIN, END, render_table(cases))


def test_the_rules_table_is_the_ruleset() -> None:
    _current(RULES_BEGIN, RULES_END, render_rules())


def test_the_cases_cover_what_the_review_asked_for() -> None:
    """At least one of each: every route blocked, mid-season, ECFMG not started, fail risk."""
    results = {case.key: case.assess() for case in load_cases()}
    assert any(r.strategy.blocked is not None for r in results.values())
    assert any(r.season.applied and r.season.phase == "interview_season" for r in results.values())
    assert any(r.ecfmg and r.ecfmg.status == "not started" for r in results.values())
    assert any("FAIL-RISK" in {f.rule for f in r.red_flags} for r in results.values())
    assert any(r.verdict(Pathway.INTEGRATED_PLASTICS) is Verdict.REACH for r in results.values())
