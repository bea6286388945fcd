"""Where the CLI's output goes: export files and SQLite databases readable by their owner only,
no writing through a symbolic link, one clear line for a bad path, a reader that stops early
(`| head`), and `--version`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.access import Actor
from bot.db.engine import Database
from bot.models import AuditEvent
from bot.roster.service import import_roster, parse_roster
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
USUAL_UMASK = 0o022
TARIQ = ROOT / "examples" / "profiles" / "tariq-j1-prelim.json"


def matchpath(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        umask=USUAL_UMASK,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def roster_db(db_factory: DatabaseFactory) -> Iterator[Database]:
    db = Database(db_factory.new())
    with db.unit_of_work() as session:
        roster = parse_roster((ROOT / "examples" / "roster.json").read_text())
        import_roster(session, actor=Actor.system(datetime.now(UTC)), roster=roster)
    yield db
    db.dispose()


def audit_rows(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


# -- export -o ------------------------------------------------------------------------------


def test_export_file_is_private(roster_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "roster.json"
    result = matchpath("export", "-o", str(out), env={"MATCHPATH_DATABASE_URL": roster_db.url})
    assert (result.returncode, result.stderr) == (0, "")
    assert mode(out) == 0o600
    assert len(json.loads(out.read_text())["mentees"]) == 4


def test_export_over_an_older_readable_export_makes_it_private(
    roster_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "roster.json"
    out.write_text("an older, longer export " * 1000)
    out.chmod(0o644)
    result = matchpath("export", "-o", str(out), env={"MATCHPATH_DATABASE_URL": roster_db.url})
    assert result.returncode == 0
    assert mode(out) == 0o600
    assert len(json.loads(out.read_text())["mentees"]) == 4  # truncated, not overlaid


def test_export_refuses_a_symbolic_link(roster_db: Database, tmp_path: Path) -> None:
    target = tmp_path / "someone-elses-file"
    target.write_text("untouched\n")
    link = tmp_path / "roster.json"
    link.symlink_to(target)
    audited = audit_rows(roster_db)
    result = matchpath("export", "-o", str(link), env={"MATCHPATH_DATABASE_URL": roster_db.url})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"matchpath: refusing to write {link}: it is a symbolic link"
    ]
    assert (result.stdout, target.read_text()) == ("", "untouched\n")
    assert audit_rows(roster_db) == audited


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("missing/roster.json", "No such file or directory"),
        ("a-file/roster.json", "Not a directory"),
        (".", "Is a directory"),
    ],
)
def test_export_to_a_bad_path_is_one_line_and_writes_nothing(
    roster_db: Database, tmp_path: Path, where: str, why: str
) -> None:
    (tmp_path / "a-file").write_text("")
    path = tmp_path / where
    audited = audit_rows(roster_db)
    result = matchpath("export", "-o", str(path), env={"MATCHPATH_DATABASE_URL": roster_db.url})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"matchpath: cannot write {path}: {why}"]
    assert result.stdout == ""
    assert audit_rows(roster_db) == audited  # refused before the export was read


def test_a_failed_export_leaves_no_file(roster_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "roster.json"
    result = matchpath(
        "export",
        "--mentee",
        "UNOBODY99",
        "-o",
        str(out),
        env={"MATCHPATH_DATABASE_URL": roster_db.url},
    )
    assert result.returncode == 2
    assert "UNOBODY99 is not enrolled" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


# -- the SQLite database --------------------------------------------------------------------


def test_a_new_sqlite_database_and_its_journal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = matchpath("migrate", env={"MATCHPATH_DATABASE_URL": f"sqlite:///{path}"})
    assert result.returncode == 0, result.stderr
    assert mode(path) == 0o600
    previous = os.umask(USUAL_UMASK)
    try:
        db = Database(f"sqlite:///{path}")
        with db.engine.connect():  # an open connection keeps the -wal and -shm files
            with db.unit_of_work() as session:
                session.execute(text("CREATE TABLE scratch (x INTEGER)"))
            wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
            assert wal.exists()
            assert shm.exists()
            assert (mode(wal), mode(shm)) == (0o600, 0o600)
        db.dispose()
    finally:
        os.umask(previous)


# -- standard output and --version ---------------------------------------------------------


def stdout_to_a_gone_reader(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """`matchpath … | head`, with the pipe's reader gone before anything is written."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(writer)
    return result.returncode, result.stderr


@pytest.mark.parametrize("args", [["--schema"], [str(TARIQ), "--format", "json"], [str(TARIQ)]])
def test_assess_to_a_reader_that_stops_early_stops_quietly(args: list[str]) -> None:
    # 141: what the shell reports for a tool stopped by SIGPIPE; and no traceback.
    assert stdout_to_a_gone_reader(["assess", *args]) == (141, "")


def test_export_to_a_reader_that_stops_early_stops_quietly(roster_db: Database) -> None:
    env = {"MATCHPATH_DATABASE_URL": roster_db.url}
    assert stdout_to_a_gone_reader(["export"], env) == (141, "")


def test_version() -> None:
    result = matchpath("--version")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"matchpath {metadata.version('matchpath')}\n"
