"""A mentee's programme list and the cohort report, as Slack messages (pure builders).

The summary is short on purpose: counts per tier, the first lines of each tier, and the
exclusions counted by rule. The whole list travels as a CSV file (see handlers/commands)."""

from __future__ import annotations

from typing import Any

from bot.applications.dto import SavedListRead
from bot.applications.report import CohortReport
from bot.programmes.dto import Placement, ProgrammeList, TrackList
from bot.programmes.list_text import noted
from bot.vocab import label, plural
from handlers.blocks.kit import (
    Blocks,
    actions,
    button,
    clip,
    context,
    escape,
    header,
    message,
    section,
)
from handlers.ids import Action

LINES_PER_TIER = 3
LINE_LIMIT = 300  # one programme's line; its reasons are all in the CSV


def list_message(
    result: ProgrammeList, *, mentee_id: str, save_value: str | None
) -> dict[str, Any]:
    """The summary of a list; with `save_value`, the button that saves it for the season."""
    data = result.dataset
    blocks: Blocks = [
        header(f"Programme list: {result.name}"),
        context(
            f"<@{mentee_id}> · the {result.season} season, as of {result.as_of} · data version "
            f"{data.version} ({escape(data.source)}, as of {data.as_of}) · ruleset "
            f"{escape(result.ruleset.name)} {escape(result.ruleset.version)}"
        ),
    ]
    if result.blocked:
        route = (
            "every Match route is"
            if result.blocked_route is None
            else f"{label(result.blocked_route)} is"
        )
        reasons = "\n".join(f"• {escape(noted(n))}" for n in result.blocked)
        blocks.append(section(f"*No list: {route} blocked.*\n{reasons}"))
        blocks.append(context("No list means no file: there is nothing to apply to yet."))
        return message(blocks, f"No programme list for {result.name}: {route} blocked")
    for track in result.tracks:
        blocks += _track(track)
    if result.notes:
        blocks.append(section("\n".join(f"• {escape(noted(n))}" for n in result.notes)))
    blocks.append(
        context("The whole list (listed, reserve, excluded, every reason) is in your DM as CSV.")
    )
    if save_value is not None:
        blocks.append(
            actions(
                button("Save as the season's list", Action.SAVE_LIST, save_value, style="primary")
            )
        )
    listed = sum(len(t.listed) for t in result.tracks)
    return message(
        blocks[:50],
        f"Programme list for {result.name}: {plural(listed, 'programme')} listed",
    )


def _track(track: TrackList) -> Blocks:
    wanted = (
        "every programme that passes the screens"
        if track.wanted_max is None
        else f"the strategy advises {track.wanted_min}-{track.wanted_max}"
    )
    counts = " · ".join(
        f"{c.tier.value.capitalize()} {c.listed}" + ("" if c.wanted is None else f"/{c.wanted}")
        for c in track.tiers
    )
    blocks: Blocks = [
        section(
            f"*{label(track.pathway).capitalize()}*: {len(track.listed)} listed ({wanted}), "
            f"{len(track.reserve)} in reserve, {len(track.excluded)} excluded\n{counts}"
        )
    ]
    for count in track.tiers:
        shown = [p for p in track.listed if p.tier is count.tier][:LINES_PER_TIER]
        if not shown:
            short = "" if count.wanted is None or count.listed >= count.wanted else " (short)"
            blocks.append(context(f"{count.tier.value.capitalize()}: none listed{short}"))
            continue
        lines = [f"• {_line(p)}" for p in shown]
        more = count.listed - len(shown)
        if more > 0:
            lines.append(f"… {more} more in the CSV")
        title = f"*{count.tier.value.capitalize()}* ({count.listed}"
        title += ")" if count.wanted is None else f" of {count.wanted})"
        blocks.append(section(title + "\n" + "\n".join(lines)))
    if track.excluded:
        why = ", ".join(f"`{rule}` {n}" for rule, n in track.excluded_by_rule.items())
        blocks.append(section(f"*Excluded*: {len(track.excluded)} (by rule: {why})"))
    if track.notes:
        blocks.append(context(*(escape(noted(n)) for n in track.notes)))
    return blocks


def _line(place: Placement) -> str:
    p = place.programme
    why = "; ".join(noted(r) for r in [*place.reasons, *place.checks])
    return escape(clip(f"{p.name}, {p.city} {p.state}: {why}", LINE_LIMIT))


def list_file_comment(result: ProgrammeList, mentee_id: str) -> str:
    listed = sum(len(t.listed) for t in result.tracks)
    return (
        f"The programme list for <@{mentee_id}>, {result.season} season "
        f"({plural(listed, 'programme')} listed, data version {result.dataset.version}). "
        "It is about a mentee: keep it private."
    )


def saved_notice(saved: SavedListRead, mentee_id: str) -> str:
    return (
        f"Saved as <@{mentee_id}>'s list for the {saved.season} season (data version "
        f"{saved.dataset_version}): {plural(saved.added, 'new application')} planned, "
        f"{saved.kept} kept as they were, {saved.dropped} planned ones dropped."
    )


# -- the cohort report ----------------------------------------------------------------------


def report_summary(report: CohortReport) -> str:
    """A few lines of plain numbers: the chart and the CSV hold the rest."""
    people = report.row("mentees")
    apps = report.row("applications")
    return (
        f"Cohort report, {report.season} season ({report.scope}): "
        f"{plural(people.listed, 'mentee')} with a list, {plural(apps.listed, 'application')}; "
        f"applied {apps.applied}, invited {apps.invited}, interviewed {apps.interviewed}, "
        f"ranked {apps.ranked}, matched {apps.matched}. Mentees matched {people.matched}, "
        f"not matched {people.not_matched}, still open {people.open}."
    )


def report_message(report: CohortReport) -> dict[str, Any]:
    summary = report_summary(report)
    blocks: Blocks = [
        header(f"Cohort report: the {report.season} season"),
        section(escape(summary)),
        context("The chart (PNG) and the numbers (CSV) are in your DM: they are about mentees."),
    ]
    return message(blocks, summary)
