"""Programme files: read all or nothing with every problem by line and column, written back the
same, unknown facts kept unknown; the synthetic example is what its generator makes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from statistics import median

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.programmes.files import (
    guess_format,
    parse_programmes,
    render_csv,
    render_json,
)
from bot.programmes.schema import COLUMNS, STATES, ProgrammeIn
from bot.programmes.synthetic import SOURCE
from bot.programmes.vocab import ProgrammeSetting, ProgrammeTrack

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "programmes.csv"
HEADER = ",".join(COLUMNS)
GOOD = (
    "Synthetic Regional Medical Center 017,Synthetic City 004,OH,preliminary_surgery,yes,no,71,"
    "220,no,5,yes,community,6,2025 2023,synthetic,2026-06-01"
)


def problems(data: str | bytes, fmt: str = "csv") -> list[str]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InvalidInput) as refused:
        parse_programmes(raw, fmt)  # type: ignore[arg-type]
    return [str(p) for p in refused.value.problems]


def test_the_example_is_synthetic_and_covers_every_track() -> None:
    text = EXAMPLE.read_text()
    assert text.startswith("# SYNTHETIC DATA")
    rows = [r.programme for r in parse_programmes(EXAMPLE.read_bytes(), "csv")]
    assert 200 <= len(rows) <= 600
    assert {r.track for r in rows} == set(ProgrammeTrack)
    assert all(r.name.startswith("Synthetic ") for r in rows)
    assert all(r.city.startswith("Synthetic City ") for r in rows)
    assert {r.source for r in rows} == {SOURCE}
    assert "not a real programme" in SOURCE
    # Unknown facts are part of real files: the example has them, in every fact column.
    for column in COLUMNS[4:14]:
        assert any(getattr(r, column) is None for r in rows), column


def test_the_example_follows_published_shapes() -> None:
    """Prelim takes more IMGs and goes unfilled more often than categorical surgery; plastics
    takes almost none; J-1 sponsorship is far commoner than H-1B (NRMP 2025 tables, 001)."""
    rows = [r.programme for r in parse_programmes(EXAMPLE.read_bytes(), "csv")]

    def of(track: ProgrammeTrack) -> list[ProgrammeIn]:
        return [r for r in rows if r.track is track]

    def share(track: ProgrammeTrack) -> float:
        return median(r.img_share for r in of(track) if r.img_share is not None)

    def unfilled(track: ProgrammeTrack) -> float:
        known = [r for r in of(track) if r.unfilled_after_match is not None]
        return sum(1 for r in known if r.unfilled_after_match) / len(known)

    prelim, categorical = ProgrammeTrack.PRELIMINARY_SURGERY, ProgrammeTrack.GENERAL_SURGERY
    assert share(prelim) >= 35 > share(categorical) >= 5
    assert share(ProgrammeTrack.INTEGRATED_PLASTICS) <= 8
    assert unfilled(prelim) > 0.3 > 0.1 > unfilled(categorical)
    assert unfilled(ProgrammeTrack.INTEGRATED_PLASTICS) == 0
    j1 = sum(1 for r in of(prelim) if r.sponsors_j1)
    h1b = sum(1 for r in of(prelim) if r.sponsors_h1b)
    assert j1 > 3 * h1b
    screens = [r.step2_screen for r in rows if r.step2_screen is not None]
    assert min(screens) >= 205
    assert max(screens) <= 255


def test_the_generator_writes_the_example(tmp_path: Path) -> None:
    out = tmp_path / "programmes.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate_programmes.py"), "-o", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert out.read_text() == EXAMPLE.read_text()


def test_cells_are_read_as_spreadsheets_write_them() -> None:
    text = (
        f"# a note\n\n{HEADER}\n"
        "Synthetic A,Synthetic City 1,oh,Preliminary surgery,Y,unknown,45%,,TRUE,,,Academic,,"
        "none,s,2026-06-01\n"
        "Synthetic B,Synthetic City 2,TX,TY,,,,,,,,,,,s,2026-06-01\n"
        "Synthetic C,Synthetic City 3,NY,categorical general surgery,0,1,0,230,n,10,no,"
        "community,4,2025;2021,s,2026-06-01\n"
    )
    rows = parse_programmes(text.encode("utf-8-sig"), "csv")
    a, b, c = (r.programme for r in rows)
    assert [r.where for r in rows] == ["line 4", "line 5", "line 6"]
    assert (a.state, a.track, a.sponsors_j1, a.sponsors_h1b, a.img_share) == (
        "OH",
        ProgrammeTrack.PRELIMINARY_SURGERY,
        True,
        None,
        45,
    )
    assert (a.first_attempt_only, a.setting, a.unfilled_after_match) == (
        True,
        ProgrammeSetting.ACADEMIC,
        [],
    )
    # Every fact left empty stays unknown: None, never False or 0.
    assert b.track is ProgrammeTrack.TRANSITIONAL_YEAR
    assert all(getattr(b, column) is None for column in COLUMNS[4:14])
    assert (c.sponsors_j1, c.sponsors_h1b, c.img_share, c.unfilled_after_match) == (
        False,
        True,
        0,
        [2025, 2021],
    )


def test_a_bad_file_is_refused_whole_with_every_problem_by_line_and_column() -> None:
    text = (
        f"{HEADER}\n{GOOD}\n"
        ",Synthetic City 9,ZZ,surgery,maybe,,0.7,23,,,,,,,s,2026-13-01\n"
        f"{GOOD}\n"
        "=HYPERLINK(1),Synthetic City 9,NY,ty,,,101%,,,,,,,20x5,s,2026-06-01\n"
        "Synthetic D,Synthetic City 9,NY,ty,,,,,,,,,,,s,2026-06-01,extra\n"
        "Synthetic E,Synthetic City 9,NY,ty,,,,,,,,hospital,-3,,,\n"
    )
    found = problems(text)
    assert found == [
        "line 3, name: required: this cell is empty",
        "line 3, state: 'ZZ' is not a US state code like NY or TX",
        "line 3, track: 'surgery' is not a track; use one of "
        + ", ".join(t.value for t in ProgrammeTrack),
        "line 3, sponsors_j1: 'maybe' is not yes or no (leave the cell empty if unknown)",
        "line 3, img_share: '0.7' is not a whole percentage from 0 to 100, like 45 or 45%",
        "line 3, step2_screen: Input should be greater than or equal to 150",
        "line 3, as_of: Input should be a valid date or datetime, month value is outside "
        "expected range of 1-12",
        "line 4: the same programme and track as line 2",
        "line 5, name: must not begin with =, +, - or @ (a spreadsheet would run it as a formula)",
        "line 5, img_share: Input should be less than or equal to 100",
        "line 5, unfilled_after_match: '20x5' is not a list of Match years like 2025 2023 "
        "('none' if it always filled, empty if unknown)",
        "line 6: 17 cells but the header names 16",
        "line 7, source: required: this cell is empty",
        "line 7, as_of: required: this cell is empty",
        "line 7, setting: 'hospital' is not academic or community (empty if unknown)",
        "line 7, positions: '-3' is not a whole number",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            HEADER.replace("img_share", "imgs"),
            "line 1, column 7: 'imgs' is not a programme column (the columns are "
            + ", ".join(COLUMNS)
            + ")",
        ),
        (HEADER + ",name", "line 1, column 17: name is named twice"),
        ("name,city,state,track,source", "line 1: the column as_of is missing (it is required)"),
    ],
)
def test_a_bad_header_is_named(header: str, expected: str) -> None:
    assert expected in problems(f"{header}\n{GOOD}\n")


def test_optional_columns_may_be_left_out_and_are_unknown() -> None:
    rows = parse_programmes(b"name,city,state,track,source,as_of\nA,B,NY,ty,s,2026-01-01\n", "csv")
    assert rows[0].programme.sponsors_j1 is None
    assert rows[0].programme.img_share is None


@pytest.mark.parametrize(
    ("data", "fmt", "expected"),
    [
        (b"\xff\xfename", "csv", "file: not UTF-8 text (byte 1); save it as CSV UTF-8 or JSON"),
        (b"", "csv", "file: holds no header line and no programmes"),
        (HEADER.encode() + b"\n", "csv", "file: holds no programmes"),
        (b'{"programmes": [', "json", "line 1: not valid JSON (Expecting value, column 17)"),
        (
            b"[]",
            "json",
            'file: the top level must be an object with one key, "programmes", holding a list',
        ),
        (b'{"programmes": {}}', "json", "programmes: must be a list of programmes"),
        (b'{"programmes": [7]}', "json", "programmes[0]: must be an object of column: value"),
    ],
)
def test_unreadable_files_say_why(data: bytes, fmt: str, expected: str) -> None:
    assert expected in problems(data, fmt)


def test_json_problems_name_the_entry_and_field() -> None:
    entry = {
        "name": "Synthetic A",
        "city": "Synthetic City 1",
        "state": "NY",
        "track": "ty",
        "source": "s",
        "as_of": "2026-01-01",
        "sponsors_j1": "perhaps",
        "img_share": 45.5,
        "unfilled_after_match": [2025, 2025],
        "website": "x",
    }
    found = problems(json.dumps({"programmes": [entry, {**entry, "name": ""}]}), "json")
    assert (
        "programmes[0].sponsors_j1: 'perhaps' is not yes or no (leave the cell empty if unknown)"
        in found
    )
    assert "programmes[0].img_share: give a whole percentage from 0 to 100, like 45" in found
    assert "programmes[0].unfilled_after_match: a Match year is listed twice" in found
    assert "programmes[0].website: not a programme column" in found
    assert "programmes[1].name: required: this cell is empty" in found


def test_the_format_is_guessed_from_the_name_then_the_content() -> None:
    assert guess_format("x.JSON", b"name") == "json"
    assert guess_format("x.csv", b"{") == "csv"
    assert guess_format("x.txt", b'  {"programmes": []}') == "json"
    assert guess_format("x.txt", b"name,city") == "csv"


# -- any row, round trip -------------------------------------------------------------------

names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1
).map(str.strip)
maybe = st.none() | st.booleans()
programmes = st.builds(
    ProgrammeIn,
    name=names.filter(lambda s: 0 < len(s) <= 200 and not s.startswith(("=", "+", "-", "@"))),
    city=names.filter(lambda s: 0 < len(s) <= 100 and not s.startswith(("=", "+", "-", "@"))),
    state=st.sampled_from(sorted(STATES)),
    track=st.sampled_from(list(ProgrammeTrack)),
    sponsors_j1=maybe,
    sponsors_h1b=maybe,
    img_share=st.none() | st.integers(0, 100),
    step2_screen=st.none() | st.integers(150, 300),
    first_attempt_only=maybe,
    max_years_since_graduation=st.none() | st.integers(0, 60),
    usce_required=maybe,
    setting=st.none() | st.sampled_from(list(ProgrammeSetting)),
    positions=st.none() | st.integers(0, 500),
    unfilled_after_match=st.none() | st.lists(st.integers(2000, 2100), unique=True, max_size=5),
    source=st.just("synthetic"),
    as_of=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
)


def _distinct(rows: list[ProgrammeIn]) -> list[ProgrammeIn]:
    seen: dict[object, ProgrammeIn] = {}
    for row in rows:
        seen.setdefault(row.key, row)
    return list(seen.values())


@given(st.lists(programmes, min_size=1, max_size=8).map(_distinct))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_file_reads_back_as_written(rows: list[ProgrammeIn]) -> None:
    for fmt, text in (("csv", render_csv(rows)), ("json", render_json(rows))):
        back = [r.programme for r in parse_programmes(text.encode(), fmt)]  # type: ignore[arg-type]
        assert back == rows
        assert (render_csv(back) if fmt == "csv" else render_json(back)) == text


@given(st.sampled_from(COLUMNS), st.text(max_size=30))
@settings(max_examples=400, deadline=None)
def test_any_cell_is_read_or_refused_by_its_line_and_column(column: str, value: str) -> None:
    """Whatever a cell holds, the row is read, or refused with its line and that column
    named; never a crash, never a problem blamed on another cell."""
    cells = dict(zip(COLUMNS, GOOD.split(","), strict=True))
    cells[column] = value
    line = render_csv([]).strip() + "\n" + _csv_line(list(cells.values()))
    try:
        parse_programmes(line.encode(), "csv")
    except InvalidInput as exc:
        assert [p.where for p in exc.problems] == [f"line 2, {column}"], exc.problems


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(cells)
    return out.getvalue()


def test_the_documented_example_reads() -> None:
    doc = (ROOT / "docs" / "programmes.md").read_text()
    block = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    rows = [r.programme for r in parse_programmes(block.encode(), "csv")]
    assert [r.track for r in rows] == [
        ProgrammeTrack.PRELIMINARY_SURGERY,
        ProgrammeTrack.GENERAL_SURGERY,
        ProgrammeTrack.TRANSITIONAL_YEAR,
    ]
    assert rows[0].unfilled_after_match == [2025, 2023]
    assert rows[2].sponsors_j1 is None
