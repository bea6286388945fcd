"""Milestone lists, flag lists and the plan preview."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.flags.service import FlagRead
from bot.mentees.dto import MilestoneRead, PersonRef
from bot.plans.builder import PlanPreview
from bot.vocab import plural
from handlers.blocks.kit import (
    Blocks,
    actions,
    button,
    context,
    escape,
    header,
    message,
    section,
    with_mentions,
)
from handlers.ids import Action
from handlers.payloads import PICK_TEXT, FlagRef, MenteePick, MenteeRef, MilestoneRef

MAX_ROWS = 20  # two blocks each: stays far under the 50-block message limit
MAX_PICKS = 20  # mentee buttons under "Which mentee?"; more are named with @


def milestone_list(name: str, milestones: list[MilestoneRead], *, today: date) -> dict[str, Any]:
    blocks: Blocks = [header(f"Milestones: {name}")]
    if not milestones:
        blocks.append(
            section(
                "No open milestones. Add one with "
                '`/matchpath milestone add @mentee "title" YYYY-MM-DD`.'
            )
        )
    for m in milestones[:MAX_ROWS]:
        overdue = " :warning: overdue" if m.due_on < today else ""
        rule = f" `{m.rule}`" if m.rule else ""
        ref = MilestoneRef(milestone=m.id).dump()
        blocks.append(section(f"*#{m.id}* {escape(m.title)}{rule}\nDue {m.due_on}{overdue}"))
        blocks.append(
            actions(
                button("Done", Action.MILESTONE_DONE, ref, style="primary"),
                button("Drop", Action.MILESTONE_DROP, ref),
            )
        )
    if len(milestones) > MAX_ROWS:
        blocks.append(context(f"{len(milestones) - MAX_ROWS} more not shown."))
    return message(blocks, f"{plural(len(milestones), 'open milestone')} for {name}")


def flag_list(flags: list[FlagRead]) -> dict[str, Any]:
    blocks: Blocks = [header("Open flags")]
    if not flags:
        blocks.append(section("No open flags. :tada:"))
    for f in flags[:MAX_ROWS]:
        snoozed = f" (snoozed until {f.snoozed_until.date()})" if f.snoozed_until else ""
        blocks.append(section(f"*{escape(f.mentee.name)}* `{f.rule}`{snoozed}\n{escape(f.detail)}"))
        ref = FlagRef(flag=f.id).dump()
        blocks.append(
            actions(
                button("Snooze 1 week", Action.FLAG_SNOOZE, ref),
                button("Resolve…", Action.FLAG_RESOLVE, ref, style="primary"),
            )
        )
    if len(flags) > MAX_ROWS:
        blocks.append(context(f"{len(flags) - MAX_ROWS} more not shown."))
    return message(blocks, plural(len(flags), "open flag"))


def plan_preview(name: str, mentee_id: str, plan: PlanPreview) -> dict[str, Any]:
    estimate = " (dates estimated)" if plan.estimated else ""
    lines = [f"`{i.due_on}` {escape(i.title)} `{i.rule}`" for i in plan.items]
    blocks: Blocks = [
        header(f"Plan: {name}"),
        section(f"*{escape(plan.title)}* for the {plan.season} season{estimate}"),
        section("\n".join(lines) or "Nothing left to plan for this season."),
    ]
    if plan.items:
        blocks.append(
            actions(
                button(
                    "Save as milestones",
                    Action.SAVE_PLAN,
                    MenteeRef(mentee=mentee_id).dump(),
                    style="primary",
                )
            )
        )
    return message(blocks, f"Plan for {name}: {plural(len(plan.items), 'milestone')}")


def mentee_picker(mentees: list[PersonRef], text: str) -> dict[str, Any]:
    """ "Which mentee?": a button per mentee that runs the command again for them."""
    typed = f"`/matchpath {escape(text)}`"
    offered = mentees[:MAX_PICKS] if len(text) <= PICK_TEXT else []
    if not mentees:
        ask = f"{typed} is about one mentee: add their @name to the command."
    else:
        ask = f"{typed} is about one mentee: pick one, or add their @name to the command."
    blocks: Blocks = [section(f"*Which mentee?* {ask}")]
    if offered:
        pick = [MenteePick(mentee=m.slack_user_id, text=text).dump() for m in offered]
        blocks.append(
            actions(*(button(m.name, Action.PICK_MENTEE, pick[i]) for i, m in enumerate(offered)))
        )
    if len(mentees) > MAX_PICKS:
        blocks.append(context(f"{len(mentees) - MAX_PICKS} more: add their @name to the command."))
    if not mentees:
        blocks.append(context("You have no mentees yet; an admin assigns them."))
    return message(blocks, "Which mentee?")


def already_enrolled(mentee_id: str) -> dict[str, Any]:
    """Told to an admin or a mentor of theirs who tries to enrol someone enrolled already."""
    return message(
        [
            section(f"<@{mentee_id}> is already enrolled: edit their profile instead."),
            actions(
                button("Open profile", Action.OPEN_PROFILE, MenteeRef(mentee=mentee_id).dump())
            ),
        ],
        f"<@{mentee_id}> is already enrolled",
        escaped=True,
    )


def notice(text: str) -> dict[str, Any]:
    """A short reply to the asker alone (confirmations, refusals). Text may hold user input,
    so it is escaped, in the blocks and the fallback alike, but for user mentions."""
    safe = with_mentions(text)
    return message([section(safe)], safe, escaped=True)
