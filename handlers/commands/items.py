"""`log KIND [@mentee] [inline values]`: inline for exams and practice scores, else a form;
`log STATUS …` is an application's new status (handlers/commands/applications.py)."""

from __future__ import annotations

from pydantic import BaseModel

from bot.access import Capability, mentee_for
from bot.errors import validated
from bot.mentees.cycles import record_interviews
from bot.mentees.items import log_item
from bot.profile.schema import ExamIn, PracticeScoreIn
from bot.vocab import plural
from handlers.blocks.lists import notice
from handlers.blocks.modals import item_modal
from handlers.commands.applications import log_status_command
from handlers.commands.parse import Command
from handlers.payloads import ItemForm, ItemKind
from handlers.runtime import Call

INLINE: dict[str, type[BaseModel]] = {"exam": ExamIn, "practice": PracticeScoreIn}


def log_command(call: Call, cmd: Command) -> None:
    if cmd.status is not None:
        log_status_command(call, cmd)
        return
    mentee_id = call.target(cmd.mentee)
    if cmd.verb == "interviews":
        log_interviews(call, mentee_id, cmd.number or 0)
        return
    kind: ItemKind = cmd.verb  # type: ignore[assignment]
    if not cmd.inline:
        open_item_form(call, mentee_id, kind)
        return
    item = validated(INLINE[kind], cmd.inline)
    with call.deps.db.unit_of_work() as session:
        logged = log_item(session, actor=call.actor, slack_user_id=mentee_id, item=item)  # type: ignore[arg-type]
    call.reply(notice(f"Logged for <@{mentee_id}>: {logged.confirmation}."))


def log_interviews(call: Call, mentee_id: str, count: int) -> None:
    with call.deps.db.unit_of_work() as session:
        done = record_interviews(
            session,
            actor=call.actor,
            slack_user_id=mentee_id,
            count=count,
            ruleset=call.deps.ruleset,
        )
    said = f"{plural(done.interviews, 'interview invitation')} for the {done.season} season"
    if done.next_step is not None:
        said += f". Next: {done.next_step.text} `{done.next_step.rule}`"
    call.reply(notice(f"Recorded for <@{mentee_id}>: {said}."))


def open_item_form(call: Call, mentee_id: str, kind: ItemKind) -> None:
    with call.deps.db.unit_of_work() as session:
        mentee_for(session, call.actor, mentee_id, Capability.LOG_ITEM, f"item.form.{kind}")
    form = ItemForm(mentee=mentee_id, kind=kind, channel=call.channel_id)
    call.open_modal(item_modal(kind, form.dump()))
