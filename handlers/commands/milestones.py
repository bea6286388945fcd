"""`milestone add|done|drop|list`."""

from __future__ import annotations

from bot.access import find_mentee
from bot.errors import validated
from bot.mentees.milestones import (
    MilestoneCreate,
    add_milestones,
    list_milestones,
    set_milestone_status,
)
from bot.vocab import MilestoneStatus
from handlers.blocks.lists import milestone_list, notice
from handlers.commands.parse import Command
from handlers.runtime import Call


def milestone_command(call: Call, cmd: Command) -> None:
    if cmd.verb == "add":
        assert cmd.title is not None
        assert cmd.day is not None
        mentee_id = call.target(cmd.mentee)
        create = validated(MilestoneCreate, {"title": cmd.title, "due_on": cmd.day})
        with call.deps.db.unit_of_work() as session:
            [added] = add_milestones(
                session, actor=call.actor, slack_user_id=mentee_id, milestones=[create]
            )
        call.reply(
            notice(f"Milestone #{added.id} for <@{mentee_id}>: {added.title}, due {added.due_on}.")
        )
    elif cmd.verb in ("done", "drop"):
        assert cmd.number is not None
        close_milestone(call, cmd.number, cmd.verb)
    else:
        show_milestones(call, call.target(cmd.mentee))


def close_milestone(call: Call, milestone_id: int, verb: str) -> None:
    status = MilestoneStatus.DONE if verb == "done" else MilestoneStatus.DROPPED
    with call.deps.db.unit_of_work() as session:
        m = set_milestone_status(
            session, actor=call.actor, milestone_id=milestone_id, status=status
        )
    call.reply(notice(f"Milestone #{m.id} ({m.title}) is {status}."))


def show_milestones(call: Call, mentee_id: str) -> None:
    with call.deps.db.unit_of_work() as session:
        items = list_milestones(session, actor=call.actor, slack_user_id=mentee_id)
        mentee = find_mentee(session, mentee_id)
        name = mentee.person.display_name if mentee else mentee_id
    call.reply(milestone_list(name, items, today=call.actor.now.date()))
