"""MATCHPATH_LOG_FORMAT=json on a real `matchpath serve`: every line of its log is one JSON
object with the documented fields, an apology's incident id is a field of its own, and no token,
secret or profile content (a score, a name, a check-in's notes) gets in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.access import Actor
from bot.db.engine import Database
from bot.roster.service import import_roster, parse_roster
from sandbox.fake_slack import FakeSlack
from tests.botproc import PROFILE_MARKER, ROOT, SECRET, TOKEN, BotProcess, wait_for
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
ROSTER = json.loads((ROOT / "examples" / "roster.json").read_text())
NAMES = [person["name"] for person in ROSTER["mentors"] + ROSTER["mentees"]]
# Profile contents sent in commands below, none of which may reach the log.
EXAM = "step2ck 287 2025-02-13"
NEWCOMER = "Nadia Newcombe-Quist"
FIELDS = {"time", "level", "logger", "message", "incident", "exception", "traceback"}
ISO_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+00:00")


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        import_roster(
            session, actor=Actor.system(datetime.now(UTC)), roster=parse_roster(json.dumps(ROSTER))
        )
    yield database
    database.dispose()


def replies(fake: FakeSlack) -> list[dict[str, Any]]:
    return [response.payload for response in fake.responses]


def records(log: str) -> list[dict[str, Any]]:
    """Every line of the log as a JSON object (a line that is not one fails the test)."""
    found = []
    for number, line in enumerate(log.splitlines(), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise AssertionError(f"line {number} is not JSON: {line[:200]!r}") from None
        assert isinstance(record, dict), line
        found.append(record)
    return found


def test_json_logs_one_object_per_line_and_nothing_private(db: Database, tmp_path: Path) -> None:
    with FakeSlack() as fake:
        for person in ROSTER["mentors"] + ROSTER["mentees"]:
            fake.add_user(person["slack_user_id"], person["name"], tz=person["tz"])
        fake.add_user("UNEWBIE01", NEWCOMER, tz="UTC")
        fake.add_channel("C0GENERAL", "general")
        mentor = ROSTER["mentors"][0]["slack_user_id"]
        mentee = next(m for m in ROSTER["mentees"] if mentor in m["mentors"])
        who = f"<@{mentee['slack_user_id']}>"
        bot = BotProcess(
            fake,
            db.url,
            workdir=tmp_path,
            scheduler=True,
            extra_env={
                "MATCHPATH_LOG_FORMAT": "json",
                "MATCHPATH_LOG_LEVEL": "debug",
                "MATCHPATH_TICK_SECONDS": "1",
            },
            planted=[*NAMES, NEWCOMER, EXAM, "2025-02-13"],
        ).start()
        try:
            assert mentee["name"] in bot.command(f"profile {who}", mentor).text()
            assert "287" in bot.command(f"log exam {who} {EXAM}", mentor).text()
            assert bot.command(f"checkin {who} {PROFILE_MARKER}", mentor).status == 200
            assert "no `frobnicate` subcommand" in bot.command("frobnicate", mentor).text()
            enrol = bot.command("enroll <@UNEWBIE01>", mentor)
            view = enrol.responses[0]["opened_view"]
            values = {
                "name": {"value": {"type": "plain_text_input", "value": NEWCOMER}},
                "applicant_type": {"value": {"selected_option": {"value": "non_us_img"}}},
                "visa": {"value": {"selected_option": {"value": "h1b"}}},
                "ecfmg": {"value": {"selected_option": {"value": "in_progress"}}},
                "checkpoint_cadence_days": {"value": {"type": "number_input", "value": "120"}},
                "status": {"value": {"selected_option": {"value": "active"}}},
            }
            assert bot.submit(mentor, view, values).status == 200
            # An unexpected failure: the apology's incident id, and the exception, in the log.
            fake.fail_next("views.open", "error", error="invalid_trigger_id")
            assert bot.command("enroll <@UNEWBIE02>", mentor, wait=False).status == 200
            sorry = wait_for(
                lambda: next((p for p in map(json.dumps, replies(fake)) if "incident" in p), ""),
                what="the apology",
            )
        finally:
            bot.stop()
    incident = re.search(r"incident ([0-9a-f]{8})", sorry)
    assert incident, sorry
    lines = records(bot.log())
    assert len(lines) > 5
    for record in lines:
        assert set(record) <= FIELDS, record
        assert {"time", "level", "logger", "message"} <= set(record), record
        assert ISO_UTC.fullmatch(record["time"]), record["time"]
        assert record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
    [apology] = [r for r in lines if r.get("incident") == incident.group(1)]
    assert apology["level"] == "ERROR"
    assert apology["exception"] == "SlackApiError"
    assert apology["traceback"].startswith("traceback in ")
    assert "[SlackApiError" not in apology["message"]  # the pointer is a field, not in the text
    assert any(r["logger"] == "matchpath.serve" and "serving on" in r["message"] for r in lines)
    assert any(r["level"] == "DEBUG" and r["logger"].startswith("matchpath.") for r in lines)
    log = bot.log()
    for private in (TOKEN, SECRET, PROFILE_MARKER, EXAM, "2025-02-13", NEWCOMER, *NAMES):
        assert private not in log, private
