"""What every benchmark shares: scratch databases, statement counting, processes, results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bot.db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG_ENV = "MATCHPATH_BENCH_POSTGRES_URL"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def parser(description: str) -> argparse.ArgumentParser:
    """The benchmark's arguments; also makes SIGTERM unwind (so scratch databases are dropped)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke check in seconds")
    return p


# -- the machine ---------------------------------------------------------------------------


def pg_admin_url() -> str:
    url = os.environ.get(PG_ENV) or os.environ.get("MATCHPATH_TEST_DATABASE_URL") or DEFAULT_PG
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def postgres_version() -> str | None:
    engine = create_engine(pg_admin_url())
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    except Exception:
        return None
    finally:
        engine.dispose()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "os": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "tree": "modified" if _git("status", "--porcelain", "--untracked-files=no") else "clean",
    }


# -- scratch databases ---------------------------------------------------------------------


class Databases:
    """Migrated scratch databases: SQLite files in a temporary folder, PostgreSQL databases
    created beside the admin URL's; all removed on exit."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="matchpath-bench-"))
        self._pg: list[str] = []

    def new(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.folder / f'{uuid.uuid4().hex[:10]}.db'}"
        else:
            admin = pg_admin_url()
            name = f"mp_bench_{uuid.uuid4().hex[:12]}"
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            finally:
                engine.dispose()
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            self._pg.append(url)
        upgrade(url)
        return url

    def drop(self, url: str) -> None:
        if url.startswith("sqlite"):
            path = Path(make_url(url).database or "")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
                )
        finally:
            engine.dispose()
        self._pg.remove(url)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for url in list(self._pg):
            self.drop(url)
        shutil.rmtree(self.folder, ignore_errors=True)


# -- statements ----------------------------------------------------------------------------


@dataclass
class Statements:
    """SQL statements sent to the database (an executemany counts once; `rows` counts its
    parameter sets)."""

    count: int = 0
    rows: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    seen = Statements()

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            return
        seen.count += 1
        seen.rows += len(params) if executemany else 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


# -- numbers -------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# -- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy after {timeout:.0f} s (log: {log})")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def proc_status_kib(pid: int, key: str) -> int:
    """A `kB` line of /proc/<pid>/status (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and every live process under it (a server's
    pre-forked workers)."""
    ticks = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The process and its descendants, from each process's parent in /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(parents.get(current, []))
    return found


# -- results -------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def show(self) -> None:
        cells = [self.columns, *[[_cell(v) for v in row] for row in self.rows]]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.columns))]
        print(f"\n{self.title}")
        for n, row in enumerate(cells):
            print(
                "  ".join(
                    str(v).rjust(w) if n else str(v).ljust(w)
                    for v, w in zip(row, widths, strict=True)
                )
            )
            if n == 0:
                print("  ".join("-" * w for w in widths))


@dataclass
class Goal:
    goal: str
    met: bool
    measured: str


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def command_line(name: str) -> str:
    return " ".join([".venv/bin/python", "-m", f"bench.{name}", *sys.argv[1:]])


def write_result(
    name: str,
    *,
    quick: bool,
    tables: list[Table],
    goals: list[Goal],
    notes: list[str] | None = None,
    data: dict[str, Any] | None = None,
) -> Path:
    for table in tables:
        table.show()
    if goals:
        print("\nGoals")
        for g in goals:
            print(f"  [{'met' if g.met else 'NOT MET'}] {g.goal}: {g.measured}")
    for note in notes or []:
        print(f"  note: {note}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}{'.quick' if quick else ''}.json"
    payload = {
        "name": name,
        "command": command_line(name),
        "quick": quick,
        "machine": machine(),
        "tables": [asdict(t) for t in tables],
        "goals": [asdict(g) for g in goals],
        "notes": notes or [],
        "data": data or {},
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path
