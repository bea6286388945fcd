"""Button clicks. Each parses its value (never trusted for authorisation) and calls one handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.flags.service import snooze_flag
from bot.mentees.milestones import milestone_by_id, reschedule_milestone
from handlers.blocks.lists import notice
from handlers.blocks.modals import resolve_modal
from handlers.commands.admin import forget_confirmed
from handlers.commands.applications import open_statuses, status_picked
from handlers.commands.assessment import run_assessment, store_plan
from handlers.commands.dashboard import share
from handlers.commands.items import open_item_form
from handlers.commands.mentoring import open_checkin_form
from handlers.commands.milestones import close_milestone
from handlers.commands.parse import Command, UsageError, parse
from handlers.commands.profile import open_profile_editor, show_profile
from handlers.commands.programmes import save_list_clicked
from handlers.commands.router import PICKABLE, run_subcommand
from handlers.commands.settings import open_settings
from handlers.ids import Action, Sub
from handlers.payloads import FlagRef, ItemForm, MenteePick, MenteeRef, MilestoneRef, load_state
from handlers.runtime import Call, Deps, Reply, answering

ActionHandler = Callable[[Call, str], None]


def _mentee(fn: Callable[[Call, str], None]) -> ActionHandler:
    return lambda call, value: fn(call, load_state(MenteeRef, value).mentee)


def _milestone(verb: str) -> ActionHandler:
    return lambda call, value: close_milestone(
        call, load_state(MilestoneRef, value).milestone, verb
    )


def _item(call: Call, value: str) -> None:
    form = load_state(ItemForm, value)
    open_item_form(call, form.mentee, form.kind)


def _snooze_milestone(call: Call, value: str) -> None:
    ref = load_state(MilestoneRef, value)
    today = call.actor.now.date()
    with call.deps.db.unit_of_work() as session:
        current = milestone_by_id(session, actor=call.actor, milestone_id=ref.milestone)
        moved = reschedule_milestone(
            session,
            actor=call.actor,
            milestone_id=ref.milestone,
            due_on=max(current.due_on, today) + timedelta(days=7),
        )
    call.reply(notice(f"Milestone #{moved.id} ({moved.title}) moved to {moved.due_on}."))


def _snooze(call: Call, value: str) -> None:
    ref = load_state(FlagRef, value)
    with call.deps.db.unit_of_work() as session:
        flag = snooze_flag(session, actor=call.actor, flag_id=ref.flag, days=7)
    call.reply(notice(f"Flag `{flag.rule}` on {flag.mentee.name} snoozed for a week."))


def _resolve(call: Call, value: str) -> None:
    ref = load_state(FlagRef, value)
    metadata = FlagRef(flag=ref.flag, channel=call.channel_id).dump()
    call.open_modal(resolve_modal(metadata))


def _pick(call: Call, value: str) -> None:
    """A "which mentee?" button: the command as typed, for the mentee picked. The value is not
    trusted: it must still be a command about one unnamed mentee, and access is checked as if
    the mentee had been named."""
    pick = load_state(MenteePick, value)
    try:
        cmd = parse(pick.text)
    except UsageError:
        cmd = None
    if cmd is None or cmd.sub not in PICKABLE or cmd.mentee is not None:
        raise InvalidInput.single("request", "this button is out of date; type the command again")
    run_subcommand(call, replace(cmd, mentee=pick.mentee), pick.text)


ACTIONS: dict[Action, ActionHandler] = {
    Action.EDIT_PROFILE: _mentee(open_profile_editor),
    Action.OPEN_PROFILE: _mentee(lambda call, m: show_profile(call, Command(Sub.PROFILE, m))),
    Action.ASSESS: _mentee(run_assessment),
    Action.RECORD_CHECKIN: _mentee(open_checkin_form),
    Action.LOG_ITEM: _item,
    Action.MILESTONE_DONE: _milestone("done"),
    Action.MILESTONE_DROP: _milestone("drop"),
    Action.MILESTONE_SNOOZE: _snooze_milestone,
    Action.SAVE_PLAN: _mentee(store_plan),
    Action.SAVE_LIST: save_list_clicked,
    Action.SHARE_ASSESSMENT: _mentee(share),
    Action.FLAG_SNOOZE: _snooze,
    Action.FLAG_RESOLVE: _resolve,
    Action.FORGET_CONFIRM: _mentee(forget_confirmed),
    Action.OPEN_SETTINGS: lambda call, value: open_settings(call),
    Action.PICK_MENTEE: _pick,
    Action.PICK_APPLICATION: status_picked,
    Action.OPEN_APPLICATIONS: _mentee(open_statuses),
}


def register(app: App, deps: Deps) -> None:
    for action_id, handler in ACTIONS.items():
        app.action(action_id)(_listener(deps, action_id, handler))


def _listener(deps: Deps, action_id: str, handler: ActionHandler) -> Callable[..., None]:
    def on_click(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        call = Call(
            deps=deps,
            actor=context["actor"],
            client=client,
            reply=Reply(
                client=client,
                user_id=user,
                response_url=body.get("response_url"),
                channel_id=channel,
            ),
            trigger_id=body.get("trigger_id"),
            channel_id=channel,
        )
        with answering(call.reply, f"action {action_id}"):
            handler(call, str(action.get("value") or ""))

    on_click.__name__ = f"on_{action_id.replace('.', '_')}_click"
    return on_click
