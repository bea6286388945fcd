"""The programme list: golden screening and tiering cases, each reason with its rule and the
programme's fact; sizes from the strategy, shortfalls said, never padded; blocked routes get no
list."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.assessment.engine import assess
from bot.assessment.ruleset import BUNDLED, Ruleset, RulesetError, load_ruleset, parse_ruleset
from bot.errors import InvalidInput
from bot.profile.schema import ProfileIn
from bot.programmes.dto import Placement, ProgrammeData, ProgrammeList
from bot.programmes.list_text import list_csv, summary
from bot.programmes.listing import build_list, split, tracks_of
from bot.programmes.vocab import ProgrammeTrack, Standing, Tier
from bot.roster.schema import MenteeRecord
from bot.vocab import Pathway
from tests.factories import J1_PRELIM, profile
from tests.programme_data import data, example_data, programme

AS_OF = date(2026, 12, 2)  # the 2028 season; the last Matches held: 2026, 2025, 2024
RULESET = load_ruleset()
GOLDEN = Path(__file__).resolve().parent / "golden"
FAILED_STEP1 = [
    {"exam": "step1", "result": "fail", "attempt": 1, "taken_on": "2021-06-01"},
    {"exam": "step1", "result": "pass", "attempt": 2, "taken_on": "2021-11-01"},
    {"exam": "step2ck", "score": 230, "attempt": 1, "taken_on": "2023-03-01"},
]


def make_list(
    who: ProfileIn,
    programmes: ProgrammeData,
    *,
    track: Pathway | None = None,
    ruleset: Ruleset = RULESET,
) -> ProgrammeList:
    result = assess(who, ruleset=ruleset, as_of=AS_OF)
    return build_list(who, assessment=result, data=programmes, ruleset=ruleset, track=track)


def everything(result: ProgrammeList) -> dict[str, Placement]:
    return {
        p.programme.name: p for t in result.tracks for p in [*t.listed, *t.reserve, *t.excluded]
    }


def said(notes: list[Any]) -> list[str]:
    return [f"{n.text} [{n.rule}]" for n in notes]


def with_step2(score: int) -> list[dict[str, Any]]:
    return [{**e, "score": score} if e["exam"] == "step2ck" else e for e in J1_PRELIM["exams"]]


STEP3 = {"exam": "step3", "result": "pass", "attempt": 1, "taken_on": "2025-05-01"}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, list[str], list[str]]] = [
    # (case, profile changes, programme facts, standing/tier, reasons, checks)
    ("no J-1", {}, {"sponsors_j1": False}, "excluded", ["no J-1 sponsorship [VISA-FILTER]"], []),
    (
        "J-1 unknown: kept, to verify",
        {},
        {"img_share": 45, "setting": "community"},
        "core",
        ["45% IMGs, community: core [APPLY-TIERS]"],
        ["J-1 sponsorship unknown — verify [VISA-FILTER]"],
    ),
    (
        "no H-1B",
        {"visa": "h1b", "exams": [*J1_PRELIM["exams"], STEP3]},
        {"sponsors_h1b": False, "sponsors_j1": True},
        "excluded",
        ["no H-1B sponsorship [VISA-FILTER]"],
        [],
    ),
    (
        "H-1B only, no Step 3",
        {"visa": "j1_or_h1b"},
        {"sponsors_j1": False, "sponsors_h1b": True},
        "excluded",
        ["sponsors only H-1B, which needs Step 3 passed [STEP3-H1B]"],
        [],
    ),
    (
        "H-1B only, Step 3 passed",
        {"visa": "j1_or_h1b", "exams": [*J1_PRELIM["exams"], STEP3]},
        {"sponsors_j1": False, "sponsors_h1b": True, "img_share": 50, "setting": "community"},
        "core",
        ["50% IMGs, community: core [APPLY-TIERS]"],
        [],
    ),
    (
        "Step 2 CK screen",
        {"exams": with_step2(226)},
        {"sponsors_j1": True, "step2_screen": 230},
        "excluded",
        ["Step 2 CK screen 230 > 226 [S2-SCREEN]"],
        [],
    ),
    (
        "Step 2 CK just over the screen",
        {"exams": with_step2(228)},
        {"sponsors_j1": True, "step2_screen": 225, "img_share": 50, "setting": "community"},
        "reach",
        ["Step 2 CK 228 clears the screen of 225 by 3 (under 5): reach [S2-SCREEN]"],
        [],
    ),
    (
        "often unfilled, IMG-friendly",
        {},
        {"sponsors_j1": True, "img_share": 71, "unfilled_after_match": [2025]},
        "safety",
        ["71% IMGs, unfilled after the 2025 Match: safety [APPLY-TIERS]"],
        [],
    ),
    (
        "unfilled, but long ago",
        {},
        {"sponsors_j1": True, "img_share": 71, "unfilled_after_match": [2022]},
        "core",
        ["71% IMGs, filled after the last 3 Matches: core [APPLY-TIERS]"],
        [],
    ),
    (
        "unfilled, few IMGs",
        {},
        {
            "sponsors_j1": True,
            "img_share": 12,
            "setting": "community",
            "unfilled_after_match": [2026],
        },
        "core",
        [
            "12% IMGs, community, unfilled after the 2026 Match (not a safety: under 20% IMGs): "
            "core [APPLY-TIERS]"
        ],
        [],
    ),
    (
        "few IMGs",
        {},
        {"sponsors_j1": True, "img_share": 7},
        "reach",
        ["7% IMGs (under 10%): reach [APPLY-TIERS]"],
        [],
    ),
    (
        "academic, few IMGs, low scores",
        {},
        {"sponsors_j1": True, "img_share": 15, "setting": "academic"},
        "reach",
        ["academic, 15% IMGs: many rarely rank IMGs with low scores: reach [P-GS-CAT]"],
        [],
    ),
    (
        "academic, same, strong scores",
        {"exams": with_step2(250)},
        {"sponsors_j1": True, "img_share": 15, "setting": "academic"},
        "core",
        ["15% IMGs, academic: core [APPLY-TIERS]"],
        [],
    ),
    (
        "first attempts only",
        {"exams": FAILED_STEP1},
        {"sponsors_j1": True, "first_attempt_only": True},
        "excluded",
        ["first-attempt passes only; Step 1 took more than one [ATTEMPTS]"],
        [],
    ),
    (
        "attempt policy unknown",
        {"exams": FAILED_STEP1},
        {"sponsors_j1": True, "img_share": 30},
        "core",
        ["30% IMGs: core [APPLY-TIERS]"],
        ["attempt policy unknown; Step 1 took more than one — verify [ATTEMPTS]"],
    ),
    (
        "graduated too long ago",
        {"graduation_year": 2014},
        {"sponsors_j1": True, "max_years_since_graduation": 5},
        "excluded",
        ["graduated 12 years ago > the 5 years it accepts [YOG-SCREEN]"],
        [],
    ),
    (
        "graduation year not on file",
        {"graduation_year": None},
        {"sponsors_j1": True, "max_years_since_graduation": 5, "img_share": 30},
        "core",
        ["30% IMGs: core [APPLY-TIERS]"],
        ["graduates of the last 5 years only; graduation year not on file — verify [YOG-SCREEN]"],
    ),
    (
        "USCE required, none",
        {"usce": []},
        {"sponsors_j1": True, "usce_required": True},
        "excluded",
        ["requires US clinical experience; none on file [USCE-SURG]"],
        [],
    ),
    (
        "every fact unknown: kept",
        {"usce": []},
        {},
        "core",
        ["IMG share unknown: core [APPLY-TIERS]"],
        [
            "J-1 sponsorship unknown — verify [VISA-FILTER]",
            "US clinical experience requirement unknown; none on file — verify [USCE-SURG]",
        ],
    ),
    (
        "several screens at once",
        {"exams": with_step2(221), "graduation_year": 2010},
        {"sponsors_j1": False, "step2_screen": 225, "max_years_since_graduation": 10},
        "excluded",
        [
            "no J-1 sponsorship [VISA-FILTER]",
            "Step 2 CK screen 225 > 221 [S2-SCREEN]",
            "graduated 16 years ago > the 10 years it accepts [YOG-SCREEN]",
        ],
        [],
    ),
    (
        "a US graduate: IMG share does not matter",
        {"applicant_type": "us_md", "visa": "none"},
        {"img_share": 5, "unfilled_after_match": [2026], "setting": "academic"},
        "safety",
        ["unfilled after the 2026 Match: safety [APPLY-TIERS]"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("changes", "facts", "where", "reasons", "checks"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_golden_screening_and_tiering(
    changes: dict[str, Any],
    facts: dict[str, Any],
    where: str,
    reasons: list[str],
    checks: list[str],
) -> None:
    who = profile(**changes)
    result = make_list(who, data(programme("Synthetic Test Hospital 001", **facts)))
    placed = everything(result)["Synthetic Test Hospital 001"]
    shown = placed.standing.value if placed.tier is None else placed.tier.value
    assert shown == where
    assert said(placed.reasons) == reasons
    assert said(placed.checks) == checks


def test_sizes_follow_the_strategy_and_a_short_tier_is_said_not_padded() -> None:
    who = profile()
    result = assess(who, ruleset=RULESET, as_of=AS_OF)
    counts = result.strategy.applications.by_track[Pathway.PRELIMINARY_SURGERY]
    # Plenty of core and safety programmes, two reaches.
    rows = [
        programme(f"Synthetic Core {n:03d}", sponsors_j1=True, img_share=30 + n % 40)
        for n in range(80)
    ]
    rows += [
        programme(
            f"Synthetic Safety {n:03d}", sponsors_j1=True, img_share=60, unfilled_after_match=[2026]
        )
        for n in range(30)
    ]
    rows += [programme(f"Synthetic Reach {n}", sponsors_j1=True, img_share=5) for n in range(2)]
    listing = make_list(who, data(*rows), track=Pathway.PRELIMINARY_SURGERY)
    (track,) = listing.tracks
    wanted = split(counts.max, {Tier.REACH: 0.2, Tier.CORE: 0.6, Tier.SAFETY: 0.2})
    assert sum(wanted.values()) == counts.max == track.wanted_max
    assert [(c.tier, c.wanted, c.listed, c.available) for c in track.tiers] == [
        (Tier.REACH, wanted[Tier.REACH], 2, 2),
        (Tier.CORE, wanted[Tier.CORE], wanted[Tier.CORE], 80),
        (Tier.SAFETY, wanted[Tier.SAFETY], wanted[Tier.SAFETY], 30),
    ]
    assert len(track.listed) == 2 + wanted[Tier.CORE] + wanted[Tier.SAFETY]
    assert len(track.reserve) == 80 + 30 - wanted[Tier.CORE] - wanted[Tier.SAFETY]
    assert all(p.standing is Standing.RESERVE for p in track.reserve)
    # No padding: every listed programme is in the tier its facts put it in.
    assert {p.programme.name[:15] for p in track.listed if p.tier is Tier.REACH} == {
        "Synthetic Reach"
    }
    assert (
        f"Reach: 2 of the {wanted[Tier.REACH]} wanted; the data holds no more that pass the "
        "screens, and the tier is not padded from the others [APPLY-TIERS]"
    ) in said(track.notes)
    # Core is filled with the most IMG-friendly first, ties by name.
    core = [p.programme for p in track.listed if p.tier is Tier.CORE]
    assert [p.img_share for p in core] == sorted((p.img_share or 0 for p in core), reverse=True)


def test_the_volume_shortfall_names_the_strategy_rule() -> None:
    who = profile()
    counts = assess(who, ruleset=RULESET, as_of=AS_OF).strategy.applications.by_track
    low, high = counts[Pathway.PRELIMINARY_SURGERY].min, counts[Pathway.PRELIMINARY_SURGERY].max
    listing = make_list(
        who, data(programme("Synthetic A", sponsors_j1=True)), track=Pathway.PRELIMINARY_SURGERY
    )
    assert (
        f"1 programme listed, under the {low}-{high} the strategy advises for preliminary "
        "surgery: add programmes to the data, or widen the tracks [APPLY-VOLUME-NONUS]"
    ) in said(listing.tracks[0].notes)


def test_integrated_plastics_lists_every_programme_as_a_reach_for_an_img() -> None:
    who = profile(targets=["integrated_plastics", "general_surgery"])
    rows = [
        programme(
            f"Synthetic Plastics {n}",
            track=ProgrammeTrack.INTEGRATED_PLASTICS,
            sponsors_j1=True,
            img_share=3,
        )
        for n in range(40)
    ]
    listing = make_list(who, data(*rows))
    plastics = next(t for t in listing.tracks if t.pathway is Pathway.INTEGRATED_PLASTICS)
    assert plastics.wanted_max is None
    assert len(plastics.listed) == 40
    assert not plastics.reserve
    assert {p.tier for p in plastics.listed} == {Tier.REACH}
    assert said(plastics.listed[0].reasons) == [
        "integrated plastic surgery for an IMG: a reach at best [PLASTICS-IMG]"
    ]


def test_blocked_routes_get_no_list() -> None:
    who = profile(visa="h1b")  # an H-1B without Step 3 blocks every Match route
    listing = make_list(who, data(programme("Synthetic A", sponsors_h1b=True)))
    assert listing.tracks == []
    assert said(listing.blocked) == [
        "Needs an H-1B and has no passed Step 3, which H-1B sponsorship requires [STEP3-H1B]"
    ]
    assert "No list: every Match route is blocked." in summary(listing)
    assert list_csv(listing).count("\n") == 1  # the header only


def test_a_blocked_track_asked_for_gets_no_list() -> None:
    # A ruleset where a failed attempt blocks the prelim route alone.
    prelim = "    block: *match_blocks\n  transitional_year:"
    text = BUNDLED.read_text()
    assert text.count(prelim) == 1
    custom = parse_ruleset(
        text.replace(
            prelim, "    block: [{when: failed_attempt, rule: ATTEMPTS}]\n  transitional_year:"
        )
    )
    who = profile(exams=FAILED_STEP1)
    listing = make_list(
        who, data(programme("Synthetic A")), track=Pathway.PRELIMINARY_SURGERY, ruleset=custom
    )
    assert listing.tracks == []
    assert listing.blocked_route is Pathway.PRELIMINARY_SURGERY
    assert [n.rule for n in listing.blocked] == ["ATTEMPTS"]
    assert "No list: preliminary surgery is blocked." in summary(listing)


def test_a_track_the_strategy_does_not_apply_to_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        make_list(profile(), data(programme("Synthetic A")), track=Pathway.INTEGRATED_PLASTICS)
    assert str(refused.value).startswith("track: the strategy applies to preliminary surgery, ")
    assert str(refused.value).endswith(
        "not integrated plastics: add it to the mentee's targets to list its programmes"
    )


def test_the_pivot_lists_the_ruleset_specialties() -> None:
    assert tracks_of(Pathway.PIVOT, RULESET) == {
        ProgrammeTrack.INTERNAL_MEDICINE,
        ProgrammeTrack.FAMILY_MEDICINE,
        ProgrammeTrack.PEDIATRICS,
        ProgrammeTrack.PSYCHIATRY,
        ProgrammeTrack.PATHOLOGY,
        ProgrammeTrack.NEUROLOGY,
    }
    assert tracks_of(Pathway.GENERAL_SURGERY, RULESET) == {ProgrammeTrack.GENERAL_SURGERY}


def test_old_data_is_said_to_be_old() -> None:
    listing = make_list(profile(), data(programme("Synthetic A"), as_of=date(2025, 6, 1)))
    assert said(listing.notes) == [
        "Some programme data is as of 2025-06-01, over a year old: sponsorship, screens and "
        "vacancies change every season, so verify [APPLY-TIERS]"
    ]


def test_split_adds_up() -> None:
    shares = {Tier.REACH: 0.2, Tier.CORE: 0.6, Tier.SAFETY: 0.2}
    for total in range(300):
        parts = split(total, shares)
        assert sum(parts.values()) == total
        assert all(abs(parts[t] - total * s) < 1 for t, s in shares.items())


def test_the_summary_of_the_example_data() -> None:
    """Tariq's list from the synthetic example file, as the CLI prints it (golden)."""
    tariq = MenteeRecord.model_validate_json(
        (GOLDEN.parents[1] / "examples" / "profiles" / "tariq-j1-prelim.json").read_text()
    ).profile()
    listing = make_list(tariq, example_data())
    text = summary(listing)
    path = GOLDEN / "list-tariq.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert text == path.read_text()
    rows = list_csv(listing).splitlines()
    counted = sum(len(t.listed) + len(t.reserve) + len(t.excluded) for t in listing.tracks)
    assert len(rows) == 1 + counted
    assert rows[1].startswith("preliminary_surgery,listed,reach,Synthetic ")


def test_the_thresholds_are_the_ruleset_s() -> None:
    """A programme changes a threshold in its ruleset file, not in code."""
    text = BUNDLED.read_text()
    assert "      img_friendly: 20 " in text
    stricter = parse_ruleset(text.replace("      img_friendly: 20 ", "      img_friendly: 80 "))
    row = programme("Synthetic A", sponsors_j1=True, img_share=71, unfilled_after_match=[2025])
    assert everything(make_list(profile(), data(row)))["Synthetic A"].tier is Tier.SAFETY
    placed = everything(make_list(profile(), data(row), ruleset=stricter))["Synthetic A"]
    assert placed.tier is Tier.CORE
    assert said(placed.reasons) == [
        "71% IMGs, unfilled after the 2025 Match (not a safety: under 80% IMGs): core [APPLY-TIERS]"
    ]
    with pytest.raises(RulesetError, match="few_imgs must not be above img_friendly"):
        parse_ruleset(text.replace("      few_imgs: 10 ", "      few_imgs: 30 "))
