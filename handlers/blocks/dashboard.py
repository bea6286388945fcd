"""The dashboard card (a mentee at a glance, for mentors) and the roster view."""

from __future__ import annotations

import re
from typing import Any

from bot.dashboards.card import CardView
from bot.dashboards.roster import RosterLine, RosterView
from bot.vocab import ApplicantType, Exam, MenteeStatus, Pathway, Verdict, VisaNeed, label, plural
from handlers.blocks.assessment import VERDICT_ICONS
from handlers.blocks.funnel import funnel_section
from handlers.blocks.kit import (
    Blocks,
    actions,
    button,
    context,
    escape,
    fields,
    header,
    message,
    section,
)
from handlers.ids import Action
from handlers.payloads import MenteeRef

ROSTER_PAGE = 40  # mentee lines per thread reply, under the 50-block limit
# A thread line ends with who did it, "(<@U…>)": the one mention in it that is ours.
ATTRIBUTION = re.compile(r" \(&lt;@([UW][A-Z0-9]{2,30})&gt;\)$")


def card_message(card: CardView, *, previous_link: str | None = None) -> dict[str, Any]:
    ref = MenteeRef(mentee=card.mentee_slack_id).dump()
    verdicts = "\n".join(
        f"{VERDICT_ICONS[Verdict(v)]} {label(Pathway(p))}: {label(Verdict(v))}"
        for p, v in card.verdicts.items()
    )
    who = f"{label(ApplicantType(card.applicant_type))}, {label(VisaNeed(card.visa))}"
    next_due = f", next due {card.next_check_in}" if card.next_check_in else ""
    blocks: Blocks = [
        header(f"{card.name}"),
        fields(
            [
                ("Applicant", who),
                ("Targets", ", ".join(label(Pathway(t)) for t in card.targets) or "—"),
                *[(label(Exam(e)), s) for e, s in card.exams.items()],
                ("Research", f"{card.research} ({card.plastics_research} plastics)"),
                ("Strong US letters", str(card.strong_us_letters)),
                ("USCE weeks", str(card.usce_weeks)),
                ("Cycles", ", ".join(card.cycles) or "—"),
            ]
        ),
        *([section(f":no_entry: {escape(card.alert)}")] if card.alert else []),
        section(f"*Verdicts*\n{verdicts}"),
        *([section(f":calendar: *Season* {escape(card.season)}")] if card.season else []),
        *([funnel_section(card.applications)] if card.applications else []),
        section(
            "*Open flags*: "
            + (", ".join(f"`{f}`" for f in card.flags) or "none")
            + "\n*Next milestones*: "
            + (escape("; ".join(card.next_milestones)) or "none")
            + f"\n*Last check-in*: {card.last_check_in or 'never'}{next_due}"
        ),
        actions(
            button("Assess", Action.ASSESS, ref),
            button("Record check-in", Action.RECORD_CHECKIN, ref, style="primary"),
            button("Open profile", Action.OPEN_PROFILE, ref),
        ),
    ]
    status = label(MenteeStatus(card.status))
    notes = [f"Status: {status} · the thread below is {escape(card.name)}'s story"]
    if card.previous_thread:
        # The link is ours (the workspace's address of the old thread).
        notes.append(f"Earlier history: {previous_link or 'the thread of the previous card'}")
    blocks.append(context(*notes))
    return message(blocks, f"Dashboard: {card.name}")


def thread_line(text: str) -> dict[str, Any]:
    """A line in a card's thread, in the mentors' channel: names and titles in it were typed by
    people, so all of it is escaped, but for the closing mention of who did it."""
    safe = ATTRIBUTION.sub(r" (<@\1>)", escape(text))
    return message([section(safe)], safe, escaped=True)


def thread_link(workspace_url: str | None, channel: str | None, ts: str | None) -> str | None:
    if not (workspace_url and channel and ts):
        return None
    return f"{workspace_url}archives/{channel}/p{ts.replace('.', '')}"


def _line(line: RosterLine, workspace_url: str | None) -> str:
    marks = []
    if line.open_flags:
        marks.append(f":triangular_flag_on_post: {line.open_flags}")
    if line.overdue_checkin:
        marks.append(":alarm_clock: check-in overdue")
    if line.overdue_milestones:
        marks.append(f":warning: {line.overdue_milestones} overdue")
    url = thread_link(workspace_url, line.card_channel, line.card_ts)
    link = f"<{url}|thread>" if url else ("card pending" if line.card_channel else "no card yet")
    return f"*{escape(line.name)}* · {' · '.join(marks) or 'on track'} · {link}"


def roster_summary(view: RosterView, scope: str) -> dict[str, Any]:
    text = (
        f"{plural(view.mentees, 'mentee')} · {plural(view.open_flags, 'open flag')} · "
        f"{plural(view.overdue_checkins, 'overdue check-in')} · "
        f"{plural(view.overdue_milestones, 'overdue milestone')}"
    )
    return message(
        [
            header(f"Roster: {scope}"),
            section(text),
            context("Most urgent first in the thread: flags, then overdue, then the rest."),
        ],
        f"Roster: {text}",
    )


def roster_pages(view: RosterView, workspace_url: str | None) -> list[dict[str, Any]]:
    pages = []
    for group, lines in view.groups.items():
        for start in range(0, len(lines) or 1, ROSTER_PAGE):
            chunk = lines[start : start + ROSTER_PAGE]
            blocks: Blocks = [section(f"*{escape(group)}*")] if group else []
            blocks += [section(_line(line, workspace_url)) for line in chunk] or [
                section("No mentees.")
            ]
            pages.append(message(blocks, f"{group or 'Roster'}: {plural(len(chunk), 'mentee')}"))
    return pages
