"""Crash safety: a sweep killed with SIGKILL at a named point, then restarted: nothing lost,
nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.models import Delivery
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
COUNT = 6


@pytest.fixture
def setup(db_factory: DatabaseFactory) -> Iterator[tuple[Database, FakeSlack, list[str]]]:
    db = Database(db_factory.new())
    users = seed_due_milestones(
        db, count=COUNT, due_on=NOON.date(), now=NOON - timedelta(days=30), prefix="UCRASH"
    )
    with FakeSlack() as fake:
        for user in users:
            fake.add_user(user, user, tz="UTC")
        yield db, fake, users
    db.dispose()


def sweep(
    db: Database, fake: FakeSlack, at: datetime, crash: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MATCHPATH_DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "MATCHPATH_SLACK_API_URL": fake.url,
        "MATCHPATH_SEND_RATE": "500",
    }
    env.pop("MATCHPATH_CRASH_AT", None)
    if crash:
        env["MATCHPATH_CRASH_AT"] = crash
    stamp = at.isoformat().replace("+00:00", "Z")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "sweep", "--now", stamp],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def accepted(fake: FakeSlack) -> list[str]:
    return [
        m.metadata["event_payload"]["dedupe_key"]
        for m in fake.messages()
        if m.metadata and m.metadata.get("event_type") == EVENT_TYPE
    ]


@pytest.mark.parametrize("point", ["after_claim", "after_post", "mid_plan"])
def test_killed_then_restarted(setup: tuple[Database, FakeSlack, list[str]], point: str) -> None:
    db, fake, _ = setup
    crashed = sweep(db, fake, NOON, crash=point)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    if point == "after_post":
        assert len(accepted(fake)) == 1  # one message went out before the kill
    for minutes in (3, 4, 5):  # past the 90 s lease and the reaper's 30 s grace
        restarted = sweep(db, fake, NOON + timedelta(minutes=minutes))
        assert restarted.returncode == 0, restarted.stderr
    keys = accepted(fake)
    assert len(keys) == COUNT, "a reminder was lost"
    assert len(set(keys)) == COUNT, "a reminder was sent twice"
    with db.read_only() as session:
        states = dict(session.execute(select(Delivery.dedupe_key, Delivery.state)).all())
    due_today = {k: v for k, v in states.items() if ":due0:" in k}
    assert set(due_today.values()) == {"sent"}
    assert len(due_today) == COUNT
    assert "claimed" not in states.values()
    assert "unknown" not in states.values()
