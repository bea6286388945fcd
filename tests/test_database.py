"""SQLite is safe as the embedded default; timestamps are UTC on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from bot.db.engine import Database
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
