"""Admin subcommands: `assign`, `unassign`, `export`, `forget`."""

from __future__ import annotations

from bot.errors import AccessDenied
from bot.mentees.enrolment import assign, unassign
from bot.mentees.service import forget
from bot.roster.service import export_roster
from handlers.blocks.kit import actions, button, confirm_dialog, message, section
from handlers.blocks.lists import notice
from handlers.commands.parse import Command
from handlers.ids import Action, Sub
from handlers.payloads import MenteeRef
from handlers.runtime import Call


def assignment_command(call: Call, cmd: Command) -> None:
    assert cmd.mentee is not None
    assert cmd.others
    mentor = cmd.others[0]
    change = assign if cmd.sub is Sub.ASSIGN else unassign
    with call.deps.db.unit_of_work() as session:
        change(session, actor=call.actor, mentee_slack_id=cmd.mentee, mentor_slack_id=mentor)
    verb = "now mentors" if cmd.sub is Sub.ASSIGN else "no longer mentors"
    call.reply(notice(f"<@{mentor}> {verb} <@{cmd.mentee}>."))


def export_command(call: Call, cmd: Command) -> None:
    """The mentee's data as a JSON file, sent to the admin's DM (never a channel)."""
    assert cmd.mentee is not None
    with call.deps.db.unit_of_work() as session:
        roster = export_roster(session, actor=call.actor, mentee_slack_id=cmd.mentee)
    dm = call.client.conversations_open(users=call.actor.slack_user_id)["channel"]["id"]
    call.client.files_upload_v2(
        channel=dm,
        content=roster.model_dump_json(indent=2),
        filename=f"matchpath-{cmd.mentee}.json",
        title=f"MatchPath export: {cmd.mentee}",
        initial_comment="The export you asked for. It holds sensitive data: keep it private.",
    )
    call.reply(notice(f"Sent the export of <@{cmd.mentee}> to your DM with MatchPath."))


def forget_command(call: Call, cmd: Command) -> None:
    """Ask first: the button carries a confirm dialog; deletion happens on its click."""
    assert cmd.mentee is not None
    if not call.actor.is_admin:
        raise AccessDenied("Only a MatchPath admin can do that.")
    ref = MenteeRef(mentee=cmd.mentee).dump()
    dialog = confirm_dialog(
        "Forget this mentee?",
        f"Every record of <@{cmd.mentee}> is deleted for good. Only the audit trail keeps the "
        "fact of the deletion.",
        "Delete for good",
    )
    call.reply(
        message(
            [
                section(f"Delete all MatchPath data about <@{cmd.mentee}>?"),
                actions(
                    button(
                        "Delete for good…",
                        Action.FORGET_CONFIRM,
                        ref,
                        style="danger",
                        confirm=dialog,
                    )
                ),
            ],
            "Confirm the deletion",
        )
    )


def forget_confirmed(call: Call, mentee_id: str) -> None:
    with call.deps.db.unit_of_work() as session:
        forget(session, actor=call.actor, slack_user_id=mentee_id)
    call.reply(notice(f"All MatchPath data about <@{mentee_id}> is deleted."))
