"""End to end over signed HTTP against the fake Slack, with the real bot process: the season's
applications updated from Slack. `log invite @mentee "name"` with one programme found, with
several (then the "which programme?" button), a mentee logging their own, refusals that write
nothing, and the statuses form opened, refused field by field, then saved."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.access import Actor, resolve_actor
from bot.applications.dto import ApplicationRead
from bot.applications.models import Application, ApplicationChange
from bot.applications.service import get_applications
from bot.applications.vocab import ApplicationStatus as S
from bot.db.engine import Database
from bot.roster.service import import_roster, parse_roster
from handlers.ids import INPUT, Action, Block, View
from handlers.payloads import StatusesForm, load_state
from sandbox.fake_slack import FakeSlack
from tests.applications_world import saved
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.botproc import BotProcess, Reply, wait_for
from tests.conftest import NOW
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
PEOPLE = {
    "UADMIN01": ("Ada Admin", "America/New_York"),
    "UMENTOR01": ("Dr. Grace Whitfield", "America/New_York"),
    "UMENTOR02": ("Dr. Samuel Osei", "Europe/London"),
    "UMENTEE01": ("Maya Rahman", "America/Chicago"),
    "UMENTEE02": ("Tariq Haddad", "Asia/Kolkata"),
}
TARIQ = "UMENTEE02"  # his mentor is UMENTOR02
# The bot runs in the 2028 season's interviews (a list saved on 2 November 2026 is for 2028).
OCTOBER = datetime(2027, 10, 20, 12, 0, tzinfo=UTC)
DAY = "2027-10-20"


@pytest.fixture(scope="module")
def fake(db_factory: DatabaseFactory) -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    """The example roster, the synthetic programmes, and Tariq's list saved by his mentor."""
    system = Actor.system(NOW)
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        import_roster(
            session,
            actor=system,
            roster=parse_roster((ROOT / "examples" / "roster.json").read_text()),
        )
        mentor = resolve_actor(session, slack_user_id="UMENTOR02", admin_ids=frozenset(), now=NOW)
        saved(session, system, mentor, TARIQ)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def bot(
    fake: FakeSlack, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    for user, (name, tz) in PEOPLE.items():
        fake.add_user(user, name, tz=tz)
    fake.add_channel("C0GENERAL", "general")
    workdir = tmp_path_factory.mktemp("bot")
    clock = workdir / "clock"
    clock.write_text(str((OCTOBER - datetime.now(UTC)).total_seconds()))
    process = BotProcess(
        fake,
        db.url,
        workdir=workdir,
        planted=[name for name, _ in PEOPLE.values()],
        extra_env={"MATCHPATH_CLOCK_FILE": str(clock)},
    ).start()
    yield process
    process.stop()
    log = process.log()
    assert "unexpected error" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


# -- helpers --------------------------------------------------------------------------------


def applications(db: Database) -> list[ApplicationRead]:
    with db.read_only() as session:
        mentor = resolve_actor(session, slack_user_id="UMENTOR02", admin_ids=frozenset(), now=NOW)
        return get_applications(session, actor=mentor, slack_user_id=TARIQ).applications


def status_of(db: Database, application_id: int) -> S:
    with db.read_only() as session:
        status = session.scalar(select(Application.status).where(Application.id == application_id))
    assert status is not None
    return status


def history(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count(ApplicationChange.id))) or 0


def planned_with_a_unique_name(db: Database, skip: int = 0) -> ApplicationRead:
    apps = applications(db)
    names = Counter(a.name for a in apps)
    unique = [a for a in apps if names[a.name] == 1 and a.status is S.PLANNED]
    return unique[skip]


def shown(reply: Reply) -> str:
    return json.dumps([reply.ack, *reply.responses], ensure_ascii=False)


def buttons(reply: Reply, action_id: str) -> list[dict[str, Any]]:
    found = []
    for response in reply.responses:
        assert_valid_message(response)
        for block in response.get("blocks", []):
            elements = [block.get("accessory") or {}, *block.get("elements", [])]
            found += [e for e in elements if e.get("action_id") == action_id]
    return found


# -- log STATUS -----------------------------------------------------------------------------


def test_log_invite_with_one_programme_found(bot: BotProcess, db: Database) -> None:
    target = planned_with_a_unique_name(db)
    typed = target.name.lower().replace("synthetic ", "")  # loose, but only one fits
    reply = bot.command(f'log invite <@{TARIQ}> "{typed}"', "UMENTOR02")
    assert reply.status == 200
    text = shown(reply)
    assert (
        f"Logged for <@{TARIQ}>: Interview invitation from {target.name} "
        f"({target.track.label}), {DAY}." in text
    ), text
    assert "1 invited" in text
    assert status_of(db, target.id) is S.INTERVIEW_INVITED


def test_log_with_several_close_names_asks_which_then_the_button_logs_it(
    bot: BotProcess, db: Database
) -> None:
    before = history(db)
    reply = bot.command(f'log applied <@{TARIQ}> "synthetic university" 2027-09-03', "UMENTOR02")
    assert "Which programme?" in shown(reply)
    picks = buttons(reply, Action.PICK_APPLICATION)
    assert len(picks) >= 2
    assert history(db) == before  # asking writes nothing
    chosen = json.loads(picks[1]["value"])
    assert status_of(db, chosen["application"]) is S.PLANNED
    refused = bot.click("UMENTOR01", Action.PICK_APPLICATION, picks[1]["value"])  # not his
    assert "have access" in shown(refused)
    assert history(db) == before
    clicked = bot.click("UMENTOR02", Action.PICK_APPLICATION, picks[1]["value"])
    assert "Applied to " in shown(clicked), shown(clicked)
    assert "), 2027-09-03." in shown(clicked), shown(clicked)
    assert status_of(db, chosen["application"]) is S.APPLIED
    assert history(db) == before + 1


def test_a_mentee_logs_their_own(bot: BotProcess, db: Database) -> None:
    first = planned_with_a_unique_name(db)
    second = planned_with_a_unique_name(db, skip=1)
    unnamed = bot.command(f'log applied "{first.name}"', TARIQ)
    assert f"Logged for <@{TARIQ}>: Applied to {first.name}" in shown(unnamed)
    themself = bot.command(f'log applied <@{TARIQ}> "{second.name}"', TARIQ)
    assert f"Logged for <@{TARIQ}>: Applied to {second.name}" in shown(themself)
    assert {status_of(db, first.id), status_of(db, second.id)} == {S.APPLIED}
    with db.read_only() as session:
        by = session.scalars(
            select(ApplicationChange.changed_by).where(
                ApplicationChange.application_id.in_([first.id, second.id]),
                ApplicationChange.to_status == S.APPLIED,
            )
        ).all()
    assert by == [TARIQ, TARIQ]


def test_refused_changes_write_nothing(bot: BotProcess, db: Database) -> None:
    target = planned_with_a_unique_name(db)
    before = history(db)
    cases = [
        (f'log declined <@{TARIQ}> "{target.name}"', "UMENTOR02", "cannot go from planned to"),
        (f'log applied <@{TARIQ}> "{target.name}" 2027-12-01', "UMENTOR02", "in the future"),
        (f'log applied <@{TARIQ}> "{target.name}"', "UMENTOR01", "have access"),
        (f'log planned "{target.name}" --correction', TARIQ, "Only your mentors"),
        (f'log applied <@{TARIQ}> "Nowhere General 999"', "UMENTOR02", "so nothing changed"),
        (f'log frobbed <@{TARIQ}> "{target.name}"', "UMENTOR02", "say what to log"),
        (f'log applied <@{TARIQ}> "{target.name}" 2027-02-30', "UMENTOR02", "is not a date"),
    ]
    for text, user, why in cases:
        reply = bot.command(text, user)
        assert reply.status == 200
        assert why in shown(reply), (text, shown(reply))
        assert "Logged for" not in shown(reply)
    assert history(db) == before
    assert status_of(db, target.id) is S.PLANNED


# -- the statuses form ----------------------------------------------------------------------


def opened_form(bot: BotProcess, fake: FakeSlack, user: str) -> dict[str, Any]:
    """`applications @mentee`: a loading modal at once, then the bot fills it in."""
    before = set(fake.views)
    reply = bot.command(f"applications <@{TARIQ}>", user)
    [opened] = reply.responses
    assert opened["accepted"]

    def filled() -> dict[str, Any] | None:
        for view_id, v in fake.views.items():
            if view_id not in before and v.payload.get("callback_id") == View.APPLICATIONS:
                assert v.user_id == user
                return v.payload
        return None

    return wait_for(filled, what="the statuses form")


def chosen(status: S) -> dict[str, Any]:
    return {INPUT: {"type": "static_select", "selected_option": {"value": status.value}}}


def test_the_statuses_form_refuses_field_by_field_then_saves_at_once(
    bot: BotProcess, fake: FakeSlack, db: Database
) -> None:
    view = opened_form(bot, fake, "UMENTOR02")
    assert_valid_view(view)
    form = load_state(StatusesForm, view["private_metadata"])
    apps = {a.id: a for a in applications(db)}
    assert form.statuses() == {i: apps[i].status for i in form.applications}
    planned = [i for i, s in form.statuses().items() if s is S.PLANNED]
    good, bad, also = planned[:3]
    before = history(db)
    values: dict[str, Any] = {
        Block.ON: {INPUT: {"type": "datepicker", "selected_date": DAY}},
        f"application.{good}": chosen(S.APPLIED),
        f"application.{bad}": chosen(S.DECLINED),  # never sent: refused
        f"application.{also}": chosen(S.WITHDRAWN),
    }
    refused = bot.submit("UMENTOR02", view, values)
    body = json.loads(refused.body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {f"application.{bad}"}
    assert "cannot go from planned to declined" in body["errors"][f"application.{bad}"]
    assert history(db) == before  # all or nothing

    values[f"application.{bad}"] = chosen(S.PLANNED)  # as shown: not sent
    saved_reply = bot.submit("UMENTOR02", view, values)
    assert saved_reply.status == 200
    assert not saved_reply.body.strip()
    assert (status_of(db, good), status_of(db, bad), status_of(db, also)) == (
        S.APPLIED,
        S.PLANNED,
        S.WITHDRAWN,
    )
    assert history(db) == before + 2
    said = wait_for(
        lambda: [e for e in fake.ephemerals if "Updated <@UMENTEE02>'s applications" in e.text],
        what="the confirmation",
    )
    assert "(2 changes)" in said[-1].text


def test_the_form_for_a_mentee_and_for_someone_elses_mentee(
    bot: BotProcess, fake: FakeSlack
) -> None:
    view = opened_form(bot, fake, TARIQ)
    assert view.get("submit")
    assert Block.CORRECTION not in {b.get("block_id") for b in view["blocks"]}  # mentors'
    denied = opened_form(bot, fake, "UMENTOR01")
    assert_valid_view(denied)
    assert "have access" in json.dumps(denied["blocks"])
    assert not denied.get("submit")
    assert not denied.get("private_metadata")


def test_the_button_under_a_name_not_found_opens_the_form(bot: BotProcess, fake: FakeSlack) -> None:
    reply = bot.command(f'log applied <@{TARIQ}> "Nowhere General 999"', "UMENTOR02")
    [button] = buttons(reply, Action.OPEN_APPLICATIONS)
    before = set(fake.views)
    bot.click("UMENTOR02", Action.OPEN_APPLICATIONS, button["value"])
    form = wait_for(
        lambda: [
            v.payload
            for i, v in fake.views.items()
            if i not in before and v.payload.get("callback_id") == View.APPLICATIONS
        ],
        what="the statuses form",
    )
    assert len(load_state(StatusesForm, form[0]["private_metadata"]).applications) > 50
