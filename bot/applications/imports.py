"""An admin's CSV of application statuses, imported all or nothing.

One row per change: the mentee's Slack id, the season, the programme's name as on the saved
list (a track, city or state column tells namesakes apart), the status, the day it happened
(today when empty) and, to step back or reopen, `correction` = yes. Rows apply in file order,
so one file may take a programme through several steps. A row asking for the status an
application already has changes nothing, so importing the same file twice is harmless.

Every problem is listed by line and column, and one problem refuses the whole file: nothing is
written. The lifecycle's rules (lifecycle.py) are the same as in Slack.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, audit, require_admin
from bot.applications.lifecycle import Change, Progress, apply_change
from bot.applications.matching import Candidate, match_name, normalise
from bot.applications.models import Application
from bot.applications.progress import announce, progress_of, read_application, record_change
from bot.applications.vocab import ApplicationStatus, ChangeVia
from bot.csv_columns import read_header
from bot.errors import InvalidInput, Problem
from bot.models import Mentee, Person
from bot.programmes.vocab import ProgrammeTrack

COLUMNS = (
    "mentee",
    "season",
    "programme",
    "track",
    "city",
    "state",
    "status",
    "date",
    "correction",
)
REQUIRED = ("mentee", "season", "programme", "status")
MAX_ROWS = 50_000
MAX_PROBLEMS = 200
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")
STATUS_WORDS = {
    **{s.value: s for s in ApplicationStatus},
    **{s.label: s for s in ApplicationStatus},
    "invited": ApplicationStatus.INTERVIEW_INVITED,
    "interview": ApplicationStatus.INTERVIEW_INVITED,
    "declined": ApplicationStatus.DECLINED,
    "rejected": ApplicationStatus.DECLINED,
    "unmatched": ApplicationStatus.NOT_MATCHED,
}
TRACK_WORDS = {**{t.value: t for t in ProgrammeTrack}, **{t.label: t for t in ProgrammeTrack}}


@dataclass(frozen=True)
class StatusRow:
    line: int
    mentee: str
    season: int
    programme: str
    track: ProgrammeTrack | None
    city: str | None
    state: str | None
    status: ApplicationStatus
    on: date | None
    correction: bool

    def at(self, column: str) -> str:
        return f"line {self.line}, {column}"


class StatusImport(BaseModel):
    model_config = ConfigDict(frozen=True)

    rows: int
    changed: int
    unchanged: int
    mentees: int


def parse_status_csv(data: bytes) -> list[StatusRow]:
    """Every row, read and checked on its own; `InvalidInput` lists every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.single(
            "file", f"not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8"
        ) from None
    rows: list[StatusRow] = []
    problems: list[Problem] = []
    for line, cells in _lines(text):
        row, found = _row(line, cells)
        problems += found
        if row is not None:
            rows.append(row)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem("", f"stopped after {MAX_PROBLEMS} problems"))
            break
    if not rows and not problems:
        problems.append(Problem("file", "holds no rows"))
    if problems:
        raise InvalidInput(problems)
    return rows


def import_statuses(session: Session, *, actor: Actor, rows: Sequence[StatusRow]) -> StatusImport:
    """Apply every row, or none if any has a problem (a fixed number of reads for any size)."""
    require_admin(session, actor, "applications.import", rows=len(rows))
    ids = sorted({r.mentee for r in rows})
    mentees = {
        m.person.slack_user_id: m
        for m in session.scalars(
            select(Mentee).join(Mentee.person).where(Person.slack_user_id.in_(ids))
        )
    }
    seasons = {r.season for r in rows}
    lists: dict[tuple[int, int], list[Application]] = {}
    for a in session.scalars(
        select(Application)
        .where(
            Application.mentee_id.in_([m.id for m in mentees.values()]),
            Application.season.in_(seasons),
        )
        .order_by(Application.id)
        .with_for_update()  # as in Slack: concurrent changes take turns
    ):
        lists.setdefault((a.mentee_id, a.season), []).append(a)
    today = actor.now.date()
    problems: list[Problem] = []
    progress: dict[int, Progress] = {}
    steps: list[tuple[StatusRow, Application, Progress]] = []
    for row in rows:
        mentee = mentees.get(row.mentee)
        if mentee is None:
            problems.append(Problem(row.at("mentee"), f"{row.mentee} is not enrolled"))
            continue
        found = _application(row, lists.get((mentee.id, row.season), []))
        if isinstance(found, Problem):
            problems.append(found)
            continue
        before = progress.get(found.id) or progress_of(found)
        if before.status is row.status and not row.correction:
            continue
        request = Change(
            programme=read_application(found).title,
            to=row.status,
            on=row.on or today,
            season=row.season,
            today=today,
            correction=row.correction,
            may_correct=True,
        )
        try:
            after = apply_change(before, request)
        except InvalidInput as exc:
            column = {"on": "date"}
            problems += [
                Problem(row.at(column.get(p.where, p.where)), p.message) for p in exc.problems
            ]
            continue
        progress[found.id] = after
        steps.append((row, found, after))
    if problems:
        raise InvalidInput(problems[:MAX_PROBLEMS])
    touched: dict[int, int] = {}
    recorded = []
    for row, application, after in steps:
        recorded.append(
            record_change(
                session,
                actor,
                application,
                after,
                row.on or today,
                ChangeVia.IMPORT,
                row.correction,
            )
        )
        touched[application.mentee_id] = touched.get(application.mentee_id, 0) + 1
    by_id = {m.id: m for m in mentees.values()}
    for mentee_id, count in sorted(touched.items()):
        audit(session, actor, "applications.import", mentee=by_id[mentee_id], changes=count)
        by_id[mentee_id].updated_at = actor.now  # the flags' next sweep reads the new counts
    session.flush()
    announce(session, actor, recorded)
    return StatusImport(
        rows=len(rows), changed=len(steps), unchanged=len(rows) - len(steps), mentees=len(touched)
    )


def _application(row: StatusRow, listed: list[Application]) -> Application | Problem:
    if not listed:
        return Problem(
            row.at("season"), f"{row.mentee} has no saved list for the {row.season} season"
        )
    wanted = normalise(row.programme)
    same = [
        a
        for a in listed
        if normalise(a.name) == wanted
        and (row.track is None or a.track is row.track)
        and (row.city is None or a.city.casefold() == row.city.casefold())
        and (row.state is None or a.state == row.state)
    ]
    if len(same) == 1:
        return same[0]
    if same:
        places = "; ".join(f"{a.track.label}, {a.city} {a.state}" for a in same)
        return Problem(
            row.at("programme"),
            f"{len(same)} programmes on the list are named {row.programme!r} ({places}): "
            "add a track, city or state column to say which",
        )
    close = match_name(row.programme, [Candidate(key=a.id, name=a.name) for a in listed])
    names = list(dict.fromkeys(c.name for c in close.candidates))[:3]
    hint = f"; the closest: {', '.join(names)}" if names else ""
    return Problem(
        row.at("programme"),
        f"{row.programme!r} is not on {row.mentee}'s {row.season} list"
        + (
            " with that track, city or state"
            if any(normalise(a.name) == wanted for a in listed)
            else hint
        ),
    )


def _lines(text: str) -> Iterable[tuple[int, dict[str, str]]]:
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (
        lines[skipped].lstrip().startswith("#") or not lines[skipped].strip()
    ):
        skipped += 1
    reader = csv.reader(io.StringIO("".join(lines[skipped:]), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput.single("file", "holds no header line and no rows")
        columns = read_header(
            header,
            f"line {skipped + reader.line_num}",
            columns=COLUMNS,
            required=REQUIRED,
            not_a="a column here",
        )
        count = 0
        for cells in reader:
            line = skipped + reader.line_num
            if not any(c.strip() for c in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise InvalidInput.single("file", f"more than {MAX_ROWS:,} rows")
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                yield line, {"": f"{len(cells)} cells but the header names {len(columns)}"}
                continue
            yield line, {c: v.strip() for c, v in zip(columns, cells, strict=False)}
    except csv.Error as exc:
        where = f"line {skipped + reader.line_num}"
        raise InvalidInput.single(where, f"not readable as CSV ({exc})") from None


def _row(line: int, cells: dict[str, str]) -> tuple[StatusRow | None, list[Problem]]:
    if "" in cells:
        return None, [Problem(f"line {line}", cells[""])]
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(f"line {line}, {column}", message))

    for column in REQUIRED:
        if not cells.get(column):
            bad(column, "required: this cell is empty")
    mentee = cells.get("mentee", "")
    if mentee and not SLACK_USER.match(mentee):
        bad("mentee", f"{mentee!r} is not a Slack user id (like U012AB3CD)")
    season = None
    if cells.get("season"):
        try:
            season = int(cells["season"])
        except ValueError:
            season = None
        if season is None or not 2000 <= season <= 2100:
            bad("season", f"{cells['season']!r} is not a Match year like 2027")
            season = None
    status = None
    if cells.get("status"):
        status = STATUS_WORDS.get(_word(cells["status"]).replace("_", " ")) or STATUS_WORDS.get(
            _word(cells["status"])
        )
        if status is None:
            words = ", ".join(s.value for s in ApplicationStatus)
            bad("status", f"{cells['status']!r} is not a status (one of {words})")
    track = None
    if cells.get("track"):
        track = TRACK_WORDS.get(_word(cells["track"])) or TRACK_WORDS.get(
            _word(cells["track"]).replace("_", " ")
        )
        if track is None:
            bad("track", f"{cells['track']!r} is not a track ({', '.join(TRACK_WORDS)})")
    state = cells.get("state") or None
    if state is not None and not re.fullmatch(r"[A-Za-z]{2}", state):
        bad("state", f"{state!r} is not a two-letter state code")
    on = None
    if cells.get("date"):
        try:
            on = date.fromisoformat(cells["date"])
        except ValueError:
            bad("date", f"{cells['date']!r} is not a date like 2026-10-14")
    correction = False
    if cells.get("correction"):
        word = cells["correction"].lower()
        if word not in ("yes", "no", "y", "n", "true", "false"):
            bad("correction", f"{cells['correction']!r} is not yes or no")
        correction = word in ("yes", "y", "true")
    if problems or season is None or status is None:
        return None, problems
    return (
        StatusRow(
            line=line,
            mentee=mentee,
            season=season,
            programme=cells["programme"],
            track=track,
            city=cells.get("city") or None,
            state=state.upper() if state else None,
            status=status,
            on=on,
            correction=correction,
        ),
        problems,
    )


def _word(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("-", " ").split()).replace(" ", "_")
