"""Concurrency: several dispatchers at once, thousands of due reminders: zero duplicates, zero
losses. Three processes on PostgreSQL; two threads on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.assessment.ruleset import load_ruleset
from bot.clock import FixedClock
from bot.db.engine import Database
from bot.models import Delivery
from bot.reminders.dispatcher import DispatchConfig, Dispatcher
from bot.reminders.planner import plan
from bot.reminders.schedule import schedule
from sandbox.fake_slack import FakeSlack
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory
from tests.reminder_world import World

ROOT = Path(__file__).resolve().parents[1]
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _prepare(db: Database, fake: FakeSlack, count: int) -> None:
    users = seed_due_milestones(db, count=count, due_on=NOON.date(), now=NOON, prefix="UCONC")
    for user in users:
        fake.add_user(user, user, tz="UTC")
    with db.unit_of_work() as session:
        plan(session, now=NOON, ruleset=load_ruleset())
        schedule(session, now=NOON, ruleset=load_ruleset())


def sweeps_at_once(
    db: Database, fake: FakeSlack, at: datetime, *, processes: int
) -> list[tuple[str, str]]:
    """Run `matchpath sweep` in several processes at the same time; their outputs."""
    env = {
        **os.environ,
        "MATCHPATH_DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "MATCHPATH_SLACK_API_URL": fake.url,
        "MATCHPATH_SEND_RATE": "1000",
    }
    stamp = at.isoformat().replace("+00:00", "Z")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "sweep", "--now", stamp],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * processes, outputs
    return outputs


def _check(db: Database, fake: FakeSlack, count: int) -> None:
    keys = Counter(m.metadata["event_payload"]["dedupe_key"] for m in fake.messages() if m.metadata)
    assert len(keys) == count, f"lost {count - len(keys)}"
    duplicates = {k: n for k, n in keys.items() if n > 1}
    assert duplicates == {}
    with db.read_only() as session:
        sent = session.scalar(select(func.count(Delivery.id)).where(Delivery.state == "sent"))
    assert sent == count


def test_three_processes_on_postgresql(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("the multi-process drill runs on PostgreSQL")
    count = 1500
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        _prepare(db, fake, count)
        outputs = sweeps_at_once(db, fake, NOON + timedelta(minutes=1), processes=3)
        sent_by = [int(out.split("dispatched: ")[1].split(" sent")[0]) for out, _ in outputs]
        assert sum(sent_by) == count
        assert sum(1 for n in sent_by if n > 0) >= 2, f"no contention to speak of: {sent_by}"
        _check(db, fake, count)
    db.dispose()


def test_two_threads_on_sqlite(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "sqlite":
        pytest.skip("the thread drill runs on SQLite")
    count = 300
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        _prepare(db, fake, count)
        world = World(
            db=db, fake=fake, clock=FixedClock(NOON + timedelta(minutes=1)), ruleset=load_ruleset()
        )
        config = DispatchConfig(send_rate=1000, burst=1000, batch=10)
        errors: list[BaseException] = []
        reports = []

        def run() -> None:
            try:
                reports.append(
                    Dispatcher(db, world.notifier, world.clock, world.ruleset, config).run()
                )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []
        assert sum(r.sent for r in reports) == count
        assert all(r.sent > 0 for r in reports), [r.sent for r in reports]
        _check(db, fake, count)
    db.dispose()


def test_two_processes_never_duplicate_dashboards(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("the multi-process drill runs on PostgreSQL")
    from bot.dashboards.outbox import set_dashboard_channel

    count = 300
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel("GMENTORS1", "mentors", is_private=True)
        seed_due_milestones(
            db, count=count, due_on=NOON.date() + timedelta(days=30), now=NOON, prefix="UDSH"
        )
        with db.unit_of_work() as session:
            set_dashboard_channel(session, "GMENTORS1", NOON)
        sweeps_at_once(db, fake, NOON, processes=2)
        parents = [m for m in fake.messages("GMENTORS1") if m.thread_ts is None]
        keys = Counter(m.metadata["event_payload"]["dedupe_key"] for m in parents if m.metadata)
        assert len(parents) == count
        assert set(keys.values()) == {1}
    db.dispose()
