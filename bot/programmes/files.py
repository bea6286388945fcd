"""Programme files: CSV (what people keep in spreadsheets) and JSON, read and written.

Reading is all or nothing: every problem in the file is collected, each named by its line and
column (CSV) or its entry and field (JSON), and one bad cell refuses the whole file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from bot.csv_columns import read_header
from bot.errors import InvalidInput, Problem
from bot.programmes.schema import COLUMNS, REQUIRED, ProgrammeIn

Format = Literal["csv", "json"]
MAX_ROWS = 20_000
MAX_PROBLEMS = 200  # beyond this the file is wrong throughout: more lines would not help


@dataclass(frozen=True)
class ParsedRow:
    where: str  # "line 7" (CSV) or "programmes[5]" (JSON)
    programme: ProgrammeIn


def guess_format(name: str, data: bytes) -> Format:
    """From the file's suffix, else from its first character."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".csv"):
        return "csv"
    return "json" if data.lstrip()[:1] in (b"{", b"[") else "csv"


def parse_programmes(data: bytes, fmt: Format) -> list[ParsedRow]:
    """Every row of the file, validated; `InvalidInput` lists every problem if any row has one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.single(
            "file", f"not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8 or JSON"
        ) from None
    entries = _csv_entries(text) if fmt == "csv" else _json_entries(text)
    rows: list[ParsedRow] = []
    problems: list[Problem] = []
    first_seen: dict[tuple[str, str, str, str], str] = {}
    for where, cells in entries:
        row, found = _validate(where, cells, fmt)
        problems += found
        if row is not None:
            earlier = first_seen.setdefault(row.programme.key, where)
            if earlier != where:
                problems.append(Problem(where, f"the same programme and track as {earlier}"))
            rows.append(row)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem("", f"stopped after {MAX_PROBLEMS} problems"))
            break
    if len(rows) + len(problems) == 0:
        problems.append(Problem("file", "holds no programmes"))
    if problems:
        raise InvalidInput(problems)
    return rows


def _csv_entries(text: str) -> Iterable[tuple[str, dict[str, str]]]:
    lines = text.splitlines(keepends=True)
    skipped = 0
    # Leading comment lines (a "# synthetic data" header) are notes for people, not data.
    while skipped < len(lines) and (
        lines[skipped].lstrip().startswith("#") or not lines[skipped].strip()
    ):
        skipped += 1
    reader = csv.reader(io.StringIO("".join(lines[skipped:]), newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput.single(f"line {skipped + 1}", f"not readable as CSV ({exc})") from None
    if header is None:
        raise InvalidInput.single("file", "holds no header line and no programmes")
    columns = read_header(
        header,
        f"line {reader.line_num + skipped}",
        columns=COLUMNS,
        required=REQUIRED,
        not_a="a programme column",
    )
    count = 0
    while True:
        # A record names the line it starts on (a quoted cell may run over several lines).
        where = f"line {reader.line_num + skipped + 1}"
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise InvalidInput.single(where, f"not readable as CSV ({exc})") from None
        if cells is None:
            return
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise InvalidInput.single("file", f"more than {MAX_ROWS:,} programmes")
        if len(cells) > len(columns):
            extra = [c for c in cells[len(columns) :] if c.strip()]
            if extra:
                yield where, {"": f"{len(cells)} cells but the header names {len(columns)}"}
                continue
        # Spreadsheets drop empty cells at the end of a line: those are unknown.
        yield where, dict(zip(columns, cells, strict=False))


def _json_entries(text: str) -> Iterable[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput.single(
            f"line {exc.lineno}", f"not valid JSON ({exc.msg}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict) or set(data) != {"programmes"}:
        raise InvalidInput.single(
            "file", 'the top level must be an object with one key, "programmes", holding a list'
        )
    entries = data["programmes"]
    if not isinstance(entries, list):
        raise InvalidInput.single("programmes", "must be a list of programmes")
    if len(entries) > MAX_ROWS:
        raise InvalidInput.single("file", f"more than {MAX_ROWS:,} programmes")
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            yield f"programmes[{n}]", {"": "must be an object of column: value"}
        else:
            yield f"programmes[{n}]", entry


def _validate(
    where: str, cells: dict[str, Any], fmt: Format
) -> tuple[ParsedRow | None, list[Problem]]:
    if "" in cells:
        return None, [Problem(where, str(cells[""]))]

    def at(column: str) -> str:
        return f"{where}, {column}" if fmt == "csv" else f"{where}.{column}"

    blank = [c for c in REQUIRED if _is_blank(cells.get(c))]
    problems = [Problem(at(c), "required: this cell is empty") for c in blank]
    try:
        programme = ProgrammeIn.model_validate(cells)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            column = str(error["loc"][0]) if error["loc"] else ""
            if column in blank:
                continue
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "not a programme column"
            problems.append(Problem(at(column) if column else where, message))
        return None, problems
    return ParsedRow(where=where, programme=programme), problems


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- writing ---------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A fact as a CSV cell: unknown is empty, booleans yes/no, Match years space-separated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(str(v) for v in value) if value else "none"
    return str(value)


def render_csv(programmes: Iterable[ProgrammeIn]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for programme in programmes:
        writer.writerow([cell(getattr(programme, column)) for column in COLUMNS])
    return out.getvalue()


def render_json(programmes: Iterable[ProgrammeIn]) -> str:
    rows = [p.model_dump(mode="json") for p in programmes]
    return json.dumps({"programmes": rows}, indent=2) + "\n"


def render(programmes: Sequence[ProgrammeIn], fmt: Format) -> str:
    return render_csv(programmes) if fmt == "csv" else render_json(programmes)
