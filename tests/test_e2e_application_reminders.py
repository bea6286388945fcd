"""End to end: a mentor lists and saves Tariq's programmes over signed HTTP against the real bot
process, and `matchpath sweep --now …` (a process of its own, the fake Slack behind it) on the
season's dates sends the application reminders as DMs, each once: the submission day to Tariq
(his programmes not sent yet), then, once he has sent them, SOAP readiness before Match Week to
him and his mentor; Tariq's opt-out, chosen in the settings modal, is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.access import Actor, resolve_actor
from bot.applications.dto import StatusChange
from bot.applications.models import SavedList
from bot.applications.service import update_statuses
from bot.applications.vocab import ApplicationStatus
from bot.db.engine import Database
from bot.programmes.files import parse_programmes
from bot.programmes.service import import_programmes
from bot.roster.service import import_roster, parse_roster
from handlers.ids import Action
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from tests.applications_world import application_ids
from tests.blockkit import assert_valid_message
from tests.botproc import BotProcess
from tests.databases import DatabaseFactory
from tests.test_e2e_programme_list import save_button

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
PEOPLE = {
    "UADMIN01": ("Ada Admin", "America/New_York"),
    "UMENTOR01": ("Dr. Grace Whitfield", "America/New_York"),
    "UMENTOR02": ("Dr. Samuel Osei", "Europe/London"),
    "UMENTEE01": ("Maya Rahman", "America/Chicago"),
    "UMENTEE02": ("Tariq Haddad", "Asia/Kolkata"),
    "UMENTEE03": ("Lucia Moreno", "Europe/London"),
    "UMENTEE04": ("Daniel Okafor", "America/New_York"),
}
# The list saved today (December 2026) is for the 2028 season: submissions open 1 September
# 2027 and Match Week starts 13 March 2028 (the ruleset's calendar).
SUBMISSION_DAY = "2027-09-01T12:00:00Z"  # 17:30 in Kolkata
SOAP_DAY = "2028-02-28T12:00:00Z"  # two weeks before Match Week; 12:00 in London
SENT_AT = datetime(2027, 9, 2, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def fake(db_factory: DatabaseFactory) -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    from tests.conftest import NOW

    system = Actor.system(NOW)
    database = Database(db_factory.new())
    content = (ROOT / "examples" / "programmes.csv").read_bytes()
    with database.unit_of_work() as session:
        roster = parse_roster((ROOT / "examples" / "roster.json").read_text())
        import_roster(session, actor=system, roster=roster)
        rows = parse_programmes(content, "csv")
        import_programmes(
            session, actor=system, rows=rows, source="programmes.csv", content=content
        )
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def bot(
    fake: FakeSlack, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    for user, (name, tz) in PEOPLE.items():
        fake.add_user(user, name, tz=tz)
    fake.add_channel("C0GENERAL", "general")
    names = [name for name, _ in PEOPLE.values()]
    process = BotProcess(
        fake, db.url, workdir=tmp_path_factory.mktemp("bot"), planted=names
    ).start()
    yield process
    process.stop()
    log = process.log()
    assert "unexpected error" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def sweep(fake: FakeSlack, db: Database, now: str) -> str:
    env = {
        **os.environ,
        "MATCHPATH_DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "MATCHPATH_SLACK_API_URL": fake.url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "sweep", "--now", now],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def reminders(fake: FakeSlack, user: str, kind: str) -> list[dict[str, Any]]:
    """The DMs of this kind the user was sent, as Slack holds them (their blocks)."""
    found = []
    for message in fake.messages(user):
        metadata = message.metadata or {}
        if metadata.get("event_type") != EVENT_TYPE:
            continue
        if metadata["event_payload"]["dedupe_key"].startswith("apps:") and kind in json.dumps(
            message.blocks
        ):
            found.append({"blocks": message.blocks, "text": message.text})
    return found


def test_list_save_then_the_season_reminds_once(
    bot: BotProcess, fake: FakeSlack, db: Database
) -> None:
    listed = bot.command("list <@UMENTEE02>", "UMENTOR02")
    saved = bot.click("UMENTOR02", Action.SAVE_LIST, save_button(listed.responses)["value"])
    assert "Saved as <@UMENTEE02>" in saved.text(), saved.text()
    with db.read_only() as session:
        assert session.scalar(select(SavedList.season)) == 2028

    out = sweep(fake, db, SUBMISSION_DAY)
    assert "submission_day 1" in out, out
    [submit] = reminders(fake, "UMENTEE02", "submissions open 2027-09-01")
    assert_valid_message(submit)
    said = json.dumps(submit["blocks"])
    assert "on your list not sent yet" in said
    assert "`APPLY-EARLY`" in said
    assert reminders(fake, "UMENTOR02", "submissions open") == []  # the mentee's own
    sweep(fake, db, SUBMISSION_DAY)
    assert len(reminders(fake, "UMENTEE02", "submissions open 2027-09-01")) == 1

    # Tariq sends his list and, in the settings modal, opts out of SOAP readiness; his mentor
    # is still told.
    with db.unit_of_work() as session:
        mentor = resolve_actor(
            session, slack_user_id="UMENTOR02", admin_ids=frozenset(), now=SENT_AT
        )
        changes = [
            StatusChange(application_id=i, to=ApplicationStatus.APPLIED, on=SENT_AT.date())
            for i in application_ids(session, "UMENTEE02")
        ]
        update_statuses(session, actor=mentor, slack_user_id="UMENTEE02", changes=changes)
    settings = bot.command("settings", "UMENTEE02").responses[0]["opened_view"]
    settings = json.loads(settings) if isinstance(settings, str) else settings
    choices = json.dumps(settings)
    assert "SOAP readiness before Match Week" in choices
    opt_out = {"opt_outs": {"value": {"selected_options": [{"value": "soap_ready"}]}}}
    assert bot.submit("UMENTEE02", settings, opt_out).status == 200

    out = sweep(fake, db, SOAP_DAY)
    assert "soap_ready 1" in out, out
    [soap] = reminders(fake, "UMENTOR02", "SOAP readiness for Tariq Haddad")
    assert_valid_message(soap)
    assert "`SOAP`" in json.dumps(soap["blocks"])
    assert reminders(fake, "UMENTEE02", "be ready for SOAP") == []  # opted out
    sweep(fake, db, SOAP_DAY)
    assert len(reminders(fake, "UMENTOR02", "SOAP readiness for Tariq Haddad")) == 1
