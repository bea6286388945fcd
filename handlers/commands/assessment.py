"""`assess` and `plan`."""

from __future__ import annotations

from bot.access import find_mentee
from bot.dashboards.outbox import dashboard_channel
from bot.mentees.assessments import assess_mentee
from bot.plans.service import preview_plan, save_plan
from bot.vocab import plural
from handlers.blocks.assessment import assessment_message
from handlers.blocks.lists import notice, plan_preview
from handlers.commands.parse import Command
from handlers.runtime import Call


def show_assessment(call: Call, cmd: Command) -> None:
    run_assessment(call, call.target(cmd.mentee))


def run_assessment(call: Call, mentee_id: str) -> None:
    deps = call.deps
    with deps.db.unit_of_work() as session:
        result = assess_mentee(
            session, actor=call.actor, slack_user_id=mentee_id, ruleset=deps.ruleset
        )
        dashboards = dashboard_channel(session) is not None
    # Allowed to read it and not the mentee: an admin or one of their mentors.
    staff = call.actor.is_admin or call.actor.slack_user_id != mentee_id
    shareable = staff and dashboards
    call.reply(assessment_message(result, mentee_id=mentee_id, shareable=shareable))


def show_plan(call: Call, cmd: Command) -> None:
    mentee_id = call.target(cmd.mentee)
    with call.deps.db.unit_of_work() as session:
        plan = preview_plan(
            session, actor=call.actor, slack_user_id=mentee_id, ruleset=call.deps.ruleset
        )
        name = find_mentee(session, mentee_id)
        display = name.person.display_name if name else mentee_id
    call.reply(plan_preview(display, mentee_id, plan))


def store_plan(call: Call, mentee_id: str) -> None:
    with call.deps.db.unit_of_work() as session:
        saved = save_plan(
            session, actor=call.actor, slack_user_id=mentee_id, ruleset=call.deps.ruleset
        )
    if saved:
        call.reply(notice(f"Saved {plural(len(saved), 'milestone')} for <@{mentee_id}>."))
    else:
        call.reply(notice("Those milestones were already saved."))
