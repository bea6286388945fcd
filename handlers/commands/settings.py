"""`settings`: the person's own time zone, quiet hours and reminder opt-outs."""

from __future__ import annotations

from bot.people import get_settings
from handlers.blocks.modals import settings_modal
from handlers.commands.parse import Command
from handlers.payloads import Origin
from handlers.runtime import Call


def settings_command(call: Call, cmd: Command) -> None:
    open_settings(call)


def open_settings(call: Call) -> None:
    with call.deps.db.unit_of_work() as session:
        current, slack_tz = get_settings(session, actor=call.actor)
    initial = {
        "tz": current.tz,
        "quiet_start": current.quiet_start,
        "quiet_end": current.quiet_end,
        "quiet_weekends": current.quiet_weekends,
        "opt_outs": [k.value for k in current.opt_outs],
    }
    view = settings_modal(initial, Origin(channel=call.channel_id).dump())
    if slack_tz:
        view["blocks"][0]["hint"]["text"] = f"Empty: your Slack time zone ({slack_tz})"
    call.open_modal(view)
