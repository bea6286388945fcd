"""The roster as CSV sheets (bot/roster/sheets.py), read and written.

Reading is all or nothing, like the JSON roster: every problem in every sheet is collected, each
named by its file, line and column, and one bad cell refuses the whole roster. Writing then
reading gives the same roster back (export → import → export is identical).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError

from bot.errors import InvalidInput, Problem
from bot.inputs import blank_is_none
from bot.profile.schema import Item, Text200
from bot.roster.csv_table import Row, read_table, render_table, sheet_name_problems
from bot.roster.places import CsvPlaces, ParsedRoster, SheetLines
from bot.roster.schema import MenteeRecord, MentorEntry, Roster, SlackUserId, Zone
from bot.roster.sheets import (
    LIST_COLUMNS,
    LIST_SHEETS,
    MENTEE_KEY,
    MENTEES,
    PAIRS_COLUMN,
    PEOPLE,
    SHEETS,
    ListSheet,
    read_pairs,
    split_values,
)

ModelT = TypeVar("ModelT", bound=BaseModel)
LIST_FIELDS = frozenset(sheet.field for sheet in LIST_SHEETS)
MAX_PROBLEMS = 200  # beyond this the roster is wrong throughout: more lines would not help
DATE_ERRORS = {"date_parsing", "date_from_datetime_parsing", "date_type"}
DATETIME_ERRORS = {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}


class PersonRow(Item):
    """A row of people.csv."""

    slack_user_id: SlackUserId
    name: Annotated[Text200 | None, BeforeValidator(blank_is_none)] = None
    tz: Zone = None
    admin: bool = False
    mentor: bool = False


class Problems(list[Problem]):
    def extend_capped(self, found: list[Problem]) -> None:
        self.extend(found)
        if len(self) >= MAX_PROBLEMS:
            self.append(Problem("", f"stopped after {MAX_PROBLEMS} problems"))
            raise InvalidInput(list(self))


def parse_csv_roster(files: Mapping[str, bytes]) -> ParsedRoster:
    """The roster in these sheets (file name → contents); `InvalidInput` lists every problem."""
    tables: dict[str, list[Row]] = {}
    problems = Problems(sheet_name_problems(files))
    for sheet in SHEETS:
        if sheet.name not in files:
            continue
        try:
            tables[sheet.name] = read_table(sheet, files[sheet.name])
        except InvalidInput as exc:
            problems.extend_capped(exc.problems)
    if problems:
        raise InvalidInput(problems)
    admins, mentors, mentor_lines = _people(tables[PEOPLE.name], problems)
    items = _items(tables, {r.cells.get("slack_user_id") for r in tables[MENTEES.name]}, problems)
    lines = SheetLines(mentors=mentor_lines)
    records = []
    for row in tables[MENTEES.name]:
        slack_id = row.cells.get("slack_user_id", "")
        found = items.get(slack_id, {})
        record = _mentee(
            row, {field: [i for _, i in entries] for field, entries in found.items()}, problems
        )
        if record is not None:
            records.append(record)
            lines.mentees.append(row.line)
            lines.check_ins.append([line for line, _ in found.get("checkins", [])])
    if problems:
        raise InvalidInput(problems)
    roster = Roster(admins=admins, mentors=mentors, mentees=records)
    return ParsedRoster(roster, CsvPlaces(roster, lines))


def _people(rows: list[Row], problems: Problems) -> tuple[list[str], list[MentorEntry], list[int]]:
    admins: list[str] = []
    mentors: list[MentorEntry] = []
    lines: list[int] = []
    first: dict[str, int] = {}
    for row in rows:
        person, found = _validated(PersonRow, row, row.cells, PEOPLE.required)
        if person is not None:
            found += _person_problems(row, person, first)
        problems.extend_capped(found)
        if person is None or found:
            continue
        if person.admin:
            admins.append(person.slack_user_id)
        if person.mentor:
            assert person.name is not None
            mentors.append(
                MentorEntry(slack_user_id=person.slack_user_id, name=person.name, tz=person.tz)
            )
            lines.append(row.line)
    return admins, mentors, lines


def _person_problems(row: Row, person: PersonRow, first: dict[str, int]) -> list[Problem]:
    earlier = first.setdefault(person.slack_user_id, row.line)
    if earlier != row.line:
        return [Problem(row.at("slack_user_id"), f"listed twice (first on line {earlier})")]
    if not (person.admin or person.mentor):
        return [Problem(row.at(), "neither an admin nor a mentor: write yes under admin or mentor")]
    if person.mentor and person.name is None:
        return [Problem(row.at("name"), "required for a mentor: this cell is empty")]
    if not person.mentor:
        return [
            Problem(row.at(column), "kept for mentors only: leave it empty for an admin")
            for column in ("name", "tz")
            if getattr(person, column) is not None
        ]
    return []


def _items(
    tables: Mapping[str, list[Row]], mentee_ids: set[str | None], problems: Problems
) -> dict[str, dict[str, list[tuple[int, BaseModel]]]]:
    """Each list sheet's items, by mentee and list, with the line each came from."""
    out: dict[str, dict[str, list[tuple[int, BaseModel]]]] = defaultdict(lambda: defaultdict(list))
    for sheet in LIST_SHEETS:
        for row in tables[sheet.name]:
            item, found = _item(sheet, row, mentee_ids)
            problems.extend_capped(found)
            if item is not None:
                out[row.cells[MENTEE_KEY]][sheet.field].append((row.line, item))
    return out


def _item(
    sheet: ListSheet, row: Row, mentee_ids: set[str | None]
) -> tuple[BaseModel | None, list[Problem]]:
    values: dict[str, Any] = {k: v for k, v in row.cells.items() if k != MENTEE_KEY}
    problems: list[Problem] = []
    mentee = row.cells.get(MENTEE_KEY)
    if mentee is not None and mentee not in mentee_ids:
        problems.append(Problem(row.at(MENTEE_KEY), f"{mentee} is not in mentees.csv"))
    if PAIRS_COLUMN in values:
        try:
            values[PAIRS_COLUMN] = read_pairs(values[PAIRS_COLUMN])
        except ValueError as exc:
            problems.append(Problem(row.at(PAIRS_COLUMN), str(exc)))
            values.pop(PAIRS_COLUMN)
    if "" in row.cells:
        return None, [Problem(row.at(), row.cells[""])]
    item, found = _validated(sheet.item, row, values, sheet.required, keyed={MENTEE_KEY: mentee})
    problems += found
    return (item if not problems else None), problems


def _mentee(row: Row, lists: dict[str, list[BaseModel]], problems: Problems) -> MenteeRecord | None:
    if "" in row.cells:
        problems.extend_capped([Problem(row.at(), row.cells[""])])
        return None
    values: dict[str, Any] = dict(row.cells)
    for column in LIST_COLUMNS:
        if column in values:
            values[column] = split_values(values[column])
    record, found = _validated(MenteeRecord, row, {**values, **lists}, MENTEES.required)
    # The mentee's lists were read from their own sheets; a problem of a whole list, or of
    # the mentee as a whole (an exam's attempt twice), names the sheet and the mentee.
    slack_id = row.cells.get("slack_user_id", "no id")
    for n, problem in enumerate(found):
        column = problem.where.rpartition(", ")[2] if ", " in problem.where else ""
        if column in LIST_FIELDS:
            found[n] = Problem(f"{column}.csv, mentee {slack_id}", problem.message)
        elif not column:
            found[n] = Problem(f"{row.at()} ({slack_id})", problem.message)
    problems.extend_capped(found)
    return record


def _validated(
    model: type[ModelT],
    row: Row,
    values: Mapping[str, Any],
    required: tuple[str, ...],
    keyed: Mapping[str, str | None] | None = None,
) -> tuple[ModelT | None, list[Problem]]:
    """The row as the model, or the problems, each by column; a required cell left empty is
    named once (not again as the model's "Field required")."""
    cells = {**values, **(keyed or {})}
    blank = [column for column in required if cells.get(column) is None]
    problems = [Problem(row.at(column), "required: this cell is empty") for column in blank]
    try:
        return model.model_validate(values), problems
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            column = str(error["loc"][0]) if error["loc"] else None
            if column in blank:
                continue
            problems.append(Problem(row.at(column), _message(error)))
        return None, problems


def _message(error: Any) -> str:
    if error["type"] in DATE_ERRORS:
        return f"{error['input']!r} is not a date like 2026-10-02 (year-month-day)"
    if error["type"] in DATETIME_ERRORS:
        return f"{error['input']!r} is not a time like 2026-10-02T15:00:00Z (with its zone)"
    return str(error["msg"]).removeprefix("Value error, ")


# -- writing -------------------------------------------------------------------------------------


def render_csv_roster(roster: Roster) -> dict[str, str]:
    """Every sheet's text, by file name, in the order of `SHEETS`."""
    sheets = {PEOPLE.name: render_table(PEOPLE, _people_rows(roster))}
    mentees = [record.model_dump(mode="json") for record in roster.mentees]
    sheets[MENTEES.name] = render_table(MENTEES, mentees)
    for sheet in LIST_SHEETS:
        rows = [
            {MENTEE_KEY: record["slack_user_id"], **item}
            for record in mentees
            for item in record[sheet.field]
        ]
        sheets[sheet.name] = render_table(sheet, rows)
    return sheets


def _people_rows(roster: Roster) -> list[dict[str, Any]]:
    """Admins and mentors in one list, by Slack id (export lists both in that order)."""
    mentors = {m.slack_user_id: m for m in roster.mentors}
    rows = []
    for slack_id in sorted(set(roster.admins) | set(mentors)):
        mentor = mentors.get(slack_id)
        rows.append(
            {
                "slack_user_id": slack_id,
                "name": mentor.name if mentor else None,
                "tz": mentor.tz if mentor else None,
                "admin": slack_id in roster.admins,
                "mentor": mentor is not None,
            }
        )
    return rows
