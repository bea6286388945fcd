"""`dashboard [@mentor]` (the roster) and `dashboard channel #private-channel` (admins)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.dashboards.roster import build_roster
from bot.dashboards.service import change_channel, share_assessment
from bot.errors import InvalidInput
from bot.mentees.assessments import assess_mentee
from handlers.blocks.dashboard import roster_pages, roster_summary
from handlers.blocks.lists import notice
from handlers.commands.parse import Command
from handlers.runtime import Call


def dashboard_command(call: Call, cmd: Command) -> None:
    if cmd.verb == "channel":
        assert cmd.channel is not None
        set_channel(call, cmd.channel)
        return
    with call.deps.db.unit_of_work() as session:
        view = build_roster(session, actor=call.actor, mentor_slack_id=cmd.mentee)
    scope = f"<@{cmd.mentee}>" if cmd.mentee else ("everyone" if call.actor.is_admin else "you")
    summary = roster_summary(view, scope)
    pages = roster_pages(view, workspace_link(call))
    channel = call.channel_id or ""
    if channel[:1] in ("C", "G") and is_private(call, channel):
        parent = call.client.chat_postMessage(channel=channel, **summary)
        for page in pages:
            call.client.chat_postMessage(channel=channel, thread_ts=parent["ts"], **page)
        return
    # Not a private channel: only the asker may see it.
    call.reply(summary)
    for page in pages:
        call.reply(page)


def set_channel(call: Call, channel: str) -> None:
    private = is_private(call, channel)
    with call.deps.db.unit_of_work() as session:
        change_channel(session, actor=call.actor, channel_id=channel, is_private=private)
    call.reply(notice(f"Dashboards now live in <#{channel}>. Cards appear within a minute."))


def share(call: Call, mentee_id: str) -> None:
    with call.deps.db.unit_of_work() as session:
        result = assess_mentee(
            session, actor=call.actor, slack_user_id=mentee_id, ruleset=call.deps.ruleset
        )
        share_assessment(session, actor=call.actor, slack_user_id=mentee_id, assessment=result)
    call.reply(notice(f"Posted to <@{mentee_id}>'s dashboard thread."))


def is_private(call: Call, channel: str) -> bool:
    try:
        info = call.client.conversations_info(channel=channel)["channel"]
    except SlackApiError:
        raise InvalidInput.single(
            "channel", "MatchPath cannot see that channel: invite it there first"
        ) from None
    return bool(info.get("is_private")) and not info.get("is_im")


def workspace_link(call: Call) -> str | None:
    try:
        url = call.client.auth_test().get("url")
    except SlackApiError:
        return None
    return str(url) if url else None
