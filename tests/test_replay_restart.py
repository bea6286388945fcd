"""A replayed request is refused after a restart too: on SQLite the guard decides in memory, so
what a process served must outlive it (bot/replay.py)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import Actor
from bot.db.engine import Database
from bot.models import CheckIn, SeenRequest
from bot.replay import SeenSignatures
from bot.roster.service import import_roster, parse_roster
from sandbox.fake_slack import FakeSlack
from sandbox.signing import slash_command
from tests.botproc import SECRET, BotProcess, wait_for
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        roster = parse_roster((ROOT / "examples" / "roster.json").read_text())
        import_roster(session, actor=Actor.system(datetime.now(UTC)), roster=roster)
    yield database
    database.dispose()


def checkins(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(CheckIn)) or 0


@pytest.mark.e2e
@pytest.mark.parametrize("stop", ["terminated", "killed"])
def test_a_request_served_before_a_restart_is_refused_after_it(
    db: Database, tmp_path: Path, stop: str
) -> None:
    with FakeSlack() as fake:
        bot = BotProcess(fake, db.url, workdir=tmp_path).start()
        try:
            request = slash_command(
                SECRET,
                command="/matchpath",
                text="checkin <@UMENTEE02> before the restart",
                user_id="UMENTOR02",
                channel_id="C0GENERAL",
                response_url=fake.issue_response_url("C0GENERAL", "UMENTOR02"),
            )
            before = checkins(db)
            assert bot.post(request)[0] == 200
            wait_for(lambda: checkins(db) == before + 1, what="the check-in")
            if stop == "killed":  # no chance to finish anything left behind the ack
                assert bot.process is not None
                os.kill(bot.process.pid, signal.SIGKILL)
                bot.process.wait()
            bot.restart()
            status, _ = bot.post(request)  # the same bytes, still inside Slack's five minutes
            assert status == 401
            time.sleep(0.3)  # time enough for a wrongly accepted command to have acted
            assert checkins(db) == before + 1
            fresh = slash_command(
                SECRET,
                command="/matchpath",
                text="checkin <@UMENTEE02> after the restart",
                user_id="UMENTOR02",
                channel_id="C0GENERAL",
                response_url=fake.issue_response_url("C0GENERAL", "UMENTOR02"),
            )
            assert bot.post(fresh)[0] == 200  # while a new request is served as ever
            wait_for(lambda: checkins(db) == before + 2, what="the new check-in")
        finally:
            bot.stop()


def test_served_signatures_are_kept_in_the_database(db_factory: DatabaseFactory) -> None:
    """Each half of the SQLite guard alone: what one process served, the next one refuses even
    when it is signed after the next one started (a clock ahead of ours)."""
    db = Database(db_factory.new())
    try:
        now = datetime.now(UTC)
        first = SeenSignatures(db, now - timedelta(seconds=60))
        assert first.first_use("v0=" + "a" * 64, signed_at=int(now.timestamp()), now=now)
        wait_for(lambda: first.unwritten() == 0, what="the signature to be written")
        with db.read_only() as session:
            assert session.scalar(select(func.count()).select_from(SeenRequest)) == 1
        second = SeenSignatures(db, now - timedelta(seconds=30))
        assert not second.first_use("v0=" + "a" * 64, signed_at=int(now.timestamp()), now=now)
        assert second.first_use("v0=" + "b" * 64, signed_at=int(now.timestamp()), now=now)
    finally:
        db.dispose()


def test_a_request_signed_before_the_process_started_is_refused(
    db_factory: DatabaseFactory,
) -> None:
    """The other half: nothing written at all (a crash lost it), refused by its timestamp."""
    db = Database(db_factory.new())
    try:
        started = datetime.now(UTC)
        guard = SeenSignatures(db, started)
        signed = int(started.timestamp())
        assert not guard.first_use("v0=" + "c" * 64, signed_at=signed - 1, now=started)
        assert guard.first_use("v0=" + "d" * 64, signed_at=signed, now=started)
        assert not guard.first_use("v0=" + "d" * 64, signed_at=signed, now=started)
    finally:
        db.dispose()
