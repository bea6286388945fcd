"""The database disappears mid-service (PostgreSQL behind a proxy that is cut, then restored):
the bot answers with a clear error, recovers by itself, and loses nothing."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.access import Actor
from bot.db.engine import Database
from bot.models import CheckIn
from bot.roster.service import import_roster, parse_roster
from sandbox.fake_slack import FakeSlack
from tests.botproc import ROOT, BotProcess, wait_for
from tests.conftest import NOW
from tests.databases import DatabaseFactory
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e


@pytest.fixture
def outage(
    db_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BotProcess, TcpProxy, Database]]:
    if db_factory.backend != "postgresql":
        pytest.skip("the outage drill runs against PostgreSQL")
    url = db_factory.new()
    db = Database(url)
    with db.unit_of_work() as session:
        import_roster(
            session,
            actor=Actor.system(NOW),
            roster=parse_roster((ROOT / "examples" / "roster.json").read_text()),
        )
    parsed = make_url(url)
    with TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432) as proxy, FakeSlack() as fake:
        fake.add_user("UMENTOR02", "Mentor", tz="Europe/London")
        fake.add_channel("C0GENERAL", "general")
        proxied = parsed.set(port=proxy.port).render_as_string(hide_password=False)
        bot = BotProcess(fake, proxied, workdir=tmp_path_factory.mktemp("outage")).start()
        try:
            yield bot, proxy, db
        finally:
            bot.stop()
    db.dispose()


def health(bot: BotProcess) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def checkins(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count(CheckIn.id))) or 0


def wait_for_checkins(db: Database, expected: int) -> None:
    for _ in range(200):
        if checkins(db) == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"expected {expected} check-ins, found {checkins(db)}")


def test_outage_then_recovery(outage: tuple[BotProcess, TcpProxy, Database]) -> None:
    bot, proxy, db = outage
    before = checkins(db)
    assert "recorded" in bot.command("checkin <@UMENTEE02> before the outage", "UMENTOR02").text()
    wait_for_checkins(db, before + 1)

    proxy.cut()
    during = bot.command("checkin <@UMENTEE02> during the outage", "UMENTOR02", wait=False)
    assert during.status == 200
    answer = json.loads(during.body)
    assert "cannot reach its database" in answer["text"]
    assert "Traceback" not in during.body.decode()
    status, body = health(bot)
    assert (status, body["status"], body["failed"], body["database"], body["sending"]) == (
        503,
        "failing",
        ["database"],
        "down",
        "unknown",
    )

    proxy.restore()
    wait_for(lambda: health(bot)[1]["status"] == "ok", timeout=20, what="recovery")
    after = bot.command("checkin <@UMENTEE02> after the outage", "UMENTOR02")
    assert "recorded" in after.text()
    # The check-in from before survived; the refused one left nothing half-done.
    wait_for_checkins(db, before + 2)
