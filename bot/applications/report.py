"""The cohort report: a season's funnel and outcomes for the mentees the actor may see (a
mentor's own, or everyone for an admin), by track and by applicant type, as numbers and CSV.

Two counts sit side by side. Applications: how many reached each step (a withdrawn one still
counts the steps it reached). Mentees: how many had at least one application reach each step,
and how each one's season ended (matched somewhere; every application closed without a match;
still under way). A mentee is counted once in a total even when they applied in several
tracks. The numbers come from a fixed number of statements, however many mentees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from bot.access import AccessDeniedAudited, Actor, audit, audit_event, is_mentor
from bot.applications.funnel import funnel_columns, funnel_of
from bot.applications.models import Application
from bot.applications.vocab import STAGES
from bot.errors import NotFound
from bot.models import Mentee, MentorAssignment
from bot.programmes.vocab import ProgrammeTrack
from bot.vocab import ApplicantType, AuditOutcome, label

CountOf = Literal["applications", "mentees"]
STEPS = ("listed", "applied", "invited", "interviewed", "ranked")
CSV_COLUMNS = (
    "count_of",
    "track",
    "applicant_type",
    "mentees",
    *STEPS,
    "matched",
    "not_matched",
    "withdrawn",
    "declined",
    "open",
)


class ReportRow(BaseModel):
    """One line of the report. `track` / `applicant_type` None: all of them. For mentees,
    `matched`, `not_matched` and `open` are how their seasons ended (in that track, on a track
    row), `mentees` is everyone in scope (on rows over every track), and withdrawn and declined
    are not counted."""

    model_config = ConfigDict(frozen=True)

    count_of: CountOf
    track: ProgrammeTrack | None
    applicant_type: ApplicantType | None
    mentees: int | None = None
    listed: int
    applied: int
    invited: int
    interviewed: int
    ranked: int
    matched: int
    not_matched: int
    withdrawn: int | None = None
    declined: int | None = None
    open: int


class CohortReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    season: int
    scope: str  # "every mentee", "your mentees"
    rows: list[ReportRow]

    def row(
        self,
        count_of: CountOf,
        track: ProgrammeTrack | None = None,
        applicant_type: ApplicantType | None = None,
    ) -> ReportRow:
        return next(
            r
            for r in self.rows
            if (r.count_of, r.track, r.applicant_type) == (count_of, track, applicant_type)
        )


def cohort_report(session: Session, *, actor: Actor, season: int) -> CohortReport:
    scope, scope_name = _scope(session, actor)
    audit(session, actor, "report.read", season=season)
    in_scope = dict(
        session.execute(
            select(Mentee.applicant_type, func.count(Mentee.id))
            .where(Mentee.id.in_(scope))
            .group_by(Mentee.applicant_type)
        ).all()
    )
    applications, by_track, overall = _cells(session, season, scope)
    if not applications:
        raise NotFound(_no_season(session, season, scope, scope_name))
    rows = _application_rows(applications) + _mentee_rows(by_track, overall, in_scope)
    return CohortReport(season=season, scope=scope_name, rows=rows)


def report_csv(report: CohortReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        values = row.model_dump()
        values["track"] = row.track.value if row.track else "all"
        values["applicant_type"] = row.applicant_type.value if row.applicant_type else "all"
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    return out.getvalue()


# -- the statements ---------------------------------------------------------------------------

Cell = tuple[ProgrammeTrack | None, ApplicantType]
Group = tuple[ProgrammeTrack | None, ApplicantType | None]
Scope = Select[Any]  # a SELECT of the mentee ids in scope


def _scope(session: Session, actor: Actor) -> tuple[Scope, str]:
    if actor.is_admin:
        return select(Mentee.id), "every mentee"
    if actor.person_id is not None and is_mentor(session, actor):
        mine = select(MentorAssignment.mentee_id).where(
            MentorAssignment.mentor_id == actor.person_id, MentorAssignment.until.is_(None)
        )
        return mine, "your mentees"
    raise AccessDeniedAudited(
        audit_event(actor, "report.read", None, None, AuditOutcome.DENIED, {"role": "none"}),
        "The cohort report is for mentors and admins.",
    )


def _cells(
    session: Session, season: int, scope: Scope
) -> tuple[dict[Cell, list[int]], dict[Cell, list[int]], dict[Cell, list[int]]]:
    """One pass over the season's applications, grouped per mentee and track (a few rows per
    mentee), then counted here three ways: applications per track and type; mentees per track
    and type; mentees per type over every track (each mentee once)."""
    rows = session.execute(
        select(
            Application.mentee_id,
            # One type per mentee: an aggregate, so the rows group in the index's order.
            func.min(Mentee.applicant_type),
            Application.track,
            *funnel_columns(),
            func.sum(sql_case((Application.status.in_(STAGES), 1), else_=0)),
        )
        .join(Mentee, Mentee.id == Application.mentee_id)
        .where(Application.season == season, Application.mentee_id.in_(scope))
        .group_by(Application.mentee_id, Application.track)
    )
    applications: dict[Cell, list[int]] = {}
    by_track: dict[Cell, list[int]] = {}
    mentees: dict[int, tuple[ApplicantType, list[int]]] = {}
    for mentee_id, kind, track, *values in rows:
        counts = [int(v or 0) for v in values]
        funnel, still_open = counts[:-1], counts[-1]
        cell = (ProgrammeTrack(track), ApplicantType(kind))
        applications[cell] = _plus(applications.get(cell), funnel)
        # listed, applied, invited, interviewed, ranked, matched: whether any reached it
        reached_any = [1 if n else 0 for n in funnel[:6]]
        flags = [*reached_any, still_open]
        by_track[cell] = _plus(by_track.get(cell), _ended(flags))
        _, before = mentees.get(mentee_id, (cell[1], [0] * len(flags)))
        mentees[mentee_id] = (cell[1], _either(before, flags))
    overall: dict[Cell, list[int]] = {}
    for kind, flags in mentees.values():
        overall[(None, kind)] = _plus(overall.get((None, kind)), _ended(flags))
    return applications, by_track, overall


def _ended(flags: list[int]) -> list[int]:
    """A mentee's (or a mentee's track's) flags as counts: reached each step, then matched,
    every application closed without a match, or still under way."""
    *steps, matched, still_open = flags
    closed = int(not matched and not still_open)
    return [*steps, matched, closed, int(not matched and not closed)]


def _either(a: list[int], b: list[int]) -> list[int]:
    """One mentee's flags over two tracks: a step reached in either; open applications added."""
    return [*(max(x, y) for x, y in zip(a[:-1], b[:-1], strict=True)), a[-1] + b[-1]]


def _plus(total: list[int] | None, values: list[int]) -> list[int]:
    return list(values) if total is None else [a + b for a, b in zip(total, values, strict=True)]


def _no_season(session: Session, season: int, scope: Scope, name: str) -> str:
    seasons = sorted(
        session.scalars(
            select(Application.season).where(Application.mentee_id.in_(scope)).distinct()
        )
    )
    known = (
        f"seasons with applications: {', '.join(map(str, seasons))}"
        if seasons
        else "no season has any yet (a list is saved from `/matchpath list @mentee`)"
    )
    return f"no applications are on record for the {season} season among {name}; {known}"


# -- from cells to rows -----------------------------------------------------------------------


def _summed(cells: Iterable[list[int]]) -> list[int]:
    total: list[int] = []
    for values in cells:
        total = [a + b for a, b in zip(total, values, strict=True)] if total else list(values)
    return total


def _groups(
    cells: dict[Cell, list[int]],
) -> list[tuple[ProgrammeTrack | None, ApplicantType | None]]:
    tracks = [t for t in ProgrammeTrack if any(k[0] is t for k in cells)]
    kinds = [a for a in ApplicantType if any(k[1] is a for k in cells)]
    return (
        [(None, None)]
        + [(t, None) for t in tracks]
        + [(None, a) for a in kinds]
        + [(t, a) for t in tracks for a in kinds if (t, a) in cells]
    )


def _application_rows(cells: dict[Cell, list[int]]) -> list[ReportRow]:
    rows = []
    for track, kind in _groups(cells):
        values = _summed(
            v
            for (t, a), v in cells.items()
            if (track is None or t is track) and (kind is None or a is kind)
        )
        f = funnel_of(values)
        rows.append(
            ReportRow(
                count_of="applications",
                track=track,
                applicant_type=kind,
                **f.model_dump(),
                open=f.open,
            )
        )
    return rows


def _mentee_rows(
    by_track: dict[Cell, list[int]],
    overall: dict[Cell, list[int]],
    in_scope: dict[ApplicantType, int],
) -> list[ReportRow]:
    rows = []
    for track, kind in _groups(by_track):
        source = overall if track is None else by_track
        values = _summed(
            v
            for (t, a), v in source.items()
            if (track is None or t is track) and (kind is None or a is kind)
        )
        listed, applied, invited, interviewed, ranked, matched, not_matched, still = values
        mentees = None
        if track is None:
            mentees = sum(n for a, n in in_scope.items() if kind is None or a is kind)
        rows.append(
            ReportRow(
                count_of="mentees",
                track=track,
                applicant_type=kind,
                mentees=mentees,
                listed=listed,
                applied=applied,
                invited=invited,
                interviewed=interviewed,
                ranked=ranked,
                matched=matched,
                not_matched=not_matched,
                open=still,
            )
        )
    return rows


def describe(row: ReportRow) -> str:
    """The row's group in words: "all tracks, non-US IMG"."""
    track = row.track.label if row.track else "all tracks"
    kind = label(row.applicant_type) if row.applicant_type else "every applicant type"
    return f"{track}, {kind}"
