"""`matchpath backup`: SQLite's online backup, and the restore drill docs/deploy.md describes.

The drill: back up a live database while another process writes to it, put the copy in place,
migrate it, and compare: the copy is exactly the database as one commit left it (no write torn,
none missing before the last one it holds), and it passes SQLite's integrity check."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.db.migrate import current_is_head, upgrade
from tests.test_cli_database import run_cli

ROOT = Path(__file__).resolve().parents[1]
ROSTER = ROOT / "examples" / "roster.json"

# Another process writing while the backup is taken: one audit row per transaction, numbered.
WRITER = """
import sys, time
from pathlib import Path
from datetime import UTC, datetime
from bot.db.engine import Database
from bot.models import AuditEvent
from bot.vocab import AuditOutcome
db, stop, n = Database(sys.argv[1]), Path(sys.argv[2]), 0
while not stop.exists():
    with db.unit_of_work() as session:
        session.add(AuditEvent(at=datetime.now(UTC), actor_slack_id="UDRILL", mentee_id=None,
                               subject_slack_id=None, action="drill.write",
                               outcome=AuditOutcome.OK, detail={"n": n}))
    n += 1
"""


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def sequences(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [name for (name,) in found]


def drill_numbers(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            "SELECT json_extract(detail, '$.n') FROM audit_event "
            "WHERE action = 'drill.write' ORDER BY id"
        )
        return [n for (n,) in found]


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_restore_drill_backup_of_a_live_database(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    env = {"MATCHPATH_DATABASE_URL": f"sqlite:///{live}"}
    assert run_cli("import", str(ROSTER), env=env).returncode == 0
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, env["MATCHPATH_DATABASE_URL"], str(stop)], cwd=ROOT
    )
    try:
        wait_for(lambda: len(drill_numbers(live)) >= 50)
        backup = tmp_path / "backups" / "matchpath-1.db"
        backup.parent.mkdir()
        done = run_cli("backup", str(backup), env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"backed up {live} to {backup} (")
        copied = len(drill_numbers(backup))
        wait_for(lambda: len(drill_numbers(live)) >= copied + 50)  # the writer went on
    finally:
        stop.touch()
        assert writer.wait(timeout=60) == 0
    assert backup.stat().st_mode & 0o777 == 0o600
    assert list(backup.parent.iterdir()) == [backup]  # no partial file left beside it

    # Restore as docs/deploy.md says: the copy in the database's place, then migrate.
    restored = tmp_path / "restored" / "matchpath.db"
    restored.parent.mkdir()
    shutil.copy2(backup, restored)
    restored_env = {"MATCHPATH_DATABASE_URL": f"sqlite:///{restored}"}
    migrated = run_cli("migrate", env=restored_env)
    assert (migrated.returncode, migrated.stdout) == (0, "database is at the latest schema\n")
    assert current_is_head(restored_env["MATCHPATH_DATABASE_URL"])
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # One consistent snapshot: every write up to the last one it holds, none torn, none later.
    numbers = drill_numbers(restored)
    assert len(numbers) >= 50
    assert numbers == list(range(len(numbers)))
    assert len(drill_numbers(live)) > len(numbers)
    assert tables(restored) == tables(live)
    for table in tables(live):
        if table == "audit_event":
            kept = rows(restored, table)
            assert kept == rows(live, table)[: len(kept)]
        elif table == "sqlite_sequence":  # the ids handed out: as far as the copy's last row
            sequence = sequences(restored)
            assert sequence.pop("audit_event") == rows(restored, "audit_event")[-1][0]
            assert sequence.items() < sequences(live).items()
        else:
            assert rows(restored, table) == rows(live, table), table
    exported = run_cli("export", env=restored_env)
    assert exported.returncode == 0
    assert exported.stdout == run_cli("export", env=env).stdout


def test_backup_never_overwrites(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    env = {"MATCHPATH_DATABASE_URL": f"sqlite:///{live}"}
    upgrade(env["MATCHPATH_DATABASE_URL"])
    existing = tmp_path / "existing.db"
    existing.write_text("an older backup")
    done = run_cli("backup", str(existing), env=env)
    assert done.returncode == 2
    assert (
        done.stderr == f"matchpath: {existing} already exists: a backup is written to a new file\n"
    )
    assert existing.read_text() == "an older backup"
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "elsewhere.db")
    assert run_cli("backup", str(link), env=env).returncode == 2
    assert not (tmp_path / "elsewhere.db").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no-database", "matchpath: no SQLite database at {live}"),
        ("no-directory", "matchpath: cannot write {target}: no such directory {target_dir}"),
    ],
)
def test_backup_says_what_is_missing(tmp_path: Path, setup: str, message: str) -> None:
    live = tmp_path / "live.db"
    env = {"MATCHPATH_DATABASE_URL": f"sqlite:///{live}"}
    target = tmp_path / "nowhere" / "copy.db"
    if setup == "no-directory":
        upgrade(env["MATCHPATH_DATABASE_URL"])
    else:
        target = tmp_path / "copy.db"
    done = run_cli("backup", str(target), env=env)
    assert done.returncode in (1, 2)
    assert done.stderr.splitlines() == [
        message.format(live=live, target=target, target_dir=target.parent)
    ]
    assert not target.exists()
    assert live.exists() == (setup != "no-database")  # a backup never creates the database


def test_backup_on_postgresql_says_to_use_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://matchpath:s3cret@db.internal:5432/matchpath"
    done = run_cli("backup", str(tmp_path / "copy.dump"), env={"MATCHPATH_DATABASE_URL": url})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "matchpath: backup copies SQLite databases; PostgreSQL has its own tools "
        "(see docs/deploy.md):",
        "  pg_dump --format=custom --file=PATH 'postgresql://matchpath:***@db.internal:5432/"
        "matchpath'",
        "  restore: pg_restore --clean --if-exists --no-owner "
        "--dbname='postgresql://matchpath:***@db.internal:5432/matchpath' PATH",
        "  (the password from PGPASSWORD or ~/.pgpass, never on the command line)",
    ]
    assert not any(tmp_path.iterdir())
    assert "s3cret" not in done.stderr + done.stdout
    assert os.environ.get("PGPASSWORD") != "s3cret"
