"""A programme list as people read it: a short summary, and the whole list as CSV."""

from __future__ import annotations

import csv
import io

from bot.assessment.dto import RuleNote
from bot.programmes.dto import Placement, ProgrammeList, TrackList
from bot.programmes.files import cell
from bot.vocab import label, plural

CSV_COLUMNS = (
    "route",
    "standing",
    "tier",
    "name",
    "city",
    "state",
    "track",
    "setting",
    "img_share",
    "sponsors_j1",
    "sponsors_h1b",
    "step2_screen",
    "first_attempt_only",
    "max_years_since_graduation",
    "usce_required",
    "positions",
    "unfilled_after_match",
    "reasons",
    "verify",
    "source",
    "as_of",
    "data_version",
    "programme_id",
)


def noted(note: RuleNote) -> str:
    return f"{note.text} [{note.rule}]"


def summary(result: ProgrammeList, *, lines_per_tier: int = 3) -> str:
    data = result.dataset
    out = [
        f"Programme list for {result.name}: the {result.season} season, as of {result.as_of}",
        f"Data: version {data.version} ({data.source}, {plural(data.rows, 'row')}, as of "
        f"{data.as_of}) · ruleset {result.ruleset.name} {result.ruleset.version}",
    ]
    if result.blocked:
        route = (
            "every Match route is"
            if result.blocked_route is None
            else f"{label(result.blocked_route)} is"
        )
        out += ["", f"No list: {route} blocked."]
        out += [f"  - {noted(n)}" for n in result.blocked]
        return "\n".join(out) + "\n"
    for track in result.tracks:
        out += ["", *_track(track, lines_per_tier)]
    if result.notes:
        out += ["", *(f"- {noted(n)}" for n in result.notes)]
    return "\n".join(out) + "\n"


def _track(track: TrackList, lines_per_tier: int) -> list[str]:
    wanted = (
        "every programme that passes the screens"
        if track.wanted_max is None
        else f"the strategy advises {track.wanted_min}-{track.wanted_max}"
    )
    out = [
        f"{label(track.pathway).capitalize()}: {len(track.listed)} listed ({wanted}), "
        f"{len(track.reserve)} in reserve, {len(track.excluded)} excluded"
    ]
    for count in track.tiers:
        of = "" if count.wanted is None else f" of {count.wanted}"
        out.append(f"  {count.tier.value.capitalize()}: {count.listed}{of}")
        shown = [p for p in track.listed if p.tier is count.tier][:lines_per_tier]
        out += [f"    - {_line(p)}" for p in shown]
        more = count.listed - len(shown)
        if more > 0:
            out.append(f"    … {more} more in the CSV")
    if track.excluded:
        why = ", ".join(f"{rule} {n}" for rule, n in track.excluded_by_rule.items())
        out.append(f"  Excluded: {len(track.excluded)} ({why})")
    out += [f"  - {noted(n)}" for n in track.notes]
    return out


def _line(p: Placement) -> str:
    programme = p.programme
    text = f"{programme.name}, {programme.city} {programme.state}: "
    text += "; ".join(noted(r) for r in p.reasons)
    if p.checks:
        text += "; " + "; ".join(noted(c) for c in p.checks)
    return text


def list_csv(result: ProgrammeList) -> str:
    """Every programme of the list's tracks: listed (by tier), then the reserve, then the
    excluded with their reasons. Empty for a blocked route (the header only)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for track in result.tracks:
        for place in [*track.listed, *track.reserve, *track.excluded]:
            writer.writerow(_row(result, track, place))
    return out.getvalue()


FACT_COLUMNS = CSV_COLUMNS[3:17] + CSV_COLUMNS[19:21]  # name … unfilled_after_match, source, as_of


def _row(result: ProgrammeList, track: TrackList, place: Placement) -> list[str]:
    p = place.programme
    facts = [cell(getattr(p, c)) for c in FACT_COLUMNS]
    return [
        track.pathway.value,
        place.standing.value,
        place.tier.value if place.tier is not None else "",
        *facts[:14],
        "; ".join(noted(r) for r in place.reasons),
        "; ".join(noted(c) for c in place.checks),
        *facts[14:],
        str(result.dataset.version),
        str(p.id),
    ]
