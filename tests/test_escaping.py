"""User text never pings or links: every field Slack renders as mrkdwn, the `text` fallback
included, escapes it, in every message and view MatchPath builds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.dashboards.card import CardView
from bot.dashboards.roster import RosterLine, RosterView
from bot.flags.service import FlagRead
from bot.mentees.dto import MenteeRead, MenteeSummary, MilestoneRead, PersonRef
from bot.plans.builder import build_plan
from bot.reminders.ports import Intent, Notice, NoticeButton
from bot.vocab import FlagState, MenteeStatus, MilestoneStatus
from handlers.blocks.assessment import assessment_message
from handlers.blocks.dashboard import card_message, roster_pages, roster_summary, thread_line
from handlers.blocks.help import help_message
from handlers.blocks.home import HomeData, home_view
from handlers.blocks.lists import flag_list, milestone_list, notice, plan_preview
from handlers.blocks.profile import profile_card
from handlers.blocks.reminders import reminder_message
from tests.test_assessment_golden import example

OURS = {"UMENTEE1", "UMENTOR1"}  # the only people our own words mention
OUR_LINK = "https://ours.example/"  # the workspace's link to a card's old thread
CONTROL = re.compile(r"<([!#]|(?P<link>https?:[^|>]*)|mailto:|@(?P<user>[UW][A-Z0-9]+))")
user_text = st.lists(
    st.sampled_from(
        [
            *("<!channel>", "<!everyone>", "<!here>", "<https://evil.example|click me>"),
            *("<@UBOSS1>", "<#C0GENERAL>", "<!subteam^S1>", "<mailto:a@b.c|mail>"),
            *("&", "<", ">", "|", "a", " "),
        ]
    )
    | st.text(max_size=5),
    min_size=1,
    max_size=8,
).map("".join)


def rendered(payload: Any) -> list[str]:
    """Every string Slack renders as mrkdwn: `text` fallbacks and mrkdwn text objects."""
    found: list[str] = []
    if isinstance(payload, dict):
        if isinstance(payload.get("text"), str) and payload.get("type") != "plain_text":
            found.append(payload["text"])
        for value in payload.values():
            found += rendered(value)
    elif isinstance(payload, list):
        for item in payload:
            found += rendered(item)
    return found


def assert_inert(payload: Any, *, asker_only: bool = False, ours: set[str] = OURS) -> None:
    """No broadcast, channel link, URL or mention came from user text. A reply only the asker
    sees may name people the asker typed: a mention there notifies nobody."""
    texts = rendered(payload)
    assert texts
    for shown in texts:
        for control in CONTROL.finditer(shown):
            user, link = control.group("user"), control.group("link") or ""
            allowed = user in ours or (asker_only and user) or link.startswith(OUR_LINK)
            assert allowed, (control.group(), shown)


def payloads(t: str) -> list[Any]:
    """Each builder with the user text in every slot a person can fill."""
    today = date(2026, 11, 22)
    ruleset = load_ruleset()
    profile = example("tariq-j1-prelim").model_copy(update={"name": t})
    mentee = MenteeRead(
        id=1,
        person=PersonRef(slack_user_id="UMENTEE1", name=t),
        tz=None,
        status=MenteeStatus.ACTIVE,
        checkpoint_cadence_days=180,
        notes=t,
        profile=profile,
        mentors=[PersonRef(slack_user_id="UMENTOR1", name=t)],
        last_check_in=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    milestone = MilestoneRead(
        id=1,
        mentee_id=1,
        title=t,
        kind="free",
        rule=None,
        due_on=today,
        status=MilestoneStatus.OPEN,
        completed_on=None,
    )
    flag = FlagRead(
        id=1,
        mentee=PersonRef(slack_user_id="UMENTEE1", name=t),
        rule="STAG-REAPPLY",
        detail=t,
        state=FlagState.OPEN,
        raised_at=datetime(2026, 1, 1, tzinfo=UTC),
        snoozed_until=None,
    )
    result = assess(profile, ruleset=ruleset, as_of=today)
    card = CardView(
        mentee_slack_id="UMENTEE1",
        name=t,
        applicant_type="non_us_img",
        visa="j1",
        status="active",
        targets=["general_surgery"],
        exams={"step1": "213", "step2ck": "230", "step3": "—"},
        research=1,
        plastics_research=0,
        strong_us_letters=1,
        usce_weeks=8,
        cycles=[],
        verdicts={"general_surgery": "reach"},
        flags=["STAG-REAPPLY"],
        next_milestones=[f"{t} (2027-01-15)"],
        last_check_in=None,
        next_check_in=today,
        previous_thread="1.2",
    )
    line = RosterLine(
        slack_user_id="UMENTEE1",
        name=t,
        open_flags=1,
        overdue_milestones=0,
        overdue_checkin=True,
        card_channel=None,
        card_ts=None,
    )
    roster = RosterView(
        mentees=1, open_flags=1, overdue_checkins=1, overdue_milestones=0, groups={t: [line]}
    )
    summary = MenteeSummary(
        id=1,
        person=PersonRef(slack_user_id="UMENTEE1", name=t),
        status=MenteeStatus.ACTIVE,
        applicant_type="non_us_img",
        targets=[],
    )
    reminder = Notice(
        kind="milestone_due",
        title=f"{t}'s milestone is due today",
        lines=[f"*{t}* (#1), due {today}", f"• {t}: open flag STAG-REAPPLY"],
        why=t,
        rule=None,
        buttons=[NoticeButton(label="Open profile", intent=Intent.OPEN_PROFILE, mentee="UMENTEE1")],
    )
    return [
        thread_line(f"Logged: strong letter from {t} (<@UMENTOR1>)"),
        thread_line(f"Milestone overdue: {t} (due 2026-11-01)"),
        card_message(card, previous_link="<https://ours.example/archives/G1/p12|earlier thread>"),
        reminder_message(reminder),
        assessment_message(result, mentee_id="UMENTEE1", shareable=True),
        profile_card(mentee, today=today),
        milestone_list(t, [milestone], today=today),
        plan_preview(t, "UMENTEE1", build_plan(profile, result, ruleset=ruleset, as_of=today)),
        flag_list([flag]),
        roster_summary(roster, t),
        *roster_pages(roster, None),
        home_view(
            HomeData(own=mentee, own_milestones=[milestone], own_flags=[flag], roster=[summary]),
            today=today,
        ),
    ]


def replies(t: str) -> list[Any]:
    return [
        notice(f"Milestone #1 for <@UMENTEE1>: {t}, due 2027-01-15."),
        notice(f"Logged for <@UMENTEE1>: strong letter from {t}."),
        help_message(f"there is no `{t}` subcommand"),
    ]


@given(user_text)
@settings(max_examples=60, deadline=None)
def test_user_text_is_inert_in_every_rendered_field(t: str) -> None:
    for payload in payloads(t):
        assert_inert(payload)
    for payload in replies(t):
        assert_inert(payload, asker_only=True)


def test_our_own_links_and_mentions_still_work() -> None:
    texts = rendered(payloads("Maya")[:3] + replies("Maya"))
    assert any("<@UMENTEE1>" in s for s in texts)
    assert any(s.endswith("(<@UMENTOR1>)") for s in texts)  # who did it, in the thread
    assert any("<https://ours.example/archives/G1/p12|earlier thread>" in s for s in texts)
    assert "&lt;!channel&gt;" in notice("<!channel>")["text"]
