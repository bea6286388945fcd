"""The engine is deterministic, monotone and total, over every profile hypothesis can build."""

from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assessment.dto import Assessment
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.profile.schema import LetterIn, ProfileIn, ResearchIn, UsceIn
from bot.vocab import Pathway, Specialty, UsceKind, Verdict
from tests.strategies import days, profiles

RULESET = load_ruleset()
AS_OF = date(2026, 11, 22)


def run(profile: ProfileIn) -> Assessment:
    return assess(profile, ruleset=RULESET, as_of=AS_OF)


def ranks(assessment: Assessment) -> dict[Pathway, int]:
    return {p.pathway: p.verdict.rank for p in assessment.pathways}


@given(profiles())
@settings(max_examples=300, deadline=None)
def test_total_and_deterministic(profile: ProfileIn) -> None:
    first = run(profile)
    again = run(ProfileIn.model_validate_json(profile.model_dump_json()))
    assert json.dumps(first.model_dump(mode="json")) == json.dumps(again.model_dump(mode="json"))
    assert {p.pathway for p in first.pathways} == set(Pathway)
    for verdict in first.pathways:
        assert verdict.reasons, f"{verdict.pathway} has no reason"
        if verdict.verdict is Verdict.BLOCKED:
            assert any(r.effect == "negative" for r in verdict.reasons)
    if first.strategy.primary_verdict.rank <= Verdict.REACH.rank:
        assert first.strategy.parallel, "a reach or worse must come with a parallel plan"


def _improve(profile: ProfileIn, how: str, index: int, amount: int, day: date) -> ProfileIn:
    if how == "score" and profile.exams:
        exam = profile.exams[index % len(profile.exams)]
        if exam.score is not None:
            raised = exam.model_copy(update={"score": min(300, exam.score + amount)})
            exams = [raised if e is exam else e for e in profile.exams]
            return profile.model_copy(update={"exams": exams})
    if how == "research":
        paper = ResearchIn(
            kind="publication", specialty=list(Specialty)[index % 4], title="New", date=day
        )
        return profile.model_copy(update={"research": [*profile.research, paper]})
    if how == "letter":
        letter = LetterIn(
            writer="Dr. New",
            specialty=list(Specialty)[index % 4],
            us=index % 2 == 0,
            strong=True,
            received_on=day,
        )
        return profile.model_copy(update={"letters": [*profile.letters, letter]})
    if how == "usce" and profile.usce:
        stint = profile.usce[index % len(profile.usce)]
        longer = stint.model_copy(
            update={"end": (stint.end or AS_OF) + timedelta(weeks=amount % 20 + 1)}
        )
        usce = [longer if u is stint else u for u in profile.usce]
        return profile.model_copy(update={"usce": usce})
    if how == "usce":
        stint = UsceIn(
            kind=list(UsceKind)[index % 6],
            specialty=list(Specialty)[index % 4],
            start=day,
            end=day + timedelta(weeks=amount % 20 + 1),
        )
        return profile.model_copy(update={"usce": [stint]})
    return profile


@given(
    profiles(),
    st.sampled_from(["score", "research", "letter", "usce"]),
    st.integers(0, 20),
    st.integers(1, 60),
    days,
)
@settings(max_examples=500, deadline=None)
def test_monotone(profile: ProfileIn, how: str, index: int, amount: int, day: date) -> None:
    before = ranks(run(profile))
    after = ranks(run(_improve(profile, how, index, amount, day)))
    lowered = {p: (before[p], after[p]) for p in Pathway if after[p] < before[p]}
    assert not lowered, f"{how} lowered {lowered}"
