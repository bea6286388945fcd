"""A frozen instance stalls no other: a real sweep is stopped (SIGSTOP) while it holds its
transaction(s) or its claims, and a second sweep must finish within a bound, delivering all but
what the frozen one has claimed; when the first carries on (SIGCONT), nothing is sent twice.

PostgreSQL only: that is where instances share a database (SQLite serves one process). The
session limits are shortened here (a 1 s lock timeout, a 4 s idle-in-transaction timeout) so
that each trial is short; they are the same settings an operator sets.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.models import Delivery
from bot.outbox.dispatch import DispatchConfig
from bot.reminders.planner import plan
from bot.reminders.schedule import schedule
from sandbox.fake_slack import FakeSlack
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory
from tests.test_reminders_crash import NOON, accepted

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
COUNT = 60
BATCH = DispatchConfig().batch  # what one frozen dispatcher can hold claimed
BOUND_SECONDS = 40.0  # the second sweep, process start included, on a loaded machine
LIMITS = {"MATCHPATH_DB_LOCK_TIMEOUT": "1", "MATCHPATH_DB_IDLE_IN_TRANSACTION_TIMEOUT": "4"}
# Inside the rate bucket's transaction, inside a claim's, inside planning's; between a post
# and its record (no transaction, but claims held).
POINTS = ["holding_rate_bucket", "mid_claim", "mid_plan", "after_post"]
RANDOM_TRIALS = 8


@dataclass
class Drill:
    db: Database
    fake: FakeSlack

    def command(self, minutes: int = 0) -> list[str]:
        stamp = (NOON + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        return [sys.executable, "-m", "app", "sweep", "--now", stamp]

    def env(self, freeze: str | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            **LIMITS,
            "MATCHPATH_DATABASE_URL": self.db.url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "MATCHPATH_SLACK_API_URL": self.fake.url,
            # Fast enough that dispatching is mostly database work (five short transactions a
            # message): a random freeze often lands inside one.
            "MATCHPATH_SEND_RATE": "200",
        }
        for name in ("MATCHPATH_CRASH_AT", "MATCHPATH_FREEZE_AT"):
            env.pop(name, None)
        if freeze:
            env["MATCHPATH_FREEZE_AT"] = freeze
        return env

    def start(self, freeze: str | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env(freeze),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, minutes: int = 0, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(minutes),
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture
def drill(db_factory: DatabaseFactory) -> Iterator[Drill]:
    if db_factory.backend != "postgresql":
        pytest.skip("instances share a database on PostgreSQL")
    db = Database(db_factory.new())
    users = seed_due_milestones(
        db, count=COUNT, due_on=NOON.date(), now=NOON - timedelta(days=30), prefix="UFROZEN"
    )
    with db.unit_of_work() as session:  # planned by an earlier tick: due now
        plan(session, now=NOON, ruleset=load_ruleset())
        schedule(session, now=NOON, ruleset=load_ruleset())
    with FakeSlack() as fake:
        for user in users:
            fake.add_user(user, user, tz="UTC")
        yield Drill(db, fake)
    db.dispose()


def stopped(process: subprocess.Popen[str]) -> bool:
    stat = Path(f"/proc/{process.pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def wait_until(check: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def second_sweep_while_frozen(drill: Drill, first: subprocess.Popen[str]) -> None:
    """The first sweep is stopped: a second one finishes in time and delivers what it can;
    then the first carries on, and later sweeps settle the rest; each reminder once."""
    try:
        start = time.monotonic()
        try:
            second = drill.run(timeout=BOUND_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the second sweep was still waiting after {BOUND_SECONDS:.0f} s")
        took = time.monotonic() - start
        assert second.returncode == 0, second.stderr
        keys = accepted(drill.fake)
        assert len(keys) == len(set(keys)), "sent twice"
        assert len(keys) >= COUNT - BATCH, f"only {len(keys)} delivered in {took:.1f} s"
    finally:
        os.kill(first.pid, signal.SIGCONT)
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err  # the frozen one carries on, or leaves a step for later
    for minutes in (5, 6, 7):  # past the frozen claims' lease and the reaper's grace
        later = drill.run(minutes)
        assert later.returncode == 0, later.stderr
    assert Counter(accepted(drill.fake)) == Counter(set(accepted(drill.fake)))
    assert len(accepted(drill.fake)) == COUNT, "a reminder was lost"
    with drill.db.read_only() as session:
        assert set(session.scalars(select(Delivery.state))) == {"sent"}


@pytest.mark.parametrize("point", POINTS)
def test_frozen_at_a_point_stalls_no_other_sweep(drill: Drill, point: str) -> None:
    first = drill.start(freeze=point)
    wait_until(lambda: stopped(first) or first.poll() is not None, f"the freeze at {point}")
    assert first.poll() is None, first.communicate()
    second_sweep_while_frozen(drill, first)


@pytest.mark.parametrize("seed", range(RANDOM_TRIALS))
def test_frozen_at_a_random_moment_stalls_no_other_sweep(drill: Drill, seed: int) -> None:
    first = drill.start()
    wait_until(lambda: accepted(drill.fake) or first.poll() is not None, "the first post")
    time.sleep(random.Random(seed).uniform(0, 0.6))  # somewhere in its second of dispatching
    os.kill(first.pid, signal.SIGSTOP)
    wait_until(lambda: stopped(first) or first.poll() is not None, "SIGSTOP")
    second_sweep_while_frozen(drill, first)
