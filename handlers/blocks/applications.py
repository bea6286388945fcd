"""A season's applications in Slack: the answer to `log STATUS` (what changed, which programme
was meant, or the closest names) and the statuses form (pure builders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.applications.dto import ApplicationRead, Applications, Funnel, StatusesUpdated
from bot.applications.lifecycle import DATE_FIELDS
from bot.applications.logbook import StatusForm, StatusLogged
from bot.applications.matching import Found
from bot.applications.vocab import ApplicationStatus
from bot.vocab import plural
from handlers.blocks.forms import Field, Form, render
from handlers.blocks.kit import (
    Blocks,
    actions,
    button,
    clip,
    context,
    escape,
    message,
    plain,
    section,
    with_mentions,
)
from handlers.blocks.modals import modal
from handlers.ids import INPUT, Action, Block, View
from handlers.payloads import MenteeRef, StatusesForm, StatusPick

PAGE = 95  # applications per form: with its other blocks, within a modal's 100
SHOWN_LINES = 20  # changes listed in a confirmation; the rest are counted

STATUSES_FORM = Form(
    fields=(
        Field(
            Block.ON,
            "Day these changes happened",
            "date",
            hint="Not after tomorrow, and within the season",
        ),
        Field(
            Block.CORRECTION,
            "Corrections",
            "checks",
            (("correction", "These are corrections: a step back, or a final status reopened"),),
        ),
    ),
    fallback=Block.ON,
)


def application_block(application_id: int) -> str:
    return f"{Block.APPLICATION}.{application_id}"


# -- `log STATUS` ---------------------------------------------------------------------------


def status_logged(
    logged: StatusLogged, *, mentee_id: str, typed: str, to: ApplicationStatus, correction: bool
) -> dict[str, Any]:
    """What a `log STATUS` did, or the programmes to choose between, or the closest names."""
    if logged.updated is not None:
        return _changed(logged.updated, mentee_id)
    if logged.match.found is Found.AMBIGUOUS:
        return _picker(logged, mentee_id=mentee_id, typed=typed, to=to, correction=correction)
    closest = ", ".join(f"*{escape(c.name)}* ({escape(c.detail)})" for c in logged.match.candidates)
    said = (
        f"No application on <@{mentee_id}>'s {logged.season} list is called "
        f"“{escape(typed)}”, so nothing changed."
    )
    said += f" The closest: {closest}." if closest else " No name is close."
    blocks = [
        section(said),
        context("Type more of the name as it is on the list, or open the list."),
        _open_list(mentee_id),
    ]
    return message(blocks, said, escaped=True)


def _changed(updated: StatusesUpdated, mentee_id: str) -> dict[str, Any]:
    if not updated.changes:
        [same] = updated.unchanged
        text = f"{same.title} is {same.status.label} already: nothing changed."
    else:
        lines = "; ".join(c.line for c in updated.changes)
        text = f"Logged for <@{mentee_id}>: {lines}."
    return message(
        [section(with_mentions(text)), context(funnel_line(updated.funnel))],
        with_mentions(text),
        escaped=True,
    )


def _picker(
    logged: StatusLogged,
    *,
    mentee_id: str,
    typed: str,
    to: ApplicationStatus,
    correction: bool,
) -> dict[str, Any]:
    match = logged.match
    what = f"{'correct to' if correction else 'log'} *{to.label}* on {logged.on}"
    blocks: Blocks = [
        section(
            f"*Which programme?* “{escape(typed)}” matches {match.total} of <@{mentee_id}>'s "
            f"applications: pick one to {what}."
        )
    ]
    for c in match.candidates:
        pick = StatusPick(
            mentee=mentee_id,
            season=logged.season,
            application=c.key,
            to=to,
            on=logged.on,
            correction=correction,
        )
        blocks.append(
            section(
                f"*{escape(c.name)}*\n{escape(c.detail)}",
                accessory=button("This one", Action.PICK_APPLICATION, pick.dump()),
            )
        )
    more = match.total - len(match.candidates)
    if more > 0:
        blocks.append(context(f"{more} more match: type more of the name to narrow it down."))
    return message(blocks, f"Which programme? “{typed}” matches {match.total}")


def picked(updated: StatusesUpdated, mentee_id: str) -> dict[str, Any]:
    """The answer to a "which programme?" button."""
    return _changed(updated, mentee_id)


def list_saved(text: str, mentee_id: str) -> dict[str, Any]:
    """The answer to "Save as the season's list", with the way to update its statuses."""
    safe = with_mentions(text)
    return message([section(safe), _open_list(mentee_id)], safe, escaped=True)


def funnel_line(funnel: Funnel) -> str:
    return (
        f"The season so far: {funnel.listed} listed · {funnel.applied} applied · "
        f"{funnel.invited} invited · {funnel.interviewed} interviewed · {funnel.ranked} ranked"
        + (f" · {funnel.matched} matched" if funnel.matched else "")
    )


def _open_list(mentee_id: str) -> dict[str, Any]:
    return actions(
        button("Update statuses…", Action.OPEN_APPLICATIONS, MenteeRef(mentee=mentee_id).dump())
    )


# -- the statuses form ----------------------------------------------------------------------


def pages(total: int) -> int:
    return max(1, -(-total // PAGE))


def statuses_modal(
    form: StatusForm, *, mentee_id: str, page: int, may_correct: bool, channel: str | None
) -> dict[str, Any]:
    """A static_select per application (a page of PAGE at most), the day, and for mentors and
    admins a corrections box. Submitting sends only the statuses changed."""
    listed = form.applications
    start = (page - 1) * PAGE
    shown = listed.applications[start : start + PAGE]
    blocks: Blocks = [context(_where(listed, mentee_id, page, start, len(shown)))]
    if not shown:
        blocks.append(section(_nothing_on(listed, page)))
        return modal("Applications", View.APPLICATIONS, blocks, "", None)
    blocks += render(STATUSES_FORM, {Block.ON: form.today})[: 2 if may_correct else 1]
    blocks += [_status_input(a) for a in shown]
    after = len(listed.applications) - start - len(shown)
    if after > 0:
        blocks.append(
            context(
                f"{plural(after, 'more application')} after these: "
                f"`/matchpath applications @mentee {page + 1}`"
            )
        )
    metadata = StatusesForm.showing(
        {a.id: a.status for a in shown},
        mentee=mentee_id,
        season=listed.season,
        page=page,
        channel=channel,
    )
    return modal("Applications", View.APPLICATIONS, blocks, metadata.dump(), "Save")


def refusal_modal(text: str) -> dict[str, Any]:
    """The form could not open (no access, no list yet): why, where the form would have been."""
    return modal("Applications", View.APPLICATIONS, [section(with_mentions(text))], "", None)


def _where(listed: Applications, mentee_id: str, page: int, start: int, count: int) -> str:
    total = len(listed.applications)
    where = f"<@{mentee_id}>'s applications, the {listed.season} season"
    if total > PAGE:
        where += f" · page {page} of {pages(total)} ({start + 1}-{start + count} of {total})"
    return where + ". Change a status, then Save: only the ones changed are sent."


def _nothing_on(listed: Applications, page: int) -> str:
    if listed.applications:
        return (
            f"There is no page {page}: the list has {pages(len(listed.applications))}. "
            "Try `/matchpath applications @mentee`."
        )
    return "The saved list holds no applications."


def _status_input(a: ApplicationRead) -> dict[str, Any]:
    options = [{"text": plain(s.label, 75), "value": s.value} for s in ApplicationStatus]
    current = next(o for o in options if o["value"] == a.status.value)
    when = _last_day(a)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": application_block(a.id),
        "label": plain(clip(a.title, 2000), 2000),
        "element": {
            "type": "static_select",
            "action_id": INPUT,
            "options": options,
            "initial_option": current,
        },
    }
    if when is not None:
        block["hint"] = plain(f"{a.status.label} since {when}", 2000)
    return block


def _last_day(a: ApplicationRead) -> date | None:
    field = DATE_FIELDS.get(a.status)
    day = getattr(a, field) if field else None
    return day if isinstance(day, date) else None


def nothing_changed(mentee_id: str) -> str:
    return f"No status changed on <@{mentee_id}>'s list."


def statuses_saved(updated: StatusesUpdated, mentee_id: str) -> str:
    """The confirmation once the form has closed."""
    if not updated.changes:
        return nothing_changed(mentee_id)
    lines = [f"• {c.line}" for c in updated.changes[:SHOWN_LINES]]
    more = len(updated.changes) - SHOWN_LINES
    if more > 0:
        lines.append(f"… and {more} more")
    said = f"Updated <@{mentee_id}>'s applications ({plural(len(updated.changes), 'change')}):"
    return "\n".join([said, *lines, funnel_line(updated.funnel)])
