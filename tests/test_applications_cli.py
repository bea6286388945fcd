"""`matchpath report` and `matchpath applications import` from the command line: the files
they write, and one clear line (no traceback, nothing left behind) for bad input."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import Actor
from bot.applications.models import Application, ApplicationChange
from bot.applications.vocab import ApplicationStatus
from bot.db.engine import Database
from bot.models import Mentee, Person
from tests.applications_world import COHORT_SEASON, cohort
from tests.conftest import NOW
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]


def matchpath(
    db: Database, *args: str, clock: Path | None = None
) -> subprocess.CompletedProcess[str]:
    url = db.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATCHPATH_"))}
    env["MATCHPATH_DATABASE_URL"] = url
    if clock is not None:
        env["MATCHPATH_CLOCK_FILE"] = str(clock)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def said(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("matchpath:")]


def cohort_database(db_factory: DatabaseFactory) -> Database:
    """The hand-counted cohort, committed: the command reads it from another process."""
    db = Database(db_factory.new())
    with db.unit_of_work() as session:
        cohort(session, Actor.system(NOW))
    return db


@pytest.fixture(scope="module")
def cohort_db(db_factory: DatabaseFactory) -> Iterator[Database]:
    db = cohort_database(db_factory)
    yield db
    db.dispose()


def test_the_report_writes_a_chart_and_its_numbers(cohort_db: Database, tmp_path: Path) -> None:
    chart, numbers = tmp_path / "report.png", tmp_path / "report.csv"
    result = matchpath(
        cohort_db, "report", "--season", str(COHORT_SEASON), "-o", str(chart), "--csv", str(numbers)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"wrote {chart} and {numbers}: the 2028 season, 3 mentees with a list, 10 applications"
    )
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
    rows = list(csv.DictReader(numbers.open()))
    total = rows[0]
    assert (total["count_of"], total["track"], total["listed"], total["matched"]) == (
        "applications",
        "all",
        "10",
        "1",
    )
    assert oct(chart.stat().st_mode & 0o777) == "0o600"  # mentee data: the owner's only


def test_an_unknown_season_names_the_seasons_on_record_and_leaves_no_file(
    cohort_db: Database, tmp_path: Path
) -> None:
    chart = tmp_path / "report.png"
    result = matchpath(cohort_db, "report", "--season", "2031", "-o", str(chart))
    assert result.returncode == 1
    assert said(result) == [
        "matchpath: no applications are on record for the 2031 season among every mentee; "
        "seasons with applications: 2028"
    ]
    assert "Traceback" not in result.stderr
    assert not chart.exists()


@pytest.mark.parametrize("season", ["20x7", "1999", "-1"])
def test_a_season_that_is_not_a_year_is_a_usage_error(
    cohort_db: Database, tmp_path: Path, season: str
) -> None:
    result = matchpath(cohort_db, "report", f"--season={season}", "-o", str(tmp_path / "r.png"))
    assert result.returncode == 2
    assert f"{season!r} is not a Match year like 2027" in result.stderr


@pytest.mark.parametrize("which", ["chart", "csv"])
def test_an_unwritable_path_is_refused_before_anything_is_done(
    cohort_db: Database, tmp_path: Path, which: str
) -> None:
    bad = Path("/nonexistent-directory/report.png")
    chart = bad if which == "chart" else tmp_path / "report.png"
    numbers = bad.with_suffix(".csv") if which == "csv" else tmp_path / "report.csv"
    result = matchpath(cohort_db, "report", "-o", str(chart), "--csv", str(numbers))
    assert result.returncode == 2
    shown = bad if which == "chart" else numbers
    assert said(result) == [f"matchpath: cannot write {shown}: No such file or directory"]
    assert not (tmp_path / "report.png").exists()


def test_statuses_import_from_a_file(db_factory: DatabaseFactory, tmp_path: Path) -> None:
    db = cohort_database(db_factory)
    try:
        with db.read_only() as session:
            c2_row = session.scalars(
                select(Application)
                .join(Mentee, Mentee.id == Application.mentee_id)
                .join(Person, Person.id == Mentee.person_id)
                .where(
                    Person.slack_user_id == "UMENTEE3",
                    Application.status == ApplicationStatus.PLANNED,
                )
            ).one()
            name, track, city, state = c2_row.name, c2_row.track, c2_row.city, c2_row.state
        good = tmp_path / "statuses.csv"
        good.write_text(
            "mentee,season,programme,track,city,state,status,date\n"
            f'UMENTEE3,2028,"{name}",{track.value},"{city}",{state},applied,2027-09-12\n'
        )
        # The sandbox's movable clock: the command runs on 1 October 2027, in the season.
        clock = tmp_path / "clock"
        clock.write_text(
            str((datetime(2027, 10, 1, tzinfo=UTC) - datetime.now(UTC)).total_seconds())
        )
        first = matchpath(db, "applications", "import", str(good), clock=clock)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == "imported 1 change for 1 mentee"
        again = matchpath(db, "applications", "import", str(good), clock=clock)
        assert again.stdout.strip() == "imported 0 changes for 0 mentees (1 already so)"
    finally:
        db.dispose()


def test_statuses_import_and_a_bad_file_is_refused_whole(
    cohort_db: Database, tmp_path: Path
) -> None:
    with cohort_db.read_only() as session:
        before = session.scalar(select(func.count(ApplicationChange.id)))
    bad = tmp_path / "bad.csv"
    bad.write_text("mentee,season,programme,status\nUNOBODY,2028,Nowhere,applied\n")
    result = matchpath(cohort_db, "applications", "import", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines()[:2] == [
        "matchpath: refused, nothing was written:",
        "  - line 2, mentee: UNOBODY is not enrolled",
    ]
    missing = matchpath(cohort_db, "applications", "import", str(tmp_path / "none.csv"))
    assert missing.returncode == 2
    assert said(missing) == [
        f"matchpath: cannot read {tmp_path / 'none.csv'}: No such file or directory"
    ]
    with cohort_db.read_only() as session:
        assert session.scalar(select(func.count(ApplicationChange.id))) == before
