"""The CSV roster's sheets: one file per table a programme coordinator keeps in a spreadsheet.

- `people.csv`: one row per admin or mentor (`admin` and `mentor` say which; a mentor has a name).
- `mentees.csv`: one row per mentee, the whole profile but its lists; `mentors` and `targets`
  hold several values separated by spaces.
- one sheet per list a mentee has (`exams.csv`, `milestones.csv`, `checkins.csv`, …): one row
  per item, the mentee's Slack id in the first column, `mentee`.

Column names are the JSON roster's field names, so a column means exactly what the field means.
How a value is written in a cell: empty is "not given" (the field's default), booleans are
yes/no, lists are space-separated, a cycle's applications are `pathway=count` pairs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.profile.schema import (
    CycleIn,
    ExamIn,
    LetterIn,
    PlannedExamIn,
    PracticeScoreIn,
    ResearchIn,
    UsceIn,
)
from bot.roster.schema import CheckInEntry, MilestoneEntry


@dataclass(frozen=True)
class Sheet:
    name: str  # the file's name in the folder or zip
    columns: tuple[str, ...]
    required: tuple[str, ...]


@dataclass(frozen=True)
class ListSheet(Sheet):
    field: str  # the mentee's list it holds
    item: type[BaseModel]


PEOPLE = Sheet("people.csv", ("slack_user_id", "name", "tz", "admin", "mentor"), ("slack_user_id",))
MENTEES = Sheet(
    "mentees.csv",
    (
        "slack_user_id",
        "name",
        "tz",
        "mentors",
        "status",
        "checkpoint_cadence_days",
        "applicant_type",
        "visa",
        "ecfmg",
        "graduation_year",
        "targets",
        "mentor_advocate",
        "distinctive_story",
        "notes",
    ),
    ("slack_user_id", "applicant_type"),
)
LIST_COLUMNS = ("mentors", "targets")  # several values in one cell
PAIRS_COLUMN = "applications"  # a cycle's applications per pathway: pathway=count …
MENTEE_KEY = "mentee"  # the first column of every list sheet


def _list_sheet(field: str, item: type[BaseModel]) -> ListSheet:
    fields = tuple(item.model_fields)
    required = tuple(name for name, info in item.model_fields.items() if info.is_required())
    return ListSheet(
        f"{field}.csv", (MENTEE_KEY, *fields), (MENTEE_KEY, *required), field=field, item=item
    )


LIST_SHEETS: tuple[ListSheet, ...] = tuple(
    _list_sheet(field, item)
    for field, item in (
        ("exams", ExamIn),
        ("planned_exams", PlannedExamIn),
        ("practice_scores", PracticeScoreIn),
        ("usce", UsceIn),
        ("letters", LetterIn),
        ("research", ResearchIn),
        ("cycles", CycleIn),
        ("milestones", MilestoneEntry),
        ("checkins", CheckInEntry),
    )
)
SHEETS: tuple[Sheet, ...] = (PEOPLE, MENTEES, *LIST_SHEETS)
SHEET_NAMES = tuple(sheet.name for sheet in SHEETS)

# -- a value in a cell ---------------------------------------------------------------------------

# A cell a spreadsheet would run as a formula starts with one of these. Export writes such a
# text with an apostrophe in front (which spreadsheets take as "this is text" and do not show);
# import takes one apostrophe off again, so every text survives the round trip exactly.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARDED = re.compile(r"'+[=+\-@\t\r]")
SEPARATORS = re.compile(r"[\s,;]+")


def guard(text: str) -> str:
    """The text as a cell no spreadsheet runs: one more apostrophe where it (after its own
    leading apostrophes) begins like a formula."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_START) else text


def unguard(text: str) -> str:
    return text[1:] if GUARDED.match(text) else text


def cell(value: Any) -> str:
    """A field's JSON value (`model_dump(mode="json")`) as the text of its cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{key}={count}" for key, count in value.items())
    return guard(str(value))


def row_cells(sheet: Sheet, values: Mapping[str, Any]) -> list[str]:
    return [cell(values.get(column)) for column in sheet.columns]


def split_values(text: str) -> list[str]:
    """`mentors` and `targets`: values separated by spaces (commas and semicolons too)."""
    return [part for part in SEPARATORS.split(text) if part]


def read_pairs(text: str) -> dict[str, str]:
    """`general_surgery=45 preliminary_surgery=20` (a colon also separates name and count)."""
    pairs: dict[str, str] = {}
    for part in split_values(text):
        name, sep, count = part.replace(":", "=").partition("=")
        if not sep or not name or not count:
            raise ValueError(
                f"{part!r} is not pathway=count; write applications like "
                "general_surgery=45 preliminary_surgery=20"
            )
        if name in pairs:
            raise ValueError(f"{name} is named twice")
        pairs[name] = count
    return pairs
