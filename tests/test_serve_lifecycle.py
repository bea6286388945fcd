"""`matchpath serve` as an operator meets it: started without Slack or with a refused token or a
missing database, asked about its health, and stopped with SIGTERM while work is in flight.
Always the real process, the fake Slack on 127.0.0.1 and a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bot.db.engine import Database
from bot.models import Delivery, WorkspacePause
from bot.vocab import DeliveryState
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from tests.botproc import ROOT, SECRET, TOKEN, BotProcess, free_port, wait_for
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
BOUND = 15  # MATCHPATH_SHUTDOWN_SECONDS in these tests


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    yield database
    database.dispose()


def run_cli(
    *argv: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATCHPATH_"))}
    return subprocess.run(
        [sys.executable, "-m", "app", *argv],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def said(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the command itself told the operator: its `matchpath:` lines."""
    return [line for line in result.stderr.splitlines() if line.startswith("matchpath:")]


# -- starting --------------------------------------------------------------------------------


def test_slack_unreachable_at_start_then_found(db: Database, tmp_path: Path) -> None:
    """Slack not answering is not fatal: serve starts, /healthz says so, and it finds Slack once
    Slack answers (retried with growing waits), then serves commands."""
    port = free_port()
    with FakeSlack() as placeholder:
        bot = BotProcess(
            placeholder,
            db.url,
            workdir=tmp_path,
            extra_env={"MATCHPATH_SLACK_API_URL": f"http://127.0.0.1:{port}/api/"},
        )
        bot.start(healthy=False)
    try:
        status, body = bot.health()
        # Degraded, not failing: the process serves, and restarting it would not bring Slack.
        assert (status, body["status"], body["failed"], body["degraded"]) == (
            200,
            "degraded",
            [],
            ["slack"],
        )
        assert body["slack"] == "unreachable"
        assert "Connection refused" in str(body["slack_error"])
        with FakeSlack(port=port) as fake:
            fake.add_user("UADMIN01", "Ada Admin")
            fake.add_channel("C0GENERAL", "general")
            bot.fake = fake
            wait_for(lambda: bot.health()[1]["status"] == "ok", timeout=30, what="Slack again")
            assert "MatchPath commands" in bot.command("help", "UADMIN01").text()
            code, _ = bot.terminate()
        assert code == 0
    finally:
        bot.stop()
    assert "Traceback" not in bot.log()


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_refused_token_is_one_line_and_exit_2(db: Database, error: str) -> None:
    with FakeSlack() as fake:
        fake.fail_next("auth.test", "error", error=error)
        result = run_cli(
            "serve",
            env={
                "MATCHPATH_DATABASE_URL": db.url,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "MATCHPATH_SLACK_API_URL": fake.url,
                "MATCHPATH_PORT": str(free_port()),
            },
        )
    assert result.returncode == 2, result.stderr
    assert said(result) == [
        f"matchpath: cannot serve: Slack refused SLACK_BOT_TOKEN ({error}); set a valid token "
        "(see the README, 'Connect to Slack')"
    ]
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr


def test_a_port_in_use_is_one_line(db: Database) -> None:
    import socket

    with socket.socket() as taken, FakeSlack() as fake:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve",
            "--host",
            "127.0.0.1",
            env={
                "MATCHPATH_DATABASE_URL": db.url,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "MATCHPATH_SLACK_API_URL": fake.url,
                "MATCHPATH_PORT": str(port),
            },
        )
    assert result.returncode == 1, result.stderr
    assert said(result) == [f"matchpath: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert "Traceback" not in result.stderr


# -- health ------------------------------------------------------------------------------------


def test_health_is_degraded_while_sending_is_paused(db: Database, tmp_path: Path) -> None:
    with FakeSlack() as fake:
        bot = BotProcess(fake, db.url, workdir=tmp_path).start()
        try:
            assert bot.health() == (
                200,
                {
                    "status": "ok",
                    "ok": True,
                    "failed": [],
                    "degraded": [],
                    "database": "up",
                    "sending": "on",
                    "slack": "up",
                    "serving": "yes",
                },
            )
            now = datetime.now(UTC)
            with db.unit_of_work() as session:
                session.add(
                    WorkspacePause(
                        name="workspace", reason="invalid_auth", paused_at=now, checked_at=now
                    )
                )
            status, body = bot.health()
            assert (status, body["status"], body["ok"]) == (200, "degraded", False)
            assert (body["failed"], body["degraded"]) == ([], ["sending"])
            assert (body["sending"], body["sending_error"]) == ("paused", "invalid_auth")
            with db.unit_of_work() as session:
                session.execute(delete(WorkspacePause))
            assert bot.health()[1]["status"] == "ok"
        finally:
            bot.stop()


# -- stopping ----------------------------------------------------------------------------------


def _slow_follow_up_bot(
    db: Database, fake: FakeSlack, tmp_path: Path, *, bound: int = BOUND
) -> BotProcess:
    fake.add_user("UADMIN01", "Ada Admin")
    fake.add_channel("C0GENERAL", "general")
    fake.add_channel("GMENTORS1", "mentors", is_private=True)
    return BotProcess(
        fake, db.url, workdir=tmp_path, extra_env={"MATCHPATH_SHUTDOWN_SECONDS": str(bound)}
    ).start()


def test_sigterm_finishes_the_follow_up_in_flight(db: Database, tmp_path: Path) -> None:
    """The follow-up of an acked command is still waiting on Slack when SIGTERM comes: it is
    finished (the reply is posted), new requests are turned away, and the exit is 0 in time."""
    with FakeSlack() as fake:
        bot = _slow_follow_up_bot(db, fake, tmp_path)
        try:
            fake.fail_next("conversations.info", "slow", delay=3.0)
            reply = bot.command("dashboard channel <#GMENTORS1|mentors>", "UADMIN01", wait=False)
            assert reply.status == 200
            wait_for(lambda: fake.pending_faults() == 0, what="the follow-up to reach Slack")
            assert bot.process is not None
            started = time.monotonic()
            bot.process.terminate()
            time.sleep(0.3)
            # The listener is closed at once: nothing new is accepted while the work finishes.
            with pytest.raises(urllib.error.URLError, match="Connection refused"):
                urllib.request.urlopen(f"{bot.url}/healthz", timeout=2)
            code = bot.process.wait(timeout=BOUND + 10)
            elapsed = time.monotonic() - started
            bot.process = None
        finally:
            bot.stop()
        posts = [json.dumps(r.payload) for r in fake.responses]
    assert code == 0, bot.log()[-2000:]
    assert elapsed < BOUND
    assert any("Dashboards now live" in post for post in posts), posts
    log = bot.log()
    assert "SIGTERM: stopping" in log
    assert "stopped: the requests in progress and their follow-ups finished" in log
    assert "Traceback" not in log


def test_sigterm_past_the_bound_exits_1_and_says_what_was_left(
    db: Database, tmp_path: Path
) -> None:
    with FakeSlack() as fake:
        bot = _slow_follow_up_bot(db, fake, tmp_path, bound=2)
        try:
            fake.fail_next("conversations.info", "slow", delay=8.0)
            bot.command("dashboard channel <#GMENTORS1|mentors>", "UADMIN01", wait=False)
            wait_for(lambda: fake.pending_faults() == 0, what="the follow-up to reach Slack")
            code, elapsed = bot.terminate(timeout=20)
        finally:
            bot.stop()
    assert code == 1
    assert elapsed < 2 + 3
    assert "with work unfinished: 0 requests, 1 follow-ups" in bot.log()
    assert "Traceback" not in bot.log()


def test_sigterm_while_the_ticker_sends_loses_and_doubles_nothing(
    db: Database, tmp_path: Path
) -> None:
    """SIGTERM while a reminder post is in flight: that post is recorded as sent, the rest of
    the claim is handed back (nothing left claimed), and the next sweep sends each of the rest
    once."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    users = seed_due_milestones(
        db, count=6, due_on=yesterday.date(), now=yesterday - timedelta(days=30), prefix="UTERM"
    )
    with FakeSlack() as fake:
        for user in users:
            fake.add_user(user, user, tz="UTC")
        fake.fail_next("chat.postMessage", "slow", delay=3.0)
        bot = BotProcess(
            fake,
            db.url,
            workdir=tmp_path,
            scheduler=True,
            extra_env={"MATCHPATH_SEND_RATE": "500", "MATCHPATH_SHUTDOWN_SECONDS": str(BOUND)},
        )
        bot.start(healthy=False)
        try:
            wait_for(lambda: fake.pending_faults() == 0, timeout=30, what="the first post")
            code, elapsed = bot.terminate(timeout=BOUND + 10)
        finally:
            bot.stop()
        assert code == 0, bot.log()[-2000:]
        assert elapsed < BOUND
        with db.read_only() as session:
            states = dict(session.execute(select(Delivery.dedupe_key, Delivery.state)).all())
        assert DeliveryState.CLAIMED not in states.values(), states
        assert list(states.values()).count(DeliveryState.SENT) == 1
        assert len(_accepted(fake)) == 1
        due = len(states)
        assert due >= 6
        swept = run_cli(
            "sweep",
            env={
                "MATCHPATH_DATABASE_URL": db.url,
                "SLACK_BOT_TOKEN": TOKEN,
                "MATCHPATH_SLACK_API_URL": fake.url,
                "MATCHPATH_SEND_RATE": "500",
            },
        )
        assert swept.returncode == 0, swept.stderr
        keys = _accepted(fake)
    assert len(keys) == due, "a reminder was lost"
    assert len(set(keys)) == len(keys), "a reminder was sent twice"
    with db.read_only() as session:
        unsent = select(func.count()).where(Delivery.state != DeliveryState.SENT)
        assert session.scalar(unsent) == 0


def _accepted(fake: FakeSlack) -> list[str]:
    return [
        m.metadata["event_payload"]["dedupe_key"]
        for m in fake.messages()
        if m.metadata and m.metadata.get("event_type") == EVENT_TYPE
    ]
