"""The season's funnel on the dashboard card and the profile: shown only once the mentee has
applications, golden, valid per slack_sdk.models."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.applications.dto import Funnel, SeasonFunnel
from bot.dashboards.card import CardView
from handlers.blocks.dashboard import card_message
from handlers.blocks.profile import profile_card
from tests.blockkit import assert_valid_message
from tests.test_blocks import TODAY, golden, mentee_read

# Mentee 1 of the hand-counted cohort (tests/applications_world.py): after the 2028 Match.
MATCHED = SeasonFunnel(
    season=2028,
    funnel=Funnel(
        listed=5, applied=4, invited=3, interviewed=1, ranked=1, matched=1, withdrawn=1, declined=1
    ),
)
NOT_MATCHED = SeasonFunnel(
    season=2028,
    funnel=Funnel(
        listed=3,
        applied=2,
        invited=1,
        interviewed=1,
        ranked=1,
        not_matched=1,
        withdrawn=1,
        declined=1,
    ),
)
OPEN = SeasonFunnel(season=2028, funnel=Funnel(listed=2, applied=1))


def card_view(applications: SeasonFunnel | None) -> CardView:
    return CardView(
        mentee_slack_id="UMENTEE1",
        name="Tariq Haddad",
        applicant_type="non_us_img",
        visa="j1",
        status="active",
        targets=["preliminary_surgery", "general_surgery"],
        exams={"step1": "Pass", "step2ck": "226", "step3": "—"},
        research=2,
        plastics_research=0,
        strong_us_letters=1,
        usce_weeks=8,
        cycles=["2027: unmatched"],
        verdicts={"preliminary_surgery": "realistic", "general_surgery": "reach"},
        flags=["STAG-REAPPLY"],
        next_milestones=["Book Step 3 (2027-01-15)"],
        last_check_in=date(2026, 10, 1),
        next_check_in=date(2027, 3, 30),
        season="2028 · interview season · applied, 3 interview invitations",
        applications=applications,
    )


def test_the_card_shows_the_seasons_funnel() -> None:
    payload = card_message(card_view(MATCHED))
    assert_valid_message(payload)
    golden("card-tariq-funnel", payload)
    text = json.dumps(payload, ensure_ascii=False)
    assert "*Applications* (2028 season, 5 programmes on the list)" in text
    assert "Applied 4 · Invited 3 · Interviewed 1 · Ranked 1 · Outcome: matched" in text


def test_the_profile_shows_the_seasons_funnel() -> None:
    mentee = mentee_read().model_copy(update={"applications": MATCHED})
    payload = profile_card(mentee, today=TODAY)
    assert_valid_message(payload)
    golden("profile-tariq-funnel", payload)


@pytest.mark.parametrize(
    ("applications", "said"),
    [
        (MATCHED, "Outcome: matched"),
        (NOT_MATCHED, "Applied 2 · Invited 1 · Interviewed 1 · Ranked 1 · Outcome: not matched"),
        (OPEN, "Applied 1 · Invited 0 · Interviewed 0 · Ranked 0 · Outcome: open"),
    ],
)
def test_each_outcome_on_the_card_and_the_profile(applications: SeasonFunnel, said: str) -> None:
    card = card_message(card_view(applications))
    profile = profile_card(
        mentee_read().model_copy(update={"applications": applications}), today=TODAY
    )
    for payload in (card, profile):
        assert_valid_message(payload)
        assert said in json.dumps(payload, ensure_ascii=False)


def test_without_applications_there_is_no_funnel() -> None:
    for payload in (card_message(card_view(None)), profile_card(mentee_read(), today=TODAY)):
        assert_valid_message(payload)
        assert "Applications" not in json.dumps(payload, ensure_ascii=False)
