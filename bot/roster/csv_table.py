"""One sheet of the CSV roster read into rows, and the sheets packed into a zip and back.

Read as the programme files are (bot/programmes/files.py): UTF-8 (a byte-order mark, as Excel
writes, is fine), a strict CSV reader, the header's names compared without case, spaces or
hyphens, an unknown column refused by name, a required column that is missing named, each record
named by the line it starts on, blank lines skipped.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.csv_columns import read_header
from bot.errors import InvalidInput, Problem
from bot.roster.sheets import SHEET_NAMES, Sheet, row_cells, unguard

MAX_ROWS = 50_000  # per sheet
MAX_ZIP_BYTES = 64 * 1024 * 1024  # the sheets of a zip, unpacked
MAX_ZIP_MEMBERS = 100
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # every member's: the same roster packs to the same bytes


@dataclass(frozen=True)
class Row:
    sheet: str
    line: int
    cells: dict[str, str]  # column -> text as written (a guarded formula unguarded); no blanks

    def at(self, column: str | None = None) -> str:
        where = f"{self.sheet} line {self.line}"
        return f"{where}, {column}" if column else where


def read_table(sheet: Sheet, data: bytes) -> list[Row]:
    """The sheet's rows; `InvalidInput` if the file cannot be read or its header is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.single(
            sheet.name, f"not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput.single(f"{sheet.name} line 1", f"not readable as CSV ({exc})") from None
    if header is None:
        raise InvalidInput.single(
            sheet.name, f"is empty: it needs at least its header ({', '.join(sheet.columns)})"
        )
    columns = read_header(
        header,
        f"{sheet.name} line {reader.line_num}",
        columns=sheet.columns,
        required=sheet.required,
        not_a=f"a column of {sheet.name}",
    )
    return list(_rows(sheet, reader, columns))


def _rows(sheet: Sheet, reader: Iterator[list[str]], columns: list[str]) -> Iterator[Row]:
    count = 0
    while True:
        # A record names the line it starts on (a quoted cell may run over several lines).
        line = reader.line_num + 1  # type: ignore[attr-defined]
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise InvalidInput.single(
                f"{sheet.name} line {line}", f"not readable as CSV ({exc})"
            ) from None
        if cells is None:
            return
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise InvalidInput.single(sheet.name, f"more than {MAX_ROWS:,} rows")
        extra = [c for c in cells[len(columns) :] if c.strip()]
        if extra:
            yield Row(
                sheet.name, line, {"": f"{len(cells)} cells but the header names {len(columns)}"}
            )
            continue
        # Spreadsheets drop empty cells at the end of a line: those are not given.
        values = {col: unguard(c.strip()) for col, c in zip(columns, cells, strict=False)}
        yield Row(sheet.name, line, {col: text for col, text in values.items() if text})


def render_table(sheet: Sheet, rows: Iterable[Mapping[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sheet.columns)
    for values in rows:
        writer.writerow(row_cells(sheet, values))
    return out.getvalue()


# -- the sheets together -------------------------------------------------------------------------


def pack(files: Mapping[str, str]) -> bytes:
    """The sheets as one zip, each with a byte-order mark so that Excel reads it as UTF-8."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            member = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            archive.writestr(member, text.encode("utf-8-sig"))
    return out.getvalue()


def unpack(data: bytes) -> dict[str, bytes]:
    """The sheets in a zip, by file name (a folder inside the zip is fine)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput.single("file", "not a readable zip file") from None
    with archive:
        members = [m for m in archive.infolist() if _is_sheet(m)]
        if len(members) > MAX_ZIP_MEMBERS:
            raise InvalidInput.single("file", f"holds more than {MAX_ZIP_MEMBERS} files")
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise InvalidInput.single("file", f"unpacks to more than {MAX_ZIP_BYTES:,} bytes")
        files: dict[str, bytes] = {}
        for member in members:
            name = PurePosixPath(member.filename).name.lower()
            if name in files:
                raise InvalidInput.single(name, "is in the zip twice (in two folders)")
            try:
                files[name] = archive.read(member)
            except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
                raise InvalidInput.single(name, f"cannot be unpacked ({exc})") from None
        return files


def _is_sheet(member: zipfile.ZipInfo) -> bool:
    """A CSV file, not what archivers and spreadsheets leave beside it (macOS's __MACOSX
    folder, ._ copies, lock files), which is skipped."""
    parts = PurePosixPath(member.filename).parts
    hidden = any(p == "__MACOSX" or p.startswith((".", "~$")) for p in parts)
    return not member.is_dir() and not hidden and is_csv_name(member.filename)


def is_csv_name(name: str) -> bool:
    return name.lower().endswith(".csv")


def sheet_name_problems(files: Mapping[str, bytes]) -> list[Problem]:
    """Every sheet present, and no CSV file that is not one of them."""
    problems = [
        Problem(name, f"is not a roster sheet (the sheets are {', '.join(SHEET_NAMES)})")
        for name in sorted(files)
        if name not in SHEET_NAMES
    ]
    return problems + [
        Problem(
            name,
            "is missing: a CSV roster holds every sheet, and one with only its header line "
            "means none",
        )
        for name in SHEET_NAMES
        if name not in files
    ]
