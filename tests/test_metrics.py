"""GET /metrics on a real `matchpath serve`: after signed commands and a ticker's sends (one 429
among them) the counts are exactly what was sent; the token guards the page when it is set; and
under `serve --workers 2` on PostgreSQL every scrape, whichever worker answers it, adds up every
process (the supervisor's ticker included), with nothing left from an earlier run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.access import Actor
from bot.db.engine import Database
from bot.models import Delivery
from bot.roster.service import import_roster, parse_roster
from bot.vocab import DeliveryKind, DeliveryState
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from sandbox.signing import slash_command
from tests.botproc import ROOT, SECRET, BotProcess, wait_for
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
ROSTER = json.loads((ROOT / "examples" / "roster.json").read_text())
METRICS_TOKEN = "metrics-token-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        import_roster(
            session, actor=Actor.system(datetime.now(UTC)), roster=parse_roster(json.dumps(ROSTER))
        )
    yield database
    database.dispose()


def fetch(bot: BotProcess, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{bot.url}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(bot: BotProcess, token: str | None = None) -> Samples:
    status, text = fetch(bot, token)
    assert status == 200, text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist (nothing counted yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


def accepted(fake: FakeSlack) -> list[str]:
    return [
        m.metadata["event_payload"]["dedupe_key"]
        for m in fake.messages()
        if m.metadata and m.metadata.get("event_type") == EVENT_TYPE
    ]


def ledger(db: Database) -> Counter[DeliveryState]:
    with db.read_only() as session:
        return Counter(session.scalars(select(Delivery.state)))


def add_people(fake: FakeSlack) -> None:
    for person in ROSTER["mentors"] + ROSTER["mentees"]:
        fake.add_user(person["slack_user_id"], person["name"], tz=person["tz"])
    # The admin too: on some days the roster's overdue check-ins escalate to them by DM.
    for admin in ROSTER["admins"]:
        fake.add_user(admin, "Programme Admin")
    fake.add_user("USTRANGER", "Sam Stranger")
    fake.add_channel("C0GENERAL", "general")


def due_reminders(db: Database, fake: FakeSlack, count: int) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    for user in seed_due_milestones(
        db, count=count, due_on=yesterday.date(), now=yesterday - timedelta(days=30), prefix="UMET"
    ):
        fake.add_user(user, user, tz="UTC")


def settled(db: Database, fake: FakeSlack, count: int) -> bool:
    """The ticker has sent every due reminder and nothing waits to be tried again."""
    states = ledger(db)
    waiting = states[DeliveryState.CLAIMED] + states[DeliveryState.RETRY_WAIT]
    return len(accepted(fake)) >= count and not waiting


def counted(bot: BotProcess) -> float:
    """The commands counted, every outcome (a scrape adds up every process's files)."""
    return total(scrape(bot), "matchpath_commands_total")


def swept(bot: BotProcess) -> float:
    return total(scrape(bot), "matchpath_sweep_seconds_count")


def test_metrics_count_exactly_what_was_sent(db: Database, tmp_path: Path) -> None:
    mentor, mentee = "UMENTOR01", "UMENTEE01"
    with FakeSlack() as fake:
        add_people(fake)
        due_reminders(db, fake, 4)
        fake.fail_next("chat.postMessage", "rate_limited", retry_after=1)
        bot = BotProcess(
            fake,
            db.url,
            workdir=tmp_path,
            scheduler=True,
            admins="UADMIN01",
            extra_env={"MATCHPATH_TICK_SECONDS": "1", "MATCHPATH_SEND_RATE": "500"},
        ).start()
        try:
            for _ in range(3):
                assert "Maya" in bot.command(f"profile <@{mentee}>", mentor).text()
            for _ in range(2):
                assert bot.command(f"assess <@{mentee}>", mentor).status == 200
            assert (
                "You don't have access" in bot.command(f"profile <@{mentee}>", "USTRANGER").text()
            )
            assert "no `frobnicate`" in bot.command("frobnicate", mentor).text()
            assert "MatchPath commands" in bot.command("help", mentor).text()
            wait_for(lambda: settled(db, fake, 4), timeout=30, what="the reminders sent")
            wait_for(lambda: swept(bot) >= 2, timeout=30, what="two sweeps done")
            samples = scrape(bot)
            sent = len(accepted(fake))
            states = ledger(db)
        finally:
            bot.stop()

    commands = "matchpath_commands_total"
    assert value(samples, commands, subcommand="profile", outcome="ok") == 3
    assert value(samples, commands, subcommand="assess", outcome="ok") == 2
    assert value(samples, commands, subcommand="profile", outcome="refused") == 1
    assert value(samples, commands, subcommand="unknown", outcome="usage") == 1
    assert value(samples, commands, subcommand="help", outcome="help") == 1
    assert total(samples, commands) == 8
    # Every command was acked and timed; the six with a follow-up had their reply timed.
    assert value(samples, "matchpath_ack_seconds_count", kind="command") == 8
    assert value(samples, "matchpath_ack_seconds_bucket", kind="command", le="+Inf") == 8
    assert value(samples, "matchpath_reply_seconds_count", subcommand="profile") == 4
    assert value(samples, "matchpath_reply_seconds_count", subcommand="assess") == 2
    assert value(samples, "matchpath_reply_seconds_sum", subcommand="assess") > 0

    # The outbox: every post Slack accepted counted once as sent, the 429 as a retry.
    sends = "matchpath_outbox_sends_total"
    assert sent >= 4
    assert total(samples, sends, result="sent") == sent == states[DeliveryState.SENT]
    assert total(samples, sends, result="retry") == 1
    assert total(samples, "matchpath_slack_rate_limited_total") == 1
    assert total(samples, sends) == sent + 1
    assert total(samples, "matchpath_sweep_seconds_count") >= 2

    # Read from the database at the scrape: every kind and state, 0 included.
    rows = "matchpath_ledger_rows"
    assert total(samples, rows, state="sent") == states[DeliveryState.SENT]
    assert total(samples, rows) == sum(states.values())
    assert len([key for key in samples if key[0] == rows]) == len(DeliveryKind) * len(DeliveryState)
    assert value(samples, "matchpath_sending_paused") == 0


def test_the_metrics_token_guards_the_page(db: Database, tmp_path: Path) -> None:
    with FakeSlack() as fake:
        add_people(fake)
        bot = BotProcess(
            fake,
            db.url,
            workdir=tmp_path,
            extra_env={"MATCHPATH_METRICS_TOKEN": METRICS_TOKEN},
            planted=[METRICS_TOKEN],
        ).start()
        try:
            assert fetch(bot)[0] == 401
            assert fetch(bot, "wrong-token-0123456789")[0] == 401
            assert fetch(bot, METRICS_TOKEN.upper())[0] == 401
            bot.command("help", "UMENTOR01")
            samples = scrape(bot, METRICS_TOKEN)
            assert value(samples, "matchpath_commands_total", subcommand="help", outcome="help")
            assert bot.health()[0] == 200  # the health check needs no token
        finally:
            bot.stop()


def test_a_short_metrics_token_is_refused_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve"],
        env={**os.environ, "MATCHPATH_METRICS_TOKEN": "short"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "matchpath: setting MATCHPATH_METRICS_TOKEN: must be at least 16 printable characters "
        "(e.g. from `openssl rand -hex 32`)"
    ]


# -- several processes -----------------------------------------------------------------------


def plant_stale_count(directory: Path) -> str:
    """The files an earlier run leaves: a process that answered 1,000 profiles. Its pid."""
    directory.mkdir(parents=True, exist_ok=True)
    script = (
        "import os\n"
        "from bot import metrics\n"
        "for _ in range(1000):\n"
        "    metrics.command_answered('profile', 'ok')\n"
        "print(os.getpid())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert (directory / f"counter_{result.stdout.strip()}.db").exists()
    return result.stdout.strip()


def test_two_workers_add_up_in_every_scrape(db: Database, tmp_path: Path) -> None:
    if db.is_sqlite:
        pytest.skip("several serving processes need PostgreSQL")
    shared = tmp_path / "metrics"
    stale = plant_stale_count(shared)
    pairs = [("UMENTOR01", "UMENTEE01"), ("UMENTOR02", "UMENTEE02")]
    with FakeSlack() as fake:
        add_people(fake)
        due_reminders(db, fake, 3)
        bot = BotProcess(
            fake,
            db.url,
            workdir=tmp_path,
            scheduler=True,
            extra_env={
                "MATCHPATH_WORKERS": "2",
                "MATCHPATH_TICK_SECONDS": "1",
                "MATCHPATH_SEND_RATE": "500",
                "MATCHPATH_LOG_FORMAT": "json",
                "PROMETHEUS_MULTIPROC_DIR": str(shared),
            },
        ).start()
        try:
            requests = []
            for n in range(40):
                mentor, mentee = pairs[n % 2]
                url = fake.issue_response_url("C0GENERAL", mentor)
                text = f"profile <@{mentee}>" if n % 4 else f"assess <@{mentee}>"
                requests.append(
                    slash_command(
                        SECRET,
                        command="/matchpath",
                        text=text,
                        user_id=mentor,
                        channel_id="C0GENERAL",
                        response_url=url,
                    )
                )
            # Each request on a connection of its own, 8 at a time: both workers serve.
            with ThreadPoolExecutor(8) as pool:
                assert set(pool.map(lambda request: bot.post(request)[0], requests)) == {200}
            wait_for(lambda: len(fake.responses) >= 40, timeout=60, what="every reply")
            wait_for(lambda: settled(db, fake, 3), timeout=30, what="the reminders sent")
            wait_for(lambda: swept(bot) >= 2, timeout=30, what="two sweeps done")
            # A command is counted once its reply is posted: the last replies can reach Slack
            # a moment before their worker counts them.
            wait_for(lambda: counted(bot) >= 40, timeout=30, what="every command counted")
            scrapes = [scrape(bot) for _ in range(8)]  # new connections: either worker answers
            sent = len(accepted(fake))
            pids = {path.name.rsplit("_", 1)[1] for path in shared.glob("counter_*.db")}
        finally:
            bot.stop()
    for samples in scrapes:
        assert value(samples, "matchpath_commands_total", subcommand="profile", outcome="ok") == 30
        assert value(samples, "matchpath_commands_total", subcommand="assess", outcome="ok") == 10
        assert value(samples, "matchpath_ack_seconds_count", kind="command") == 40
        # The ticker runs in the supervisor: its sends reach a worker's scrape.
        assert total(samples, "matchpath_outbox_sends_total", result="sent") == sent >= 3
        assert total(samples, "matchpath_sweep_seconds_count") >= 2
    # Both workers counted commands, and the supervisor its sends: three files, the stale gone.
    assert len(pids) == 3, pids
    assert f"{stale}.db" not in pids
    for number, line in enumerate(bot.log().splitlines(), 1):
        record = json.loads(line)  # gunicorn's lines as well
        assert {"time", "level", "logger", "message"} <= set(record), (number, line)
