"""A reminder DM: what is due, the facts, why it matters (the rule), and buttons."""

from __future__ import annotations

from typing import Any

from bot.reminders.ports import Intent, Notice, NoticeButton
from handlers.blocks.kit import Blocks, actions, button, context, escape, message, section
from handlers.ids import Action
from handlers.payloads import FlagRef, MenteeRef, MilestoneRef

INTENT_ACTIONS = {
    Intent.MILESTONE_DONE: Action.MILESTONE_DONE,
    Intent.MILESTONE_SNOOZE: Action.MILESTONE_SNOOZE,
    Intent.FLAG_SNOOZE: Action.FLAG_SNOOZE,
    Intent.RECORD_CHECKIN: Action.RECORD_CHECKIN,
    Intent.OPEN_PROFILE: Action.OPEN_PROFILE,
    Intent.ASSESS: Action.ASSESS,
}


def _value(b: NoticeButton) -> str:
    if b.intent in (Intent.MILESTONE_DONE, Intent.MILESTONE_SNOOZE):
        return MilestoneRef(milestone=b.subject or 0).dump()
    if b.intent is Intent.FLAG_SNOOZE:
        return FlagRef(flag=b.subject or 0).dump()
    return MenteeRef(mentee=b.mentee or "U000").dump()


def reminder_message(notice: Notice) -> dict[str, Any]:
    body = "\n".join(escape(line) for line in notice.lines)
    blocks: Blocks = [section(f"*{escape(notice.title)}*\n{body}")]
    why = escape(notice.why) + (f" `{notice.rule}`" if notice.rule else "")
    blocks.append(context(f"Why it matters: {why}"))
    usable = [b for b in notice.buttons if b.subject or b.mentee]
    if usable:
        blocks.append(
            actions(*(button(b.label, INTENT_ACTIONS[b.intent], _value(b)) for b in usable))
        )
    return message(blocks, notice.title)
