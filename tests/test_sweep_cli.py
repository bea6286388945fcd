"""`matchpath sweep` as an admin runs it: --dry-run sends and keeps nothing; a real pass sends."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.db.engine import Database
from bot.models import Delivery
from sandbox.fake_slack import FakeSlack
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_dry_run_then_real(db_factory: DatabaseFactory) -> None:
    db = Database(db_factory.new())
    users = seed_due_milestones(
        db, count=3, due_on=NOON.date(), now=NOON - timedelta(days=1), prefix="UDRY"
    )
    with FakeSlack() as fake:
        for user in users:
            fake.add_user(user, user, tz="UTC")
        env = {
            **os.environ,
            "MATCHPATH_DATABASE_URL": db.url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "MATCHPATH_SLACK_API_URL": fake.url,
        }

        def sweep(*extra: str) -> str:
            result = subprocess.run(
                [sys.executable, "-m", "app", "sweep", "--now", "2026-03-10T12:00:00Z", *extra],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            return result.stdout

        dry = sweep("--dry-run")
        assert "would send 3:" in dry
        assert "milestone_due to UDRY000000" in dry
        assert fake.messages() == []
        with db.read_only() as session:
            assert session.scalar(select(func.count(Delivery.id))) == 0
        real = sweep()
        assert "dispatched: 3 sent" in real
        assert len(fake.messages()) == 3
        again = sweep()
        assert "dispatched: 0 sent" in again
        assert len(fake.messages()) == 3
    db.dispose()


def test_bad_now_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "sweep", "--now", "tuesday"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "is not an instant like" in result.stderr
    assert "Traceback" not in result.stderr
