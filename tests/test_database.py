"""SQLite is safe as the embedded default; PostgreSQL sessions have limits, and a wait that
hits one is recognised as a race to retry; timestamps are UTC on both databases."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.db.engine import Database, SessionTimeouts, contention
from bot.models import Person


def test_sqlite_pragmas(fresh_db: Database) -> None:
    if not fresh_db.is_sqlite:
        pytest.skip("SQLite only")
    with fresh_db.read_only() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (session.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def test_concurrent_writers_never_deadlock(fresh_db: Database) -> None:
    """Read-then-write transactions in parallel: with BEGIN IMMEDIATE none fails."""
    errors: list[BaseException] = []
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with fresh_db.unit_of_work() as session:
                    session.scalar(select(func.count(Person.id)))
                    session.add(Person(slack_user_id=f"U{n}X{i}", display_name="p", created_at=now))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with fresh_db.read_only() as session:
        assert session.scalar(select(func.count(Person.id))) == 60


def test_timestamps_round_trip_as_utc(fresh_db: Database) -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    with fresh_db.unit_of_work() as session:
        session.add(
            Person(
                slack_user_id="UTZ",
                display_name="t",
                created_at=datetime(2026, 3, 1, 10, 0, tzinfo=ist),
            )
        )
    with fresh_db.read_only() as session:
        stored = session.scalar(select(Person.created_at))
    assert stored == datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
    assert stored is not None
    assert stored.tzinfo == UTC


def test_naive_timestamps_are_refused(fresh_db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), fresh_db.unit_of_work() as session:
        session.add(Person(slack_user_id="UN", display_name="n", created_at=datetime(2026, 1, 1)))
        session.flush()


def test_postgresql_sessions_have_limits(fresh_db: Database) -> None:
    if fresh_db.is_sqlite:
        pytest.skip("PostgreSQL's session settings")
    names = ["lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout"]
    with fresh_db.read_only() as session:  # the defaults
        assert [session.scalar(text(f"SHOW {n}")) for n in names] == ["5s", "1min", "30s"]
    limited = Database(fresh_db.url, timeouts=SessionTimeouts(1.5, 20, 7))
    with limited.read_only() as session:
        assert [session.scalar(text(f"SHOW {n}")) for n in names] == ["1500ms", "20s", "7s"]
    limited.dispose()


def test_a_lock_wait_ends_and_says_why(fresh_db: Database) -> None:
    """A row lock held elsewhere: the wait ends at the lock timeout with an error that
    `contention` recognises (a step to try later); other errors are not contention."""
    if fresh_db.is_sqlite:
        pytest.skip("PostgreSQL's lock timeout")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with fresh_db.unit_of_work() as session:
        session.add(Person(slack_user_id="ULOCKED", display_name="p", created_at=now))
    impatient = Database(fresh_db.url, timeouts=SessionTimeouts(lock=0.3))
    with fresh_db.unit_of_work() as holder:
        holder.execute(update(Person).values(display_name="held"))
        with pytest.raises(DBAPIError) as waited, impatient.unit_of_work() as session:
            session.execute(update(Person).values(display_name="waiting"))
    assert contention(waited.value) == "a row lock was held by another instance (lock timeout)"
    with pytest.raises(DBAPIError) as duplicate, impatient.unit_of_work() as session:
        session.add(Person(slack_user_id="ULOCKED", display_name="again", created_at=now))
    assert contention(duplicate.value) is None
    impatient.dispose()


def test_sqlite_busy_is_contention(tmp_path: Path) -> None:
    """Another process holding SQLite's write lock past the busy timeout: try later."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    with pytest.raises(DBAPIError) as busy, engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    holder.rollback()
    holder.close()
    engine.dispose()
    assert contention(busy.value) == "the database was locked by another process (busy timeout)"


def test_a_session_ended_by_the_server_is_contention(fresh_db: Database) -> None:
    """What a process frozen mid-transaction meets when it wakes: the server ended its session
    (here by hand, as the idle-in-transaction timeout does): a step to try again later."""
    if fresh_db.is_sqlite:
        pytest.skip("PostgreSQL sessions")
    with pytest.raises(DBAPIError) as ended, fresh_db.unit_of_work() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        with fresh_db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        session.execute(text("SELECT 1"))
    assert contention(ended.value) is not None
    with fresh_db.read_only() as session:  # and the next unit of work has a fresh connection
        assert session.scalar(text("SELECT 1")) == 1
