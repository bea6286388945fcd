"""The programme list's and the cohort report's messages: golden, valid per slack_sdk.models."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from bot.applications.dto import SavedListRead
from bot.applications.report import CohortReport, ReportRow
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.programmes.dto import ProgrammeList
from bot.programmes.listing import build_list
from bot.roster.schema import MenteeRecord
from handlers.blocks.programmes import list_message, report_message, saved_notice
from handlers.ids import Action
from handlers.payloads import ListRef, load_state
from tests.blockkit import assert_valid_message
from tests.factories import profile
from tests.programme_data import data, example_data, programme
from tests.test_blocks import golden

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 12, 2)
RULESET = load_ruleset()


def tariq_list() -> ProgrammeList:
    tariq = MenteeRecord.model_validate_json(
        (ROOT / "examples" / "profiles" / "tariq-j1-prelim.json").read_text()
    ).profile()
    result = assess(tariq, ruleset=RULESET, as_of=AS_OF)
    return build_list(tariq, assessment=result, data=example_data(), ruleset=RULESET)


def test_the_list_summary_of_the_example_data() -> None:
    listing = tariq_list()
    ref = ListRef(mentee="UMENTEE1", version=3, as_of=AS_OF).dump()
    payload = list_message(listing, mentee_id="UMENTEE1", save_value=ref)
    assert_valid_message(payload)
    golden("list-tariq", payload)
    text = json.dumps(payload)
    # Counts per tier, exclusions counted by rule, the first lines with their reasons.
    for track in listing.tracks:
        for count in track.tiers:
            assert f"{count.tier.value.capitalize()} {count.listed}" in text
        for rule, n in track.excluded_by_rule.items():
            assert f"`{rule}` {n}" in text
    first = next(p for p in listing.tracks[0].listed)
    assert first.programme.name in text
    assert f"[{first.reasons[0].rule}]" in text
    [button] = payload["blocks"][-1]["elements"]
    assert button["action_id"] == Action.SAVE_LIST
    assert load_state(ListRef, button["value"]) == ListRef(
        mentee="UMENTEE1", version=3, as_of=AS_OF
    )


def test_a_blocked_route_says_why_and_offers_no_save() -> None:
    who = profile(visa="h1b")  # an H-1B without Step 3 blocks every Match route
    result = assess(who, ruleset=RULESET, as_of=AS_OF)
    listing = build_list(
        who,
        assessment=result,
        data=data(programme("Synthetic A <b>", sponsors_h1b=True)),
        ruleset=RULESET,
    )
    payload = list_message(listing, mentee_id="UMENTEE1", save_value=None)
    assert_valid_message(payload)
    golden("list-blocked", payload)
    text = json.dumps(payload)
    assert "No list: every Match route is blocked." in text
    assert "[STEP3-H1B]" in text
    assert all(b["type"] != "actions" for b in payload["blocks"])


def test_programme_names_from_the_file_are_escaped() -> None:
    who = profile()
    result = assess(who, ruleset=RULESET, as_of=AS_OF)
    listing = build_list(
        who,
        assessment=result,
        data=data(programme("Synthetic <!channel> & Co", sponsors_j1=True, img_share=50)),
        ruleset=RULESET,
    )
    payload = list_message(listing, mentee_id="UMENTEE1", save_value=None)
    assert_valid_message(payload)
    text = json.dumps(payload)
    assert "<!channel>" not in text
    assert "Synthetic &lt;!channel&gt; &amp; Co" in text


def row(count_of: str, **counts: int) -> ReportRow:
    base = dict.fromkeys(
        ("listed", "applied", "invited", "interviewed", "ranked", "matched", "not_matched"), 0
    )
    return ReportRow.model_validate(
        {"count_of": count_of, "track": None, "applicant_type": None, "open": 0, **base, **counts}
    )


def test_the_report_message() -> None:
    report = CohortReport(
        season=2027,
        scope="your mentees",
        rows=[
            row(
                "applications", listed=10, applied=7, invited=4, interviewed=2, ranked=2, matched=1
            ),
            row("mentees", mentees=4, listed=3, matched=1, not_matched=1, open=1),
        ],
    )
    payload = report_message(report)
    assert_valid_message(payload)
    golden("report-2027", payload)
    assert payload["text"] == (
        "Cohort report, 2027 season (your mentees): 3 mentees with a list, 10 applications; "
        "applied 7, invited 4, interviewed 2, ranked 2, matched 1. Mentees matched 1, not "
        "matched 1, still open 1."
    )


def test_the_saved_notice() -> None:
    saved = SavedListRead(
        id=1,
        season=2028,
        dataset_version=3,
        ruleset_version="2026.11",
        saved_by="UMENTOR1",
        saved_at=datetime(2026, 12, 2, tzinfo=UTC),
        added=80,
        kept=2,
        dropped=1,
    )
    assert saved_notice(saved, "UMENTEE1") == (
        "Saved as <@UMENTEE1>'s list for the 2028 season (data version 3): 80 new applications "
        "planned, 2 kept as they were, 1 planned ones dropped."
    )
