"""`checkin` and `flags` (mentors and admins)."""

from __future__ import annotations

from bot.access import Capability, mentee_for
from bot.errors import validated
from bot.flags.service import list_flags
from bot.mentees.checkins import CheckInCreate, record_check_in
from handlers.blocks.lists import flag_list, notice
from handlers.blocks.modals import checkin_modal
from handlers.commands.parse import Command
from handlers.payloads import MenteeRef
from handlers.runtime import Call


def checkin_command(call: Call, cmd: Command) -> None:
    assert cmd.mentee is not None
    if not cmd.notes:
        open_checkin_form(call, cmd.mentee)
        return
    with call.deps.db.unit_of_work() as session:
        record_check_in(
            session,
            actor=call.actor,
            slack_user_id=cmd.mentee,
            check_in=validated(CheckInCreate, {"notes": cmd.notes}),
        )
    call.reply(
        notice(
            f"Check-in with <@{cmd.mentee}> recorded. Did you ask how they are doing? (WELLBEING)"
        )
    )


def open_checkin_form(call: Call, mentee_id: str) -> None:
    with call.deps.db.unit_of_work() as session:
        mentee_for(session, call.actor, mentee_id, Capability.CHECKIN, "checkin.form")
    call.open_modal(checkin_modal(MenteeRef(mentee=mentee_id, channel=call.channel_id).dump()))


def flags_command(call: Call, cmd: Command) -> None:
    with call.deps.db.unit_of_work() as session:
        flags = list_flags(session, actor=call.actor, slack_user_id=cmd.mentee)
    call.reply(flag_list(flags))
