"""What `matchpath import` says it did (or, with --dry-run, would do): counts, then who.

Names and field names only: never a value, so the summary can be pasted into a ticket."""

from __future__ import annotations

from bot.roster.schema import Roster
from bot.roster.update import Entry, RosterChanges, Tally
from bot.vocab import plural

DRY_RUN = "dry run: nothing was written\n"
KEPT = (
    "not in the file, kept as they are (an import never deletes anyone; "
    "`/matchpath forget @name` deletes a mentee)"
)


def import_summary(roster: Roster, *, dry_run: bool) -> str:
    counts = (
        f"{plural(len(roster.mentees), 'mentee')}, {plural(len(roster.mentors), 'mentor')}, "
        f"{plural(len(roster.admins), 'admin')}"
    )
    if dry_run:
        return f"{DRY_RUN}would import {counts}\n"
    return f"imported {counts}\n"


def update_summary(changes: RosterChanges, *, dry_run: bool) -> str:
    lines = [DRY_RUN.rstrip()] if dry_run else []
    for what, tally in (
        ("mentees", changes.mentees),
        ("mentors", changes.mentors),
        ("admins", changes.admins),
    ):
        lines.append(f"{what}: {_counts(tally)}")
        lines += _people("added", tally.added)
        lines += _people("changed", tally.changed)
        lines += _people("kept", tally.kept)
    if changes.mentees.kept or changes.mentors.kept or changes.admins.kept:
        lines.append(f"kept: {KEPT}")
    return "\n".join(lines) + "\n"


def _counts(tally: Tally) -> str:
    return (
        f"{len(tally.added)} added, {len(tally.changed)} changed, "
        f"{len(tally.unchanged)} unchanged, {len(tally.kept)} not in the file (kept)"
    )


def _people(outcome: str, entries: tuple[Entry, ...]) -> list[str]:
    lines = []
    for entry in entries:
        fields = f": {', '.join(entry.fields)}" if entry.fields else ""
        lines.append(f"  {outcome:<8} {entry.slack_user_id} {entry.name}{fields}")
    return lines
