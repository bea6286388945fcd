"""compose.yaml's topology as processes, on PostgreSQL: a one-shot `matchpath migrate`, two
`serve --no-scheduler` replicas behind a round-robin proxy, one `matchpath scheduler`, and the
fake Slack. Signed commands through the proxy are each answered once; every reminder due is
sent once, by the scheduler; the daily prune runs; SIGTERM stops each process cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.db.engine import Database
from bot.models import AppSetting, CheckIn, Delivery, Person, SlackEvent
from bot.retention import LAST_RUN_SETTING
from bot.vocab import DeliveryState
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from sandbox.signing import send, slash_command
from tests.botproc import PLANTED, ROOT, SECRET, TOKEN, BotProcess, free_port, wait_for
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory
from tests.tcp_proxy import RoundRobinProxy
from tests.test_cli_database import run_cli
from tests.test_deploy_files import healthcheck_command
from tests.test_serve_workers import PAIRS

pytestmark = pytest.mark.e2e
BOUND = 15  # MATCHPATH_SHUTDOWN_SECONDS
REMINDERS = 30


@pytest.fixture
def url(db_factory: DatabaseFactory) -> str:
    if db_factory.backend != "postgresql":
        pytest.skip("two serving replicas and a scheduler share PostgreSQL")
    return db_factory.empty()  # as a new deployment's database: `migrate` builds it


class Scheduler:
    """`matchpath scheduler`, the compose file's one scheduler."""

    def __init__(self, fake: FakeSlack, url: str, workdir: Path) -> None:
        self.log_path = workdir / "scheduler.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATCHPATH_"))}
        self.env = env | {
            "MATCHPATH_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": TOKEN,
            "MATCHPATH_SLACK_API_URL": fake.url,
            "MATCHPATH_SEND_RATE": "500",
            "MATCHPATH_SHUTDOWN_SECONDS": str(BOUND),
            "MATCHPATH_INCIDENT_DIR": str(workdir / "incidents"),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.port = free_port()  # its /healthz and /metrics, as compose.yaml has them

    def start(self) -> Scheduler:
        command = ["scheduler", "--every", "1", "--port", str(self.port)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", *command],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: "reminder ticker" in self.log(), timeout=30, what="the scheduler")
        return self

    def terminate(self) -> tuple[int, float]:
        assert self.process is not None
        started = time.monotonic()
        self.process.terminate()
        code = self.process.wait(timeout=BOUND + 15)
        self.process = None
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def accepted(fake: FakeSlack) -> Counter[str]:
    """How many times Slack accepted each reminder (by the dedupe key in its metadata)."""
    return Counter(
        m.metadata["event_payload"]["dedupe_key"]
        for m in fake.messages()
        if m.metadata and m.metadata.get("event_type") == EVENT_TYPE
    )


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)  # connects when first used: after `migrate`
    yield database
    database.dispose()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def test_the_compose_topology_as_processes(
    url: str, db: Database, fake: FakeSlack, tmp_path: Path
) -> None:
    db_env = {"MATCHPATH_DATABASE_URL": url}
    serve_env = db_env | {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    # Before `migrate`, a serving process refuses the database: compose starts it after.
    early = run_cli(
        "serve", "--no-scheduler", env=serve_env | {"MATCHPATH_SLACK_API_URL": fake.url}
    )
    assert early.returncode == 1
    assert "run `matchpath migrate` first" in early.stderr
    assert run_cli("migrate", env=db_env).returncode == 0
    assert run_cli("import", str(ROOT / "examples" / "roster.json"), env=db_env).returncode == 0
    yesterday = datetime.now(UTC) - timedelta(days=1)
    users = seed_due_milestones(
        db, count=REMINDERS, due_on=yesterday.date(), now=yesterday - timedelta(days=30)
    )
    for user in users:
        fake.add_user(user, user, tz="UTC")
    with db.unit_of_work() as session:  # handled long ago: the daily prune's to delete
        session.add(SlackEvent(event_id="EvLongAgo", received_at=yesterday - timedelta(days=30)))

    env = {"MATCHPATH_SHUTDOWN_SECONDS": str(BOUND)}
    webs = [BotProcess(fake, url, workdir=tmp_path, extra_env=env) for _ in range(2)]
    scheduler = Scheduler(fake, url, tmp_path)
    try:
        for web in webs:
            web.start()
        proxy = RoundRobinProxy([("127.0.0.1", web.port) for web in webs])
        with proxy:
            front = f"http://127.0.0.1:{proxy.port}/slack/events"
            before = checkins(db)
            replied_to, requests = [], []
            for n in range(60):
                mentor, mentee = PAIRS[n % 4]
                kind = ("assess", "profile", "checkin")[n % 3]
                text = f"{kind} <@{mentee}>" + (f" visit {n}" if kind == "checkin" else "")
                response_url = fake.issue_response_url("C0GENERAL", mentor)
                replied_to.append(response_url.rstrip("/").rsplit("/", 1)[-1])
                requests.append(
                    slash_command(
                        SECRET,
                        command="/matchpath",
                        text=text,
                        user_id=mentor,
                        channel_id="C0GENERAL",
                        response_url=response_url,
                    )
                )
            scheduler.start()  # reminders go out while the replicas serve
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda request: send(front, request)[0], requests))
            assert statuses == [200] * 60
            wait_for(
                lambda: {r.response_id for r in fake.responses} >= set(replied_to),
                timeout=60,
                what="every reply",
            )
            # Both replicas served, in turn.
            assert sorted(proxy.connections.values()) == [30, 30]
        wait_for(
            lambda: len(owed := owed_to(db, users)) == REMINDERS and owed <= set(accepted(fake)),
            timeout=60,
            what="every reminder",
        )
        wait_for(lambda: pruned(db), timeout=30, what="the daily prune")
        time.sleep(2.5)  # two more ticks: time for any second copy to go out
        # The image's HEALTHCHECK, run as the container runs it, against each replica and the
        # scheduler (on its own port); the scheduler's metrics count what it sent.
        _python, *check = healthcheck_command()
        for port in [*(web.port for web in webs), scheduler.port]:
            health = subprocess.run(
                [sys.executable, *check],
                env={**os.environ, "MATCHPATH_PORT": str(port)},
                timeout=30,
                check=False,
            )
            assert health.returncode == 0, f"HEALTHCHECK on port {port}"
        sent_by_scheduler = scheduler_sends(scheduler.port)
        sent_in_ledger = sent(db)
        stops = [web.terminate(timeout=BOUND + 15) for web in webs]
        scheduled_stop = scheduler.terminate()
    finally:
        for web in webs:
            web.stop()
        scheduler.stop()

    per_request = Counter(r.response_id for r in fake.responses)
    assert {rid: per_request[rid] for rid in replied_to} == dict.fromkeys(replied_to, 1)
    replies = [json.dumps(r.payload) for r in fake.responses]
    assert not [r for r in replies if "went wrong" in r or "cannot reach" in r]
    assert checkins(db) == before + 20
    keys = accepted(fake)
    assert {key: count for key, count in keys.items() if count > 1} == {}
    assert len(owed_to(db, users)) == REMINDERS
    assert owed_to(db, users) <= set(keys)
    assert unsent(db) == 0
    assert sent_by_scheduler == sent_in_ledger >= REMINDERS
    for code, elapsed in [*stops, scheduled_stop]:
        assert code == 0
        assert elapsed < BOUND
    for web in webs:
        assert "reminder ticker" not in web.log()  # the replicas never send
        assert "Traceback" not in web.log()
    said = scheduler.log()
    assert "daily prune: " in said
    assert "SIGTERM: stopping" in said
    assert "Traceback" not in said
    assert not [secret for secret in PLANTED if secret in said]


def scheduler_sends(port: int) -> float:
    """Ledger rows the scheduler counted as sent, every kind, from its own GET /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "matchpath_outbox_sends_total" and sample.labels.get("result") == "sent"
    )


def sent(db: Database) -> int:
    with db.read_only() as session:
        done = select(func.count()).select_from(Delivery)
        return session.scalar(done.where(Delivery.state == DeliveryState.SENT)) or 0


def checkins(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(CheckIn)) or 0


def pruned(db: Database) -> bool:
    with db.read_only() as session:
        return (
            session.get(AppSetting, LAST_RUN_SETTING) is not None
            and session.get(SlackEvent, "EvLongAgo") is None
        )


def owed_to(db: Database, users: list[str]) -> set[str]:
    """The reminders planned for these people (their dedupe keys)."""
    with db.read_only() as session:
        return set(
            session.scalars(
                select(Delivery.dedupe_key)
                .join(Person, Person.id == Delivery.recipient_id)
                .where(Person.slack_user_id.in_(users))
            )
        )


def unsent(db: Database) -> int:
    """Reminders that were due and are still not sent (the example roster's others, such as a
    mentor's digest, are due later in the day at some hours of the test run)."""
    with db.read_only() as session:
        waiting = [DeliveryState.PENDING, DeliveryState.CLAIMED, DeliveryState.UNKNOWN]
        due = Delivery.due_at <= datetime.now(UTC)
        return (
            session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.state.in_(waiting), due)
            )
            or 0
        )


def test_the_scheduler_alone_stops_cleanly_mid_send(
    url: str, db: Database, fake: FakeSlack, tmp_path: Path
) -> None:
    """SIGTERM while the scheduler's post is in flight: that post is recorded as sent, the
    rest of the claim is handed back (nothing left claimed), exit 0 within the bound; the next
    scheduler sends each of the rest once."""
    assert run_cli("migrate", env={"MATCHPATH_DATABASE_URL": url}).returncode == 0
    yesterday = datetime.now(UTC) - timedelta(days=1)
    users = seed_due_milestones(
        db, count=6, due_on=yesterday.date(), now=yesterday - timedelta(days=30), prefix="UTERM"
    )
    for user in users:
        fake.add_user(user, user, tz="UTC")
    fake.fail_next("chat.postMessage", "slow", delay=3.0)
    scheduler = Scheduler(fake, url, tmp_path)
    try:
        scheduler.start()
        wait_for(lambda: fake.pending_faults() == 0, timeout=30, what="the first post")
        code, elapsed = scheduler.terminate()
        with db.read_only() as session:
            states = Counter(session.scalars(select(Delivery.state)))
        assert code == 0, scheduler.log()[-2000:]
        assert elapsed < BOUND
        assert states[DeliveryState.CLAIMED] == 0
        assert states[DeliveryState.SENT] == 1
        assert "stopped: the sweep in progress finished its send" in scheduler.log()
        scheduler.start()
        wait_for(lambda: sum(accepted(fake).values()) >= 6, timeout=30, what="the rest")
        time.sleep(2.5)
        assert scheduler.terminate()[0] == 0
    finally:
        scheduler.stop()
    keys = accepted(fake)
    assert len(keys) == 6
    assert set(keys.values()) == {1}
