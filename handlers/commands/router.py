"""The `/matchpath` listener: ack, parse, hand the subcommand to its handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers.blocks.help import help_message
from handlers.blocks.lists import mentee_picker
from handlers.commands.admin import assignment_command, export_command, forget_command
from handlers.commands.applications import applications_command
from handlers.commands.assessment import show_assessment, show_plan
from handlers.commands.calendar import calendar_command
from handlers.commands.dashboard import dashboard_command
from handlers.commands.items import log_command
from handlers.commands.mentoring import checkin_command, flags_command
from handlers.commands.milestones import milestone_command
from handlers.commands.parse import Command, UsageError, parse
from handlers.commands.profile import show_profile, start_enrolment
from handlers.commands.programmes import list_command, report_command
from handlers.commands.settings import settings_command
from handlers.ids import Sub
from handlers.metrics import command_answered, observed_command
from handlers.runtime import Call, Deps, MenteeNeeded, Reply, answering

Handler = Callable[[Call, Command], None]
SUBCOMMANDS: dict[Sub, Handler] = {
    Sub.ENROLL: start_enrolment,
    Sub.ASSIGN: assignment_command,
    Sub.UNASSIGN: assignment_command,
    Sub.PROFILE: show_profile,
    Sub.ASSESS: show_assessment,
    Sub.LOG: log_command,
    Sub.MILESTONE: milestone_command,
    Sub.PLAN: show_plan,
    Sub.LIST: list_command,
    Sub.REPORT: report_command,
    Sub.CHECKIN: checkin_command,
    Sub.FLAGS: flags_command,
    Sub.SETTINGS: settings_command,
    Sub.EXPORT: export_command,
    Sub.FORGET: forget_command,
    Sub.DASHBOARD: dashboard_command,
    Sub.APPLICATIONS: applications_command,
    Sub.CALENDAR: calendar_command,
}
# Subcommands about one mentee that, naming nobody, mean the person typing them.
PICKABLE = {Sub.PROFILE, Sub.ASSESS, Sub.LOG, Sub.MILESTONE, Sub.PLAN, Sub.APPLICATIONS}


def run_subcommand(call: Call, cmd: Command, text: str) -> None:
    """Run one subcommand; a mentor or admin who named nobody is asked which mentee."""
    try:
        SUBCOMMANDS[cmd.sub](call, cmd)
    except MenteeNeeded as need:
        call.reply(mentee_picker(need.mentees, text))


def register(app: App, deps: Deps) -> None:
    @app.command("/matchpath")
    def handle_matchpath_command(
        ack: Ack,
        command: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        try:
            cmd = parse(command.get("text", ""))
        except UsageError as exc:
            ack(**help_message(str(exc), exc.sub), response_type="ephemeral")
            command_answered(exc.sub, "usage")
            return
        if cmd.sub not in SUBCOMMANDS:
            ack(**help_message(), response_type="ephemeral")
            command_answered(cmd.sub, "help")
            return
        ack()
        user = command["user_id"]
        call = Call(
            deps=deps,
            actor=context["actor"],
            client=client,
            reply=Reply(
                client=client,
                user_id=user,
                response_url=command.get("response_url"),
                channel_id=command.get("channel_id"),
            ),
            trigger_id=command.get("trigger_id"),
            channel_id=command.get("channel_id"),
        )
        with answering(call.reply, f"/matchpath {cmd.sub}"), observed_command(cmd.sub):
            run_subcommand(call, cmd, " ".join(str(command.get("text", "")).split()))
