"""The shared send-rate bucket: created once even when instances start together, and honest."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.db.engine import Database
from bot.outbox.ratelimit import block, take

WALL = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_instances_starting_together_create_one_bucket(fresh_db: Database) -> None:
    errors: list[BaseException] = []
    waits: list[float] = []

    def first_take() -> None:
        try:
            with fresh_db.unit_of_work() as session:
                waits.append(take(session, name="posts", rate=5, burst=5, wall=WALL))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(waits)[:5] == [0.0] * 5  # a burst of five, then a wait
    assert sorted(waits)[5] > 0


def test_rate_and_block(fresh_db: Database) -> None:
    with fresh_db.unit_of_work() as session:
        assert take(session, name="posts", rate=2, burst=1, wall=WALL) == 0.0
        assert take(session, name="posts", rate=2, burst=1, wall=WALL) == 0.5
        assert (
            take(session, name="posts", rate=2, burst=1, wall=WALL + timedelta(seconds=0.5)) == 0.0
        )
        block(session, name="posts", seconds=30, wall=WALL + timedelta(seconds=1))
        assert (
            take(session, name="posts", rate=2, burst=1, wall=WALL + timedelta(seconds=11)) == 20.0
        )
