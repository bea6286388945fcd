"""The CSV roster: sheets a coordinator edits in a spreadsheet, read back to the same roster,
refused whole with every problem named by file, line and column."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from app.cli import main
from bot.access import Actor
from bot.db.engine import Database
from bot.errors import InvalidInput
from bot.models import Mentee, Person
from bot.roster.csv_roster import parse_csv_roster, render_csv_roster
from bot.roster.csv_table import pack, unpack
from bot.roster.schema import MenteeRecord, Roster
from bot.roster.service import export_roster, import_roster, parse_roster
from bot.roster.sheets import LIST_SHEETS, MENTEE_KEY, MENTEES, PEOPLE, SHEET_NAMES, guard, unguard
from tests.databases import DatabaseFactory
from tests.roster_strategies import rosters

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "roster.json"
EXAMPLE_CSV = ROOT / "examples" / "roster-csv"


def sheets(roster: Roster) -> dict[str, bytes]:
    return {name: text.encode() for name, text in render_csv_roster(roster).items()}


def example_sheets() -> dict[str, str]:
    return render_csv_roster(parse_roster(EXAMPLE.read_text()))


def refusal(files: dict[str, str]) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        parse_csv_roster({name: text.encode() for name, text in files.items()})
    return [str(p) for p in refused.value.problems]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_any_roster_survives_the_sheets_exactly(roster: Roster) -> None:
    assert parse_csv_roster(sheets(roster)).roster == roster
    # and through the zip, as `export -o roster.zip` writes it
    assert parse_csv_roster(unpack(pack(render_csv_roster(roster)))).roster == roster


def test_every_field_of_the_roster_has_a_column() -> None:
    """A field added to the schema without a column would be lost on the way through CSV."""
    columns = set(MENTEES.columns) | {s.field for s in LIST_SHEETS}
    assert columns == set(MenteeRecord.model_fields)
    for sheet in LIST_SHEETS:
        assert sheet.columns == (MENTEE_KEY, *sheet.item.model_fields)
    assert set(PEOPLE.columns) == {"slack_user_id", "name", "tz", "admin", "mentor"}


def test_the_example_folder_is_the_example_roster() -> None:
    """examples/roster-csv is what `export --format csv` writes for examples/roster.json."""
    on_disk = {p.name: p.read_text(encoding="utf-8-sig") for p in EXAMPLE_CSV.glob("*.csv")}
    assert on_disk == example_sheets()
    roster = parse_csv_roster({n: t.encode() for n, t in on_disk.items()}).roster
    assert roster == parse_roster(EXAMPLE.read_text())


def test_database_round_trip_through_the_zip(
    db_factory: DatabaseFactory, system: Actor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON in, CSV out, CSV into an empty database, CSV out again: the same bytes, and the same
    JSON export from both databases."""
    first, second = db_factory.new(), db_factory.new()
    zips = [tmp_path / "first.zip", tmp_path / "second.zip"]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", first)
        assert main(["import", str(EXAMPLE)]) == 0
        assert main(["export", "-o", str(zips[0])]) == 0
        env.setenv("MATCHPATH_DATABASE_URL", second)
        assert main(["import", str(zips[0])]) == 0
        assert main(["export", "--format", "csv", "-o", str(zips[1])]) == 0
    assert capsys.readouterr().out.count("imported 4 mentees, 2 mentors, 1 admin") == 2
    assert zips[0].read_bytes() == zips[1].read_bytes()
    assert stat.S_IMODE(os.stat(zips[0]).st_mode) == 0o600
    assert sorted(zipfile.ZipFile(zips[0]).namelist()) == sorted(SHEET_NAMES)
    exports = []
    for url in (first, second):
        db = Database(url)
        try:
            with db.unit_of_work() as session:
                exports.append(export_roster(session, actor=system).model_dump_json())
        finally:
            db.dispose()
    assert exports[0] == exports[1]
    assert json.loads(exports[0])["mentees"][1]["exams"][0]["score"] == 213


def test_a_folder_imports_like_the_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "roster"
    folder.mkdir()
    for name, text in example_sheets().items():
        (folder / name).write_text(text, encoding="utf-8-sig")  # as Excel saves CSV UTF-8
    (folder / "README.txt").write_text("notes for the coordinator")  # not a sheet: not read
    (folder / ".~lock.mentees.csv#").write_text("a spreadsheet's lock file")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", f"sqlite:///{tmp_path / 'f.db'}")
        assert main(["import", str(folder)]) == 0
        assert main(["import", str(folder / "mentees.csv")]) == 2
    out = capsys.readouterr()
    assert "imported 4 mentees" in out.out
    assert "a CSV roster is the folder (or a .zip) of its sheets" in out.err


def test_a_zip_of_a_folder_with_archiver_leftovers_reads() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in example_sheets().items():
            archive.writestr(f"roster/{name}", text)
            archive.writestr(f"__MACOSX/roster/._{name}", b"\x00\x05\x16\x07")
    files = unpack(out.getvalue())
    assert sorted(files) == sorted(SHEET_NAMES)
    assert len(parse_csv_roster(files).roster.mentees) == 4
    with pytest.raises(InvalidInput, match="not a readable zip file"):
        unpack(b"PK\x03\x04 truncated")


def test_formulas_are_guarded_on_export_and_read_back_as_written() -> None:
    data = json.loads(EXAMPLE.read_text())
    data["mentees"][0]["notes"] = '=HYPERLINK("http://x.example","click")'
    data["mentees"][0]["name"] = "-Maya"
    data["mentees"][1]["milestones"][0]["title"] = "'=already guarded by its author"
    roster = Roster.model_validate(data)
    files = render_csv_roster(roster)
    assert "'=HYPERLINK" in files["mentees.csv"]
    assert ",'-Maya," in files["mentees.csv"]
    assert "''=already guarded" in files["milestones.csv"]
    assert parse_csv_roster(sheets(roster)).roster == roster
    for text in ["=1+1", "+1", "-1", "@SUM(A1)", "'", "'=x", "''@x", "plain", "a=b"]:
        assert unguard(guard(text)) == text
        assert not guard(text).startswith(("=", "+", "-", "@"))


def test_a_spreadsheet_edit_reads_back() -> None:
    """What a spreadsheet writes: a byte-order mark, CRLF, headers in another case and order,
    cells with spaces around them, empty trailing cells dropped, yes/no as TRUE/FALSE."""
    files = example_sheets()
    files["people.csv"] = (
        "\ufeffMentor,Admin,Slack User ID,Name,TZ\r\n"
        "FALSE,TRUE,UADMIN01\r\n"
        "TRUE,FALSE,UMENTOR01, Dr. Grace Whitfield ,America/New_York\r\n"
        "TRUE,FALSE,UMENTOR02,Dr. Samuel Osei,Europe/London\r\n"
        ",,,,\r\n"
    )
    roster = parse_csv_roster({n: t.encode() for n, t in files.items()}).roster
    assert roster == parse_roster(EXAMPLE.read_text())


def test_every_problem_by_file_line_and_column(fresh_db: Database, system: Actor) -> None:
    files = example_sheets()
    files["mentees.csv"] = files["mentees.csv"].replace(",j1,", ",tourist,", 1)
    files["exams.csv"] = files["exams.csv"].replace("2021-11-01", "11/1/2021")
    files["exams.csv"] = files["exams.csv"].replace(",228,", ",400,")
    files["milestones.csv"] += "UNOBODY1,Book Step 3,2027-01-15,open,,free,\n"
    files["milestones.csv"] += ",Nobody's,2027-01-15,open,,free,\n"
    files["cycles.csv"] = files["cycles.csv"].replace("general_surgery=45", "general_surgery 45")
    files["letters.csv"] += "UMENTEE01,Dr. X,other,yes,yes,2025-01-01,extra\n"
    files["exams.csv"] += "UMENTEE03,step1,,pass,1,2020-07-02\n"  # attempt 1 twice
    files["planned_exams.csv"] += "".join(
        f"UMENTEE04,{exam},2027-0{n}-01\n" for n, exam in enumerate(["step1"] * 4, start=1)
    )
    problems = refusal(files)
    assert "mentees.csv line 3, visa: Input should be 'none', 'j1', 'h1b' or 'j1_or_h1b'" in (
        problems
    )
    assert (
        "exams.csv line 4, taken_on: '11/1/2021' is not a date like 2026-10-02 (year-month-day)"
        in problems
    )
    assert any(
        p.startswith("exams.csv line 3, score: Input should be less than or equal to 300")
        for p in problems
    )
    assert "milestones.csv line 5, mentee: UNOBODY1 is not in mentees.csv" in problems
    assert "milestones.csv line 6, mentee: required: this cell is empty" in problems
    assert any(
        p.startswith("cycles.csv line 2, applications: 'general_surgery' is not pathway=count")
        for p in problems
    )
    assert "letters.csv line 10: 7 cells but the header names 6" in problems
    assert "mentees.csv line 4 (UMENTEE03): an exam has the same attempt number twice" in problems
    assert any(
        p.startswith("planned_exams.csv, mentee UMENTEE04: List should have at most 3 items")
        for p in problems
    )


def test_header_problems_name_the_column() -> None:
    files = example_sheets()
    files["mentees.csv"] = files["mentees.csv"].replace("visa", "visa_status", 1)
    files["exams.csv"] = files["exams.csv"].replace("mentee,exam,", "exam,", 1)
    files["notes.csv"] = "anything\n"
    del files["checkins.csv"]
    problems = refusal(files)
    assert any(
        p.startswith("mentees.csv line 1, column 8: 'visa_status' is not a column of mentees.csv")
        for p in problems
    )
    assert "exams.csv line 1: the column mentee is missing (it is required)" in problems
    assert any(p.startswith("notes.csv: is not a roster sheet") for p in problems)
    assert any(p.startswith("checkins.csv: is missing") for p in problems)


def test_people_sheet_rules() -> None:
    files = example_sheets()
    files["people.csv"] = (
        "slack_user_id,name,tz,admin,mentor\n"
        "UADMIN01,The Admin,,yes,no\n"
        "UMENTOR01,,America/New_York,no,yes\n"
        "UMENTOR02,Dr. Samuel Osei,Europe/London,no,no\n"
        "UMENTOR02,Dr. Samuel Osei,Europe/London,no,yes\n"
        "bad id,X,,yes,no\n"
    )
    problems = refusal(files)
    assert "people.csv line 2, name: kept for mentors only: leave it empty for an admin" in problems
    assert "people.csv line 3, name: required for a mentor: this cell is empty" in problems
    assert (
        "people.csv line 4: neither an admin nor a mentor: write yes under admin or mentor"
        in problems
    )
    assert "people.csv line 5, slack_user_id: listed twice (first on line 4)" in problems
    assert any(
        p.startswith("people.csv line 6, slack_user_id: String should match") for p in problems
    )


def test_cross_checks_name_file_line_and_column(fresh_db: Database, system: Actor) -> None:
    """Problems found against the database read like those found in the file, and nothing is
    written."""
    files = example_sheets()
    files["mentees.csv"] = files["mentees.csv"].replace(
        ",America/Chicago,UMENTOR01,", ",Mars/Base,UMENTOR09,"
    )
    files["checkins.csv"] = files["checkins.csv"].replace(
        "UMENTEE02,UMENTOR02", "UMENTEE02,UMENTOR07"
    )
    parsed = parse_csv_roster({n: t.encode() for n, t in files.items()})
    with pytest.raises(InvalidInput) as refused, fresh_db.unit_of_work() as session:
        import_roster(session, actor=system, roster=parsed.roster, places=parsed.places)
    problems = [str(p) for p in refused.value.problems]
    assert "mentees.csv line 2, tz: 'Mars/Base' is not an IANA time zone" in problems
    assert "mentees.csv line 2, mentors: UMENTOR09 is not in mentors" in problems
    assert "checkins.csv line 3, mentor: UMENTOR07 is not in mentors" in problems
    with fresh_db.read_only() as session:
        assert session.scalar(select(func.count(Person.id))) == 0
        assert session.scalar(select(func.count(Mentee.id))) == 0


def test_not_utf8_and_not_csv_are_named() -> None:
    files = {n: t.encode() for n, t in example_sheets().items()}
    files["letters.csv"] = "mentee,writer\nUMENTEE01,Dr. M\xfcller\n".encode("latin-1")
    files["research.csv"] = b'mentee,kind,specialty,title,date\nUMENTEE01,"poster\n'
    with pytest.raises(InvalidInput) as refused:
        parse_csv_roster(files)
    problems = [str(p) for p in refused.value.problems]
    assert any(p.startswith("letters.csv: not UTF-8 text (byte 30)") for p in problems)
    assert any(p.startswith("research.csv line 2: not readable as CSV") for p in problems)


def test_csv_export_needs_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", f"sqlite:///{tmp_path / 'e.db'}")
        assert main(["export", "--format", "csv"]) == 2
    assert "a CSV export is a zip of sheets: name it with -o roster.zip" in capsys.readouterr().err
