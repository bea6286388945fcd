"""The programme list is deterministic, total and monotone, over every profile and every
programme file hypothesis can build: a better profile never loses a programme it had."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assessment.engine import assess
from bot.assessment.facts import read_facts
from bot.assessment.rules import RULE_FIELDS
from bot.assessment.ruleset import load_ruleset
from bot.profile.schema import ExamIn, ProfileIn, UsceIn
from bot.programmes.dto import ProgrammeData, ProgrammeList, ProgrammeRead
from bot.programmes.listing import build_list, place_all
from bot.programmes.vocab import ProgrammeSetting, ProgrammeTrack, Standing, Tier
from bot.vocab import Exam, PassFail, Pathway, Specialty, UsceKind, Verdict
from tests.programme_data import data
from tests.strategies import profiles

RULESET = load_ruleset()
LISTED = [
    Pathway.GENERAL_SURGERY,
    Pathway.PRELIMINARY_SURGERY,
    Pathway.TRANSITIONAL_YEAR,
    Pathway.INTEGRATED_PLASTICS,
    Pathway.PIVOT,
]
as_of_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))
maybe = st.none() | st.booleans()


@st.composite
def programme_rows(draw: st.DrawFn, near: int | None = None) -> ProgrammeData:
    """Programme rows; with `near`, Step 2 CK screens around that score, where screening and
    tiering change as a score rises."""
    screens = st.integers(200, 260) if near is None else st.integers(near - 8, near + 12)
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "track": st.sampled_from(list(ProgrammeTrack)),
                    "sponsors_j1": maybe,
                    "sponsors_h1b": maybe,
                    "img_share": st.none() | st.integers(0, 100),
                    "step2_screen": st.none() | screens.filter(lambda s: 150 <= s <= 300),
                    "first_attempt_only": maybe,
                    "max_years_since_graduation": st.none() | st.integers(0, 15),
                    "usce_required": maybe,
                    "setting": st.none() | st.sampled_from(list(ProgrammeSetting)),
                    "positions": st.none() | st.integers(0, 30),
                    "unfilled_after_match": st.none()
                    | st.lists(st.integers(2018, 2031), unique=True, max_size=3),
                }
            ),
            max_size=40,
        )
    )
    return data(
        *(
            ProgrammeRead(
                id=n,
                name=f"Synthetic Hospital {n % 7}",  # shared names: ties broken by id
                city="Synthetic City 1",
                state="NY",
                source="test",
                as_of=date(2026, 6, 1),
                **row,
            )
            for n, row in enumerate(rows, start=1)
        )
    )


def build(profile: ProfileIn, programmes: ProgrammeData, as_of: date) -> ProgrammeList:
    result = assess(profile, ruleset=RULESET, as_of=as_of)
    return build_list(profile, assessment=result, data=programmes, ruleset=RULESET)


def dumped(result: ProgrammeList) -> str:
    return json.dumps(result.model_dump(mode="json"), sort_keys=True)


@given(profiles(), programme_rows(), as_of_days, st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_total_deterministic_and_whole(
    profile: ProfileIn, programmes: ProgrammeData, as_of: date, rng: random.Random
) -> None:
    first = build(profile, programmes, as_of)
    shuffled = list(programmes.programmes)
    rng.shuffle(shuffled)
    again = build(profile, programmes.model_copy(update={"programmes": shuffled}), as_of)
    assert dumped(first) == dumped(again), "the order of the file changes nothing"
    assessment = assess(profile, ruleset=RULESET, as_of=as_of)
    if assessment.strategy.blocked is not None:
        assert first.blocked
        assert first.tracks == []
        return
    assert not first.blocked
    applied = set(assessment.strategy.applications.by_track) | set(
        assessment.strategy.applications.every_programme
    )
    assert {t.pathway for t in first.tracks} == applied
    for track in first.tracks:
        assert assessment.verdict(track.pathway) is not Verdict.BLOCKED
        for place in track.excluded:
            assert place.tier is None
            assert place.reasons, "every exclusion has a reason"
        for place in [*track.listed, *track.reserve]:
            assert place.tier is not None
            assert place.reasons, "every tier placement has a reason"
        for place in [*track.listed, *track.reserve, *track.excluded]:
            for note in [*place.reasons, *place.checks]:
                assert note.rule in RULE_FIELDS
                assert note.text
        ids = [p.programme.id for p in [*track.listed, *track.reserve, *track.excluded]]
        assert len(ids) == len(set(ids))
        for count in track.tiers:
            in_tier = [p for p in track.listed if p.tier is count.tier]
            assert len(in_tier) == count.listed
            if count.wanted is None:
                assert count.listed == count.available
            else:
                # Sizes follow the strategy; a tier the data cannot fill is said, not padded.
                assert count.listed == min(count.wanted, count.available)
                short = count.available < count.wanted
                assert short == any(
                    n.text.startswith(f"{count.tier.value.capitalize()}: ") for n in track.notes
                )
        if track.wanted_max is not None:
            assert len(track.listed) <= track.wanted_max
            assert sum(c.wanted or 0 for c in track.tiers) == track.wanted_max


@given(profiles(), as_of_days, st.sampled_from(list(ProgrammeTrack)))
@settings(max_examples=100, deadline=None)
def test_unknown_facts_never_exclude(
    profile: ProfileIn, as_of: date, track: ProgrammeTrack
) -> None:
    """A programme whose facts are all unknown passes every screen, with checks to verify."""
    facts = read_facts(profile, RULESET, as_of)
    unknown = ProgrammeRead(
        id=1,
        name="Synthetic Unknown",
        city="Synthetic City 1",
        state="NY",
        track=track,
        source="test",
        as_of=date(2026, 6, 1),
    )
    for pathway in LISTED:
        for every in (True, False):
            for _, screened in place_all(pathway, [unknown], facts, RULESET, every_programme=every):
                assert screened.tier is not None
                assert not screened.exclusions


def _better(profile: ProfileIn, how: str, amount: int, as_of: date) -> ProfileIn:
    """The same profile, improved in one way a mentee can improve it."""
    if how == "score":
        # Step 2 CK first: the score programmes screen on.
        numeric = sorted(
            (e for e in profile.exams if e.score is not None), key=lambda e: e.exam != "step2ck"
        )
        if numeric:
            exam = numeric[0 if amount % 3 else amount % len(numeric)]
            raised = exam.model_copy(update={"score": min(300, exam.score + amount)})  # type: ignore[operator]
            return profile.model_copy(
                update={"exams": [raised if e is exam else e for e in profile.exams]}
            )
    if how == "usce":
        stint = UsceIn(
            kind=UsceKind.ELECTIVE,
            specialty=Specialty.GENERAL_SURGERY,
            start=as_of - timedelta(weeks=amount % 20 + 1),
            end=as_of,
        )
        return profile.model_copy(update={"usce": [*profile.usce, stint]})
    if how == "step3" and not any(e.exam is Exam.STEP3 for e in profile.exams):
        passed = ExamIn(
            exam=Exam.STEP3,
            result=PassFail.PASS,
            attempt=1,
            taken_on=max(date(1990, 1, 1), as_of - timedelta(days=amount)),
        )
        return profile.model_copy(update={"exams": [*profile.exams, passed]})
    return profile


@st.composite
def cases(draw: st.DrawFn) -> tuple[ProfileIn, ProgrammeData, date]:
    profile = draw(profiles())
    as_of = draw(as_of_days)
    step2 = read_facts(profile, RULESET, as_of).step2
    return profile, draw(programme_rows(near=step2)), as_of


@given(cases(), st.sampled_from(["score", "score", "usce", "step3"]), st.integers(1, 12))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_monotone(case: tuple[ProfileIn, ProgrammeData, date], how: str, amount: int) -> None:
    """A better profile keeps every programme that passed the screens, in the same tier or an
    easier one (reach → core → safety), on every track; and on the lists of the tracks both
    strategies apply to, nothing listed or in reserve is lost."""
    profile, programmes, as_of = case
    improved = _better(profile, how, amount, as_of)
    before_facts = read_facts(profile, RULESET, as_of)
    after_facts = read_facts(improved, RULESET, as_of)
    for pathway in LISTED:
        for every in (True, False):
            before = place_all(
                pathway, programmes.programmes, before_facts, RULESET, every_programme=every
            )
            after = {
                p.id: s.tier
                for p, s in place_all(
                    pathway, programmes.programmes, after_facts, RULESET, every_programme=every
                )
            }
            for p, screened in before:
                if screened.tier is None:
                    continue
                now = after[p.id]
                assert now is not None, f"{how} excluded {p} from {pathway}"
                assert now.ease >= screened.tier.ease, f"{how}: {screened.tier} → {now}"

    first, second = build(profile, programmes, as_of), build(improved, programmes, as_of)
    kept = {t.pathway: t for t in second.tracks}
    for track in first.tracks:
        if track.pathway in kept and (track.wanted_max is None) == (
            kept[track.pathway].wanted_max is None
        ):
            later = kept[track.pathway]
            had = {p.programme.id for p in [*track.listed, *track.reserve]}
            has = {p.programme.id for p in [*later.listed, *later.reserve]}
            assert had <= has, f"{how} lost {had - has}"


def test_standings_and_tiers_are_ordered() -> None:
    assert [t.ease for t in (Tier.REACH, Tier.CORE, Tier.SAFETY)] == [0, 1, 2]
    assert {s.value for s in Standing} == {"listed", "reserve", "excluded"}
