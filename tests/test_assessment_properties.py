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


MATCH_ROUTES = set(Pathway) - {Pathway.RESEARCH_YEAR, Pathway.INDEPENDENT_PLASTICS}
as_of_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))


@given(profiles(), as_of_days)
@settings(max_examples=400, deadline=None)
def test_total_and_deterministic(profile: ProfileIn, as_of: date) -> None:
    first = assess(profile, ruleset=RULESET, as_of=as_of)
    again = assess(
        ProfileIn.model_validate_json(profile.model_dump_json()), ruleset=RULESET, as_of=as_of
    )
    assert json.dumps(first.model_dump(mode="json")) == json.dumps(again.model_dump(mode="json"))
    assert {p.pathway for p in first.pathways} == set(Pathway)
    for verdict in first.pathways:
        assert verdict.reasons, f"{verdict.pathway} has no reason"
        if verdict.verdict is Verdict.BLOCKED:
            assert any(r.effect == "negative" for r in verdict.reasons)
    assert first.season.steps, "every phase of a season has a next step"
    strategy = first.strategy
    if strategy.blocked is not None:
        assert strategy.applications.max == 0
        assert not strategy.applications.by_track
        assert not strategy.parallel
    elif strategy.primary_verdict.rank <= Verdict.REACH.rank:
        assert strategy.parallel, "a reach or worse must come with a parallel plan"


@given(profiles(), as_of_days)
@settings(max_examples=400, deadline=None)
def test_no_application_ever_goes_to_a_blocked_route(profile: ProfileIn, as_of: date) -> None:
    result = assess(profile, ruleset=RULESET, as_of=as_of)
    blocked = {p.pathway for p in result.pathways if p.verdict is Verdict.BLOCKED}
    applied = set(result.strategy.applications.by_track) | set(
        result.strategy.applications.every_programme
    )
    assert not applied & blocked
    assert not set(result.strategy.parallel) & blocked
    if blocked >= MATCH_ROUTES:
        assert result.strategy.blocked is not None, "say first that every route is blocked"
        assert result.strategy.blocked.latest_by >= as_of
        assert result.strategy.blocked.full_list_by >= as_of
    else:
        assert result.strategy.blocked is None
        assert result.strategy.primary not in blocked


@given(profiles(), as_of_days)
@settings(max_examples=300, deadline=None)
def test_no_route_is_realistic_on_data_that_is_not_there(profile: ProfileIn, as_of: date) -> None:
    result = assess(profile.model_copy(update={"exams": []}), ruleset=RULESET, as_of=as_of)
    for verdict in result.pathways:
        if verdict.pathway is not Pathway.RESEARCH_YEAR:
            assert verdict.verdict.rank <= Verdict.REACH.rank, verdict
    empty = profile.model_copy(update={"exams": [], "letters": [], "usce": [], "research": []})
    for verdict in assess(empty, ruleset=RULESET, as_of=as_of).pathways:
        assert verdict.verdict.rank <= Verdict.REACH.rank, verdict


@given(profiles())
@settings(max_examples=300, deadline=None)
def test_integrated_plastics_is_never_above_a_reach_for_an_img(profile: ProfileIn) -> None:
    result = run(profile)
    if profile.applicant_type.is_img:
        assert result.verdict(Pathway.INTEGRATED_PLASTICS).rank <= Verdict.REACH.rank


def _improve(
    profile: ProfileIn, how: str, index: int, amount: int, day: date, as_of: date = AS_OF
) -> ProfileIn:
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
            # An open stint runs to the day assessed; lengthening it must not end it sooner.
            update={"end": (stint.end or as_of) + timedelta(weeks=amount % 20 + 1)}
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
    as_of_days,
)
@settings(max_examples=600, deadline=None)
def test_monotone(
    profile: ProfileIn, how: str, index: int, amount: int, day: date, as_of: date
) -> None:
    before = ranks(assess(profile, ruleset=RULESET, as_of=as_of))
    improved = _improve(profile, how, index, amount, day, as_of)
    after = ranks(assess(improved, ruleset=RULESET, as_of=as_of))
    lowered = {p: (before[p], after[p]) for p in Pathway if after[p] < before[p]}
    assert not lowered, f"{how} lowered {lowered}"
