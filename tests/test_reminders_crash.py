"""Crash safety: a sweep killed with SIGKILL at a named point, then restarted: nothing lost,
nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.models import Delivery
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from sandbox.records import Message
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
        [sys.executable, "-m", "app", "sweep", "--now", stamp],
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


MENTORS_CHANNEL = "GMENTORSCRASH"


def key_of(message: Message) -> str:
    assert message.metadata is not None, "a post without its dedupe key"
    return str(message.metadata["event_payload"]["dedupe_key"])


@pytest.fixture
def dashboard_setup(db_factory: DatabaseFactory) -> Iterator[tuple[Database, FakeSlack]]:
    """Two mentees with dashboard cards to create and a milestone gone overdue two days ago
    (a line for each card's thread)."""
    from bot.dashboards.outbox import set_dashboard_channel

    db = Database(db_factory.new())
    users = seed_due_milestones(
        db,
        count=2,
        due_on=NOON.date() - timedelta(days=2),
        now=NOON - timedelta(days=30),
        prefix="UCARD",
    )
    with db.unit_of_work() as session:
        set_dashboard_channel(session, MENTORS_CHANNEL, NOON - timedelta(days=30))
    with FakeSlack() as fake:
        fake.add_channel(MENTORS_CHANNEL, "mentors", is_private=True)
        for user in users:
            fake.add_user(user, user, tz="UTC")
        yield db, fake
    db.dispose()


@pytest.mark.parametrize("point", ["after_card_post", "after_line_post"])
def test_dashboard_post_killed_before_its_outcome_is_recorded(
    dashboard_setup: tuple[Database, FakeSlack], point: str
) -> None:
    from bot.models import DashboardCard

    db, fake = dashboard_setup
    crashed = sweep(db, fake, NOON, crash=point)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    # The kill came right after the first card, or after both cards and the first line.
    posted = [key_of(m) for m in fake.messages(MENTORS_CHANNEL)]
    first = ["card:1:g1"] if point == "after_card_post" else ["card:1:g1", "card:2:g1", "dash:1"]
    assert [key[: len(want)] for key, want in zip(posted, first, strict=False)] == first
    assert len(posted) == len(first)
    for minutes in (3, 4, 5, 6):  # past the 90 s lease, the reaper's grace, a line's wait
        restarted = sweep(db, fake, NOON + timedelta(minutes=minutes))
        assert restarted.returncode == 0, restarted.stderr
    messages = fake.messages(MENTORS_CHANNEL)
    assert Counter(key_of(m) for m in messages) == {
        **{f"card:{i}:g1": 1 for i in (1, 2)},
        **{f"dash:{i}:ms-over:{i}:v1": 1 for i in (1, 2)},
    }, "a card or a line was posted twice, or lost"
    parents = {key_of(m): m.ts for m in messages if not m.thread_ts}
    with db.read_only() as session:
        states = dict(
            session.execute(
                select(Delivery.dedupe_key, Delivery.state).where(Delivery.recipient_id.is_(None))
            ).all()
        )
        card_ts = {c.mentee_id: c.ts for c in session.scalars(select(DashboardCard))}
    assert set(states.values()) == {"sent"}, states
    assert card_ts == {i: parents[f"card:{i}:g1"] for i in (1, 2)}  # the cards are those posts
    for line in (m for m in messages if m.thread_ts):  # each line in its own card's thread
        mentee = key_of(line).split(":")[1]
        assert line.thread_ts == parents[f"card:{mentee}:g1"]


def test_deletion_killed_before_its_outcome_is_recorded(
    dashboard_setup: tuple[Database, FakeSlack],
) -> None:
    from bot.access import Actor
    from bot.mentees.service import forget

    db, fake = dashboard_setup
    assert sweep(db, fake, NOON).returncode == 0
    before = fake.messages(MENTORS_CHANNEL)
    assert len(before) == 4  # two cards, a line in each thread
    with db.unit_of_work() as session:
        forget(session, actor=Actor.system(NOON), slack_user_id="UCARD000000")
    crashed = sweep(db, fake, NOON + timedelta(minutes=1), crash="after_delete")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert len(fake.messages(MENTORS_CHANNEL)) == 3  # one deleted before the kill
    for minutes in (4, 5, 6):
        restarted = sweep(db, fake, NOON + timedelta(minutes=minutes))
        assert restarted.returncode == 0, restarted.stderr
    left = [key_of(m) for m in fake.messages(MENTORS_CHANNEL)]
    assert sorted(left) == ["card:2:g1", "dash:2:ms-over:2:v1"]
    with db.read_only() as session:
        deletions = session.scalars(
            select(Delivery.state).where(Delivery.kind == "dashboard_delete")
        ).all()
    assert deletions == ["sent", "sent"], "a deletion was left unknown"
