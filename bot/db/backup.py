"""`matchpath backup`: an online copy of a SQLite database, taken with SQLite's backup API.

The copy is taken in one step, inside one read transaction: it is the database as one commit
left it, whatever writers do meanwhile (in WAL mode they go on writing; they never wait for
the copy). It is written to a new private file (0600) beside the target, checked with
`PRAGMA quick_check`, made one self-contained file (no -wal beside it), and only then given
the target's name, which must not exist yet: a backup never overwrites anything, and a failed
one leaves nothing behind.

PostgreSQL has its own tools for this (pg_dump, pg_restore): `postgres_advice` says how.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import EXIT_USAGE, CliError
from bot.private_files import CLOSE_ON_EXEC, NO_FOLLOW, PRIVATE

BUSY_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class BackupReport:
    source: Path
    target: Path
    size: int  # bytes


def backup_sqlite(url: str, target: Path) -> BackupReport:
    """Copy the SQLite database `url` names to the new file `target`."""
    source = _database_file(url)
    if os.path.lexists(target):
        raise CliError(f"{target} already exists: a backup is written to a new file", EXIT_USAGE)
    if not target.parent.is_dir():
        raise CliError(f"cannot write {target}: no such directory {target.parent}", EXIT_USAGE)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        fd = os.open(
            partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW | CLOSE_ON_EXEC, PRIVATE
        )
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror}", EXIT_USAGE) from None
    os.close(fd)
    try:
        _copy(source, partial)
        # A hard link gives the finished copy its name only if nothing took that name meanwhile.
        os.link(partial, target)
    except FileExistsError:
        raise CliError(
            f"{target} already exists: a backup is written to a new file", EXIT_USAGE
        ) from None
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source=source, target=target, size=target.stat().st_size)


def _database_file(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise CliError(f"cannot back up {url}: not a database file", EXIT_USAGE)
    path = Path(name)
    if not path.is_file():
        # Connecting would create an empty database: there is nothing to back up.
        raise CliError(f"no SQLite database at {path}")
    return path


def _copy(source: Path, partial: Path) -> None:
    reader = sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)
    copy = sqlite3.connect(partial)
    try:
        reader.backup(copy)  # pages=-1: every page in one step, one consistent snapshot
        # One self-contained file: the copy needs no -wal beside it (MatchPath turns WAL back
        # on when it opens the restored database).
        copy.execute("PRAGMA journal_mode = DELETE")
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise CliError(f"the copy of {source} failed its check: {verdict}")
        copy.commit()
    except sqlite3.Error as exc:
        raise CliError(f"cannot back up {source}: {exc}") from None
    finally:
        copy.close()
        reader.close()
    with open(partial, "rb") as written:
        os.fsync(written.fileno())


def postgres_advice(shown_url: str) -> list[str]:
    """What to run instead on PostgreSQL (`shown_url` has its password masked)."""
    libpq_url = shown_url.replace("postgresql+psycopg://", "postgresql://", 1)
    return [
        "backup copies SQLite databases; PostgreSQL has its own tools (see docs/deploy.md):",
        f"  pg_dump --format=custom --file=PATH '{libpq_url}'",
        f"  restore: pg_restore --clean --if-exists --no-owner --dbname='{libpq_url}' PATH",
        "  (the password from PGPASSWORD or ~/.pgpass, never on the command line)",
    ]
