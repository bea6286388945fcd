"""What a running `matchpath serve` writes to its log: a clean start says nothing alarming, the
ticker's runs stay below INFO, and at DEBUG no profile, token or secret gets in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.access import Actor
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.models import SeenRequest
from bot.roster.service import import_roster, parse_roster
from sandbox.fake_slack import FakeSlack
from tests.botproc import PROFILE_MARKER, SECRET, TOKEN, BotProcess, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
ROSTER = json.loads((ROOT / "examples" / "roster.json").read_text())
NAMES = [person["name"] for person in ROSTER["mentors"] + ROSTER["mentees"]]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def ticked(db: Database) -> bool:
    """Plants a replay-guard row older than it keeps, and says whether a sweep removed it."""
    with db.unit_of_work() as session:
        if session.get(SeenRequest, "planted-stale") is not None:
            return False
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        session.add(SeenRequest(signature="planted-stale", seen_at=an_hour_ago))
    return True


def wait_for_ticks(db: Database, count: int) -> None:
    for n in range(count):
        ticked(db)
        wait_for(lambda: not _planted(db), what=f"sweep {n + 1}")


def _planted(db: Database) -> bool:
    with db.read_only() as session:
        return session.get(SeenRequest, "planted-stale") is not None


def test_a_clean_start_warns_of_nothing_and_ticks_quietly(
    db: Database, fake: FakeSlack, tmp_path: Path
) -> None:
    bot = BotProcess(
        fake, db.url, workdir=tmp_path, scheduler=True, extra_env={"MATCHPATH_TICK_SECONDS": "1"}
    ).start()
    try:
        wait_for_ticks(db, 2)
    finally:
        bot.stop()
    lines = bot.log().splitlines()
    assert [line for line in lines if " WARNING " in line or " ERROR " in line] == []
    assert [line for line in lines if "apscheduler" in line or "tick:" in line] == []
    assert any("reminder ticker: a sweep every 1 s" in line for line in lines)


def test_debug_logs_our_ticks_but_no_profile_token_or_secret(
    db: Database, fake: FakeSlack, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        import_roster(
            session,
            actor=Actor.system(datetime.now(UTC)),
            roster=parse_roster(json.dumps(ROSTER)),
        )
    for person in ROSTER["mentors"] + ROSTER["mentees"]:
        fake.add_user(person["slack_user_id"], person["name"], tz=person["tz"])
    fake.add_channel("C0GENERAL", "general")
    mentor = ROSTER["mentors"][0]["slack_user_id"]
    mentee = next(m for m in ROSTER["mentees"] if mentor in m["mentors"])
    bot = BotProcess(
        fake,
        db.url,
        workdir=tmp_path,
        scheduler=True,
        admins=ROSTER["admins"][0],
        extra_env={"MATCHPATH_LOG_LEVEL": "debug", "MATCHPATH_TICK_SECONDS": "1"},
        planted=NAMES,
    ).start()
    who = f"<@{mentee['slack_user_id']}>"
    try:
        profile = bot.command(f"profile {who}", mentor)
        assert mentee["name"] in profile.text()  # the card went out: the log had its chance
        for text in (f"assess {who}", f"milestone list {who}", f"checkin {who} {PROFILE_MARKER}"):
            assert bot.command(text, mentor).status == 200
        wait_for(lambda: bot.log().count("tick: sweep done") >= 2, what="two ticks at DEBUG")
    finally:
        bot.stop()
    log = bot.log()
    assert " DEBUG matchpath." in log
    for secret in (*NAMES, PROFILE_MARKER, TOKEN, SECRET):
        assert secret not in log
