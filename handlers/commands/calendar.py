"""`calendar [reset|off]`: the person's own calendar feed (bot/calendar)."""

from __future__ import annotations

from bot.calendar.service import calendar_link, reset_calendar, revoke_calendar
from handlers.blocks.calendar import (
    calendar_known_message,
    calendar_link_message,
    calendar_off_message,
)
from handlers.blocks.lists import notice
from handlers.calendar_feed import feed_url
from handlers.commands.parse import Command
from handlers.runtime import Call

NOT_SET_UP = (
    "Calendar feeds are not set up here: MatchPath needs the address people reach it at "
    "(an admin sets MATCHPATH_PUBLIC_URL)."
)


def calendar_command(call: Call, cmd: Command) -> None:
    """The link goes to the asker alone (an ephemeral reply), never to a channel or a log."""
    if cmd.verb == "off":
        with call.deps.db.unit_of_work() as session:
            was_on = revoke_calendar(session, actor=call.actor)
        call.reply(calendar_off_message(was_on))
        return
    public_url = call.deps.settings.public_url
    if public_url is None:
        call.reply(notice(NOT_SET_UP))
        return
    reset = cmd.verb == "reset"
    with call.deps.db.unit_of_work() as session:
        change = reset_calendar if reset else calendar_link
        link = change(session, actor=call.actor)
    if link.token is None:
        call.reply(calendar_known_message(link.created_at, link.last_used_at))
    else:
        call.reply(calendar_link_message(feed_url(public_url, link.token), reset=reset))
