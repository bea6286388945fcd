"""Finding a programme by the name someone typed: exact names always win, case and
punctuation never matter, and a guess is never made between near-equals."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.applications.matching import MAX_SHOWN, Candidate, Found, match_name, normalise
from bot.applications.service import find_programme, get_applications
from bot.errors import InvalidInput
from tests.applications_world import saved
from tests.factories import build_programme

WORDS = [
    "Synthetic",
    "Regional",
    "Medical",
    "Center",
    "University",
    "Hospital",
    "Saint",
    "Mary's",
    "Valley",
    "Community",
    "Health",
    "System",
    "North",
    "Lakes",
    "Ridge",
]
SEPARATORS = [" ", "  ", ", ", " - ", ". ", " / ", " (", ") "]

word = st.one_of(
    st.sampled_from(WORDS),
    st.integers(min_value=1, max_value=250).map(lambda n: f"{n:03d}"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=2, max_size=9),
)
name_words = st.lists(word, min_size=1, max_size=6)


def join(words: list[str], separators: list[str], upper: list[bool]) -> str:
    out = ""
    for n, w in enumerate(words):
        shown = "".join(
            c.upper() if upper[(n + i) % len(upper)] else c.lower() for i, c in enumerate(w)
        )
        out += (separators[n % len(separators)] if n else "") + shown
    return out


@st.composite
def candidates(draw: st.DrawFn) -> tuple[list[list[str]], list[Candidate]]:
    spelt = draw(st.lists(name_words, min_size=1, max_size=12))
    # Some names twice (a programme's categorical and preliminary tracks share its name).
    spelt += draw(st.lists(st.sampled_from(spelt), max_size=2))
    names = [join(ws, [" "], [False, True, True]) for ws in spelt]
    return spelt, [Candidate(key=k, name=n) for k, n in enumerate(names)]


def keys(result_candidates: list[Candidate]) -> set[int]:
    return {c.key for c in result_candidates}


@settings(max_examples=200, deadline=None)
@given(candidates(), st.data())
def test_an_exact_name_always_wins(
    world: tuple[list[list[str]], list[Candidate]], data: st.DataObject
) -> None:
    _, cands = world
    chosen = data.draw(st.sampled_from(cands))
    assume(normalise(chosen.name))
    padding = data.draw(st.sampled_from(["", " ", "  "]))
    result = match_name(padding + chosen.name + padding, cands)
    same = [c for c in cands if c.name == chosen.name]
    assert result.total == len(same)
    assert keys(result.candidates) == keys(same[:MAX_SHOWN])
    assert result.found is (Found.ONE if len(same) == 1 else Found.AMBIGUOUS)


@settings(max_examples=200, deadline=None)
@given(candidates(), st.data())
def test_case_and_punctuation_never_matter(
    world: tuple[list[list[str]], list[Candidate]], data: st.DataObject
) -> None:
    spelt, cands = world
    n = data.draw(st.integers(min_value=0, max_value=len(cands) - 1))
    words = spelt[n]
    if data.draw(st.booleans()):
        words = [w.replace("'", "") for w in words]
    typed = join(
        words,
        data.draw(st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=4)),
        data.draw(st.lists(st.booleans(), min_size=1, max_size=5)),
    )
    assume(normalise(typed))
    assert normalise(typed) == normalise(cands[n].name)
    result = match_name(typed, cands)
    exact = [c for c in cands if c.name == typed.strip()]
    expected = exact or [c for c in cands if normalise(c.name) == normalise(typed)]
    assert cands[n] in expected or exact
    assert keys(result.candidates) == keys(expected[:MAX_SHOWN])
    assert result.found is (Found.ONE if len(expected) == 1 else Found.AMBIGUOUS)


@settings(max_examples=150, deadline=None)
@given(candidates(), st.text(max_size=40))
def test_any_query_answers_from_the_candidates_only(
    world: tuple[list[list[str]], list[Candidate]], typed: str
) -> None:
    _, cands = world
    assume(normalise(typed))
    result = match_name(typed, cands)
    assert keys(result.candidates) <= keys(cands)
    if result.found is Found.ONE:
        assert len(result.candidates) == 1
        assert result.one is not None
    elif result.found is Found.AMBIGUOUS:
        assert 2 <= len(result.candidates) <= MAX_SHOWN
    else:
        assert len(result.candidates) <= 3


CENTRES = [
    Candidate(key=1, name="Synthetic Regional Medical Center 016", detail="general surgery"),
    Candidate(key=2, name="Synthetic Regional Medical Center 017", detail="general surgery"),
    Candidate(key=3, name="Synthetic Regional Medical Center 017", detail="preliminary surgery"),
    Candidate(key=4, name="Synthetic Regional Medical Center 018", detail="general surgery"),
    Candidate(key=5, name="Saint Mary's Valley Hospital", detail="transitional year"),
    Candidate(key=6, name="Northern Lakes University Hospital", detail="preliminary surgery"),
]


@pytest.mark.parametrize(
    ("typed", "found", "expected"),
    [
        ("Synthetic Regional Medical Center 016", Found.ONE, [1]),
        ("synthetic regional medical center 17", Found.AMBIGUOUS, [2, 3]),  # two tracks
        ("regional 18", Found.ONE, [4]),
        ("medical center", Found.AMBIGUOUS, [1, 2, 3, 4]),
        ("st marys valley hosp", Found.ONE, [5]),
        ("ST. MARY’S VALLEY HOSPITAL", Found.ONE, [5]),
        ("Nothern Lakes Univ Hospital", Found.ONE, [6]),  # a letter missing
        ("Synthetc Regonal Medical Centre 018", Found.ONE, [4]),  # misspelt, the number kept
        ("lakes university northern hospital", Found.ONE, [6]),
        ("Mount Sinai Downtown", Found.NONE, []),
    ],
)
def test_names_people_type(typed: str, found: Found, expected: list[int]) -> None:
    result = match_name(typed, CENTRES)
    assert result.found is found
    if found is not Found.NONE:
        assert sorted(keys(result.candidates)) == expected


def test_nothing_close_offers_the_closest_names() -> None:
    result = match_name("Synthetic Regionl", CENTRES)
    assert result.found is Found.NONE
    assert 1 <= len(result.candidates) <= 3
    assert all("Regional" in c.name for c in result.candidates)


@pytest.mark.parametrize("typed", ["", "   ", "--", "'"])
def test_an_empty_name_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="programme's name"):
        match_name(typed, CENTRES)


def test_a_mentees_applications_are_found_by_a_loose_name(session: Session, system: Actor) -> None:
    p = build_programme(session, system)
    saved(session, system, p.mentor, "UMENTEE1")
    listed = get_applications(session, actor=p.mentee, slack_user_id="UMENTEE1").applications
    target = listed[len(listed) // 2]
    typed = target.name.lower().replace(" ", "  ") + "."
    result = find_programme(session, actor=p.mentee, slack_user_id="UMENTEE1", text=typed)
    assert target.id in keys(result.candidates)
    namesakes = [a for a in listed if a.name == target.name]
    assert result.found is (Found.ONE if len(namesakes) == 1 else Found.AMBIGUOUS)
    assert all(target.track.label in c.detail or c.key != target.id for c in result.candidates)
