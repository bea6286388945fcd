"""End to end over signed HTTP against the fake Slack, with the real bot process: a mentor's
`/matchpath list @mentee` (a summary, the whole list as CSV in the mentor's DM), its save
button (the applications exist), refusals, `/matchpath report` (a PNG chart and a CSV in
the asker's DM, never the channel), and a status change reaching the mentee's dashboard (one
thread line, one card update showing the funnel)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.access import Actor, resolve_actor
from bot.applications.models import Application, SavedList
from bot.applications.service import get_applications
from bot.assessment.ruleset import load_ruleset
from bot.clock import FixedClock
from bot.db.engine import Database
from bot.mentees.items import log_item
from bot.models import Mentee, Person
from bot.profile.schema import CycleIn
from bot.programmes.files import parse_programmes
from bot.programmes.list_text import CSV_COLUMNS
from bot.programmes.service import import_programmes
from bot.reminders.sweep import run_sweep
from bot.roster.service import import_roster, parse_roster
from handlers.ids import Action
from handlers.notifier import SlackNotifier
from sandbox.fake_slack import FakeSlack
from sandbox.records import UploadedFile
from tests.botproc import BotProcess
from tests.databases import DatabaseFactory

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
RULESET = load_ruleset()
RULE = re.compile(r"\[[A-Z0-9]+(?:-[A-Z0-9]+)*\]")
PNG = b"\x89PNG\r\n\x1a\n"


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
        import_roster(
            session,
            actor=system,
            roster=parse_roster((ROOT / "examples" / "roster.json").read_text()),
        )
        import_programmes(
            session,
            actor=system,
            rows=parse_programmes(content, "csv"),
            source="programmes.csv",
            content=content,
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


def files_named(fake: FakeSlack, prefix: str) -> list[UploadedFile]:
    return [f for f in fake.files if f.filename.startswith(prefix) and f.completed]


def save_button(responses: list[dict[str, Any]]) -> dict[str, Any]:
    elements = [
        e
        for r in responses
        for b in r.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    [button] = [e for e in elements if e["action_id"] == Action.SAVE_LIST]
    assert isinstance(button, dict)
    return button


def applications_of(db: Database, slack_user_id: str) -> int:
    with db.read_only() as session:
        return (
            session.scalar(
                select(func.count(Application.id))
                .join(Mentee, Mentee.id == Application.mentee_id)
                .join(Person, Person.id == Mentee.person_id)
                .where(Person.slack_user_id == slack_user_id)
            )
            or 0
        )


def test_a_mentee_and_another_mentor_are_refused(bot: BotProcess, fake: FakeSlack) -> None:
    for user in ("UMENTEE02", "UMENTOR01"):
        before = len(fake.files)
        reply = bot.command("list <@UMENTEE02>", user)
        assert reply.status == 200
        text = reply.text()
        assert "Programme list" not in text
        assert "have access" in text or "mentor" in text, text
        assert len(fake.files) == before  # no file for someone refused


def test_a_track_that_is_no_track_is_a_usage_message(bot: BotProcess) -> None:
    reply = bot.command("list <@UMENTEE02> dermatology", "UMENTOR02")
    assert "is not a track" in reply.text()
    assert "/matchpath list @mentee [track]" in reply.text()


def test_list_then_save_then_report(bot: BotProcess, fake: FakeSlack, db: Database) -> None:
    reply = bot.command("list <@UMENTEE02>", "UMENTOR02")
    assert reply.status == 200
    assert not reply.body.strip()
    text = reply.text()
    assert "Programme list: Tariq Haddad" in text
    assert "Reach" in text
    assert "Core" in text
    assert "Safety" in text
    assert "Excluded" in text

    [upload] = files_named(fake, "matchpath-list-UMENTEE02-")
    assert upload.channel_id == fake.dm_channel("UMENTOR02")  # the mentor's DM, not C0GENERAL
    rows = list(csv.DictReader(io.StringIO((upload.content or b"").decode())))
    assert rows
    assert tuple(rows[0]) == CSV_COLUMNS
    standing = Counter(r["standing"] for r in rows)
    listed = [r for r in rows if r["standing"] == "listed"]
    assert listed
    assert standing["excluded"] > 0
    assert {r["tier"] for r in listed} <= {"reach", "core", "safety"}
    assert all(RULE.search(r["reasons"]) for r in rows), "every row says its rule"
    excluded = [r for r in rows if r["standing"] == "excluded"]
    # Tariq needs a J-1: programmes that sponsor none are out, and say so.
    assert any("[VISA-FILTER]" in r["reasons"] and r["sponsors_j1"] == "no" for r in excluded)
    # The summary counts what the file holds.
    per_tier = Counter((r["route"], r["tier"]) for r in listed)
    assert {route for route, _ in per_tier} == {"preliminary_surgery", "general_surgery"}
    for (_, tier), count in per_tier.items():
        assert f"{tier.capitalize()} {count}" in text
    assert f"Tariq Haddad: {len(listed)} programmes listed" in text

    assert applications_of(db, "UMENTEE02") == 0
    button = save_button(reply.responses)
    refused = bot.click("UMENTEE02", Action.SAVE_LIST, button["value"])
    assert "Saved as" not in refused.text()
    assert applications_of(db, "UMENTEE02") == 0
    saved = bot.click("UMENTOR02", Action.SAVE_LIST, button["value"])
    assert "Saved as <@UMENTEE02>" in saved.text(), saved.text()
    assert Action.OPEN_APPLICATIONS in saved.text()  # the way to update the statuses
    assert applications_of(db, "UMENTEE02") == len(listed)
    with db.read_only() as session:
        season = session.scalar(select(SavedList.season))
    assert season is not None
    assert f"{len(listed)} new applications planned" in saved.text()

    refused = bot.command(f"report {season}", "UMENTEE02")
    assert "for mentors and admins" in refused.text()
    report = bot.command(f"report {season}", "UMENTOR02")
    assert f"Cohort report: the {season} season" in report.text()
    chart = files_named(fake, f"matchpath-report-{season}.png")
    numbers = files_named(fake, f"matchpath-report-{season}.csv")
    assert len(chart) == len(numbers) == 1
    assert (chart[0].content or b"").startswith(PNG)
    assert {chart[0].channel_id, numbers[0].channel_id} == {fake.dm_channel("UMENTOR02")}
    table = list(csv.DictReader(io.StringIO((numbers[0].content or b"").decode())))
    overall = next(
        r
        for r in table
        if (r["count_of"], r["track"], r["applicant_type"]) == ("applications", "all", "all")
    )
    assert int(overall["listed"]) == len(listed)
    dm = fake.messages(fake.dm_channel("UMENTOR02"))
    assert any("Cohort report" in m.text for m in dm)
    assert not [m for m in fake.messages("C0GENERAL") if "Cohort" in m.text]


def test_a_season_without_applications_says_so(bot: BotProcess, fake: FakeSlack) -> None:
    before = len(fake.files)
    reply = bot.command("report 2031", "UADMIN01")
    assert "2031" in reply.text()
    assert len(fake.files) == before


def deliver(db: Database, fake: FakeSlack) -> None:
    """What the scheduler would do: two sweeps (the second finds nothing left to send), a
    little after now so that the coalesced card updates are due."""
    notifier = SlackNotifier(WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[]))
    for _ in range(2):
        run_sweep(db, notifier, FixedClock(datetime.now(UTC) + timedelta(seconds=10)), RULESET)


def test_a_status_change_is_one_thread_line_and_one_card_update(
    bot: BotProcess, fake: FakeSlack, db: Database
) -> None:
    """Daniel has submitted his applications for the season under way: his mentor lists and
    saves its programmes over HTTP; one is marked applied; the dashboard thread says so once,
    and the card is updated once, with the funnel."""
    today = datetime.now(UTC)
    live = RULESET.seasons.live(today.date())
    cycle = CycleIn(season=live, submitted_on=today.date(), applications={"general_surgery": 40})
    with db.unit_of_work() as session:
        log_item(session, actor=Actor.system(today), slack_user_id="UMENTEE04", item=cycle)
    fake.add_channel("GMENTORS7", "mentors", is_private=True)
    assert (
        "Dashboards now live"
        in bot.command("dashboard channel <#GMENTORS7|mentors>", "UADMIN01").text()
    )
    deliver(db, fake)
    [card] = [
        m
        for m in fake.messages("GMENTORS7")
        if m.thread_ts is None and "Daniel Okafor" in json.dumps(m.blocks)
    ]
    assert "*Applications*" not in json.dumps(card.blocks)  # no list yet: no funnel

    reply = bot.command("list <@UMENTEE04>", "UMENTOR01")
    saved = bot.click("UMENTOR01", Action.SAVE_LIST, save_button(reply.responses)["value"])
    assert "Saved as <@UMENTEE04>" in saved.text(), saved.text()
    with db.read_only() as session:
        mentee = session.scalar(
            select(Mentee.id).join(Person).where(Person.slack_user_id == "UMENTEE04")
        )
        season = session.scalar(select(SavedList.season).where(SavedList.mentee_id == mentee))
    assert season is not None
    deliver(db, fake)
    thread = [m.text for m in fake.messages("GMENTORS7") if m.thread_ts == card.ts]
    assert len([t for t in thread if f"Programme list saved for the {season} season" in t]) == 1

    updates_before = len(fake.calls("chat.update"))
    lines_before = len(thread)
    with db.read_only() as session:
        mentor = resolve_actor(
            session, slack_user_id="UMENTOR01", admin_ids=frozenset(), now=datetime.now(UTC)
        )
        first = get_applications(session, actor=mentor, slack_user_id="UMENTEE04").applications[0]
    day = mentor.now.date()
    for _ in range(2):  # logged twice from Slack: the second is no change
        logged = bot.command(f'log applied <@UMENTEE04> "{first.name}" {day}', "UMENTOR01")
        assert "Logged for <@UMENTEE04>" in logged.text() or "already" in logged.text(), (
            logged.text()
        )
    deliver(db, fake)
    thread = [m.text for m in fake.messages("GMENTORS7") if m.thread_ts == card.ts]
    new_lines = thread[lines_before:]
    assert new_lines == [f"Applied to {first.name} ({first.track.label}), {day} (<@UMENTOR01>)"], (
        new_lines
    )
    updates = [c for c in fake.calls("chat.update")[updates_before:] if c.params["ts"] == card.ts]
    assert len(updates) == 1
    [shown] = [m for m in fake.messages("GMENTORS7") if m.ts == card.ts]
    blocks = json.dumps(shown.blocks, ensure_ascii=False)
    assert f"*Applications* ({season} season" in blocks
    assert "Applied 1 · Invited 0" in blocks
    deliver(db, fake)  # nothing more to send
    assert [m.text for m in fake.messages("GMENTORS7") if m.thread_ts == card.ts] == thread
