"""End to end over signed HTTP against the fake Slack, with the real bot process:
`/matchpath calendar` answers its asker alone with a secret link, the bot serves that link as
iCalendar, `calendar reset` makes the old link 404, `calendar off` ends it; no token in the log."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest

from bot.access import Actor
from bot.db.engine import Database
from bot.roster.service import import_roster, parse_roster
from sandbox.fake_slack import FakeSlack
from tests.botproc import BotProcess, Reply
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://matchpath.example.org"
LINK = re.compile(re.escape(PUBLIC) + r"(/ical/[A-Za-z0-9_-]{43}\.ics)")
PEOPLE = {
    "UADMIN01": "Ada Admin",
    "UMENTOR01": "Dr. Grace Whitfield",
    "UMENTOR02": "Dr. Samuel Osei",
    "UMENTEE01": "Maya Rahman",
    "UMENTEE02": "Tariq Haddad",
    "UMENTEE03": "Lucia Moreno",
    "UMENTEE04": "Daniel Okafor",
}


@pytest.fixture(scope="module")
def fake(db_factory: DatabaseFactory) -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    from tests.conftest import NOW

    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        import_roster(
            session,
            actor=Actor.system(NOW),
            roster=parse_roster((ROOT / "examples" / "roster.json").read_text()),
        )
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def bot(
    fake: FakeSlack, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    for user, name in PEOPLE.items():
        fake.add_user(user, name, tz="Europe/London")
    fake.add_channel("C0GENERAL", "general")
    process = BotProcess(
        fake,
        db.url,
        workdir=tmp_path_factory.mktemp("bot"),
        extra_env={"MATCHPATH_PUBLIC_URL": PUBLIC},
        planted=list(PEOPLE.values()),
    ).start()
    yield process
    process.stop()
    log = process.log()
    assert "unexpected error" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert "/ical/" not in log  # no link, no token, ever


def link_in(reply: Reply) -> str:
    found = LINK.findall(reply.text())
    assert found, reply.text()
    assert len(set(found)) == 1
    path: str = found[0]
    return path


def fetch(bot: BotProcess, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"{bot.url}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def summaries(body: bytes) -> list[str]:
    calendar = icalendar.Calendar.from_ical(body)
    return sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


def test_a_mentor_subscribes_resets_and_switches_off(bot: BotProcess, fake: FakeSlack) -> None:
    reply = bot.command("calendar", "UMENTOR02")
    assert reply.status == 200
    assert all(r.get("response_type") == "ephemeral" for r in reply.responses)
    first = link_in(reply)
    assert not any(LINK.search(json.dumps(m.__dict__, default=str)) for m in fake.messages())
    status, body = fetch(bot, first)
    assert status == 200
    assert summaries(body) == [
        "Check-in due: Lucia Moreno",
        "Check-in due: Tariq Haddad",
        "Tariq Haddad: Final tiered programme list (80-120)",
    ]

    again = bot.command("calendar", "UMENTOR02")
    assert "You have a calendar link already" in again.text()
    assert not LINK.search(again.text())  # shown once: only its fingerprint is kept

    reset = bot.command("calendar reset", "UMENTOR02")
    second = link_in(reset)
    assert second != first
    assert "no longer opens anything" in reset.text()
    assert fetch(bot, first)[0] == 404
    assert fetch(bot, second)[0] == 200

    off = bot.command("calendar off", "UMENTOR02")
    assert "Your calendar link is off" in off.text()
    assert fetch(bot, second)[0] == 404


def test_a_mentee_gets_their_own(bot: BotProcess) -> None:
    status, body = fetch(bot, link_in(bot.command("calendar", "UMENTEE02")))
    assert status == 200
    assert summaries(body) == [
        "Check-in with your mentor due",
        "Final tiered programme list (80-120)",
    ]


def test_refusals(bot: BotProcess) -> None:
    admin = bot.command("calendar", "UADMIN01")
    assert "Calendar feeds are for mentees and mentors" in admin.text()
    assert not LINK.search(admin.text())
    usage = bot.command("calendar <@UMENTEE02>", "UMENTOR02")
    assert "write `calendar`, `calendar reset` or `calendar off`" in usage.text()
    assert fetch(bot, "/ical/" + "A" * 43 + ".ics")[0] == 404
    assert fetch(bot, "/ical/nothing")[0] == 404
