"""Many workspaces, end to end: the real `matchpath serve` (SLACK_CLIENT_ID and _SECRET, no bot
token) on PostgreSQL, two workspaces installed through Bolt's OAuth flow against the fake Slack,
the same Slack user ids enrolled in both, and every kind of traffic from each (commands, a modal,
an event, an export, reminders) answered in its own workspace with its own data only. Then one
workspace removes the app: its tokens go, nothing more is sent to it, the other goes on."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.scope import within
from bot.models import Person
from bot.workspaces import registry
from bot.workspaces.models import BOTS, INSTALLATIONS
from handlers.app import NOT_INSTALLED
from handlers.ids import Action
from sandbox.fake_slack import FakeSlack
from tests.botproc import BotProcess, Reply, wait_for
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory
from tests.test_cli_database import run_cli

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID, CLIENT_SECRET = "111.222", "client-secret-planted-in-logs"
TEAMS = {"T0ALPHA": "Alpha", "T0BETA": "Beta"}
INSTALLER = "UADMIN01"  # the same person id in both workspaces, installing each
MENTEE = "UMENTEE01"
DUE = 3  # reminders owed in each workspace, to the same user ids


@pytest.fixture
def url(db_factory: DatabaseFactory) -> str:
    if db_factory.backend != "postgresql":
        pytest.skip("many workspaces need PostgreSQL")
    return db_factory.new()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def _get(bot: BotProcess, path: str, cookie: str = "") -> tuple[int, str, list[str]]:
    connection = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        return response.status, response.read().decode(), cookies
    finally:
        connection.close()


def install(bot: BotProcess, fake: FakeSlack, team_id: str) -> str:
    """A workspace's admin follows the install link, approves in Slack, and comes back."""
    status, page, cookies = _get(bot, "/slack/install")
    assert status == 200
    found = re.search(r"state=([A-Za-z0-9_-]+)", page)
    assert found is not None, page
    state = found.group(1)
    cookie = next(c.split(";")[0] for c in cookies if state in c)
    code = fake.grant_install(team_id, INSTALLER, team_name=TEAMS[team_id])
    query = urllib.parse.urlencode({"code": code, "state": state})
    status, page, _ = _get(bot, f"/slack/oauth_redirect?{query}", cookie)
    assert status == 200, page
    return page


def _roster(name: str) -> str:
    roster = json.loads((ROOT / "examples" / "roster.json").read_text())
    for entry in roster["mentees"]:
        entry["name"] = f"{name} {entry['name']}"
    return json.dumps(roster)


def _everything_sent(fake: FakeSlack) -> str:
    """All the team's workspace received from the bot, as text."""
    parts: list[Any] = [
        *(m.text for m in fake.messages()),
        *(m.blocks for m in fake.messages()),
        *(r.payload for r in fake.responses),
        *(c.params for c in fake.calls()),
        *(v.payload for v in fake.home_views.values()),
        *(f.content for f in fake.files if f.content),
    ]
    return json.dumps(parts, default=str)


def test_two_workspaces_installed_by_link_never_see_each_other(
    url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    env = {"MATCHPATH_DATABASE_URL": url}
    many = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    assert run_cli("migrate", env=env).returncode == 0
    bot = BotProcess(
        fake,
        url,
        workdir=tmp_path,
        scheduler=True,
        extra_env={**many, "MATCHPATH_TICK_SECONDS": "1"},
        planted=(CLIENT_SECRET,),
    )
    del bot.env["SLACK_BOT_TOKEN"], bot.env["MATCHPATH_ADMINS"]
    db = Database(url, per_workspace=True)
    # Tokens that expire in ten minutes, inside the two hours before expiry at which Bolt (for
    # each request) and the scheduler (for each sweep) rotate: every use rotates.
    fake.installs.token_seconds = 600
    bot.start()
    try:
        assert bot.health()[1]["slack"] == "up"
        for team_id, name in TEAMS.items():
            install(bot, fake, team_id)
            team = fake.team(team_id)
            for user in (INSTALLER, MENTEE, "UMENTOR01", "UMENTEE02"):
                team.add_user(user, f"{name} {user}", tz="UTC")
            roster = tmp_path / f"{team_id}.json"
            roster.write_text(_roster(name))
            imported = run_cli(
                "import", str(roster), env=env | many | {"MATCHPATH_WORKSPACE": team_id}
            )
            assert imported.returncode == 0, imported.stderr
            with db.shared() as session:
                scope = registry.find(session, team_id=team_id)
            assert scope is not None
            yesterday = datetime.now(UTC) - timedelta(days=1)
            with within(scope.scope):
                users = seed_due_milestones(
                    db, count=DUE, due_on=yesterday.date(), now=yesterday - timedelta(days=30)
                )
                with db.read_only() as session:
                    admin = session.scalar(
                        select(Person.is_admin).where(Person.slack_user_id == INSTALLER)
                    )
                assert admin is True  # the installer is the workspace's admin
            for user in users:
                team.add_user(user, f"{name} {user}", tz="UTC")

        buttons: dict[str, str] = {}
        for team_id, name in TEAMS.items():
            other = next(n for n in TEAMS.values() if n != name)
            as_team = bot.for_team(team_id)
            profile = as_team.command(f"profile <@{MENTEE}>", INSTALLER)
            assert f"{name} " in profile.text()
            for text in (f"assess <@{MENTEE}>", f"milestone list <@{MENTEE}>"):
                assert as_team.command(text, INSTALLER).status == 200
            exported = as_team.command(f"export <@{MENTEE}>", INSTALLER)
            assert exported.status == 200
            wait_for(partial(_received, as_team.fake, "files"), what=f"the export in {name}")
            opened = as_team.command(f"log research <@{MENTEE}>", INSTALLER)
            assert opened.responses
            assert opened.responses[0].get("accepted")
            status, _ = as_team.event(
                {"type": "app_home_opened", "user": MENTEE, "channel": "D1", "tab": "home"}
            )
            assert status == 200
            wait_for(partial(_received, as_team.fake, "home_views"), what=f"the home in {name}")
            picker = _buttons(as_team.command("assess", "UMENTOR01"))
            assert picker
            assert all(shown.startswith(f"{name} ") for shown in picker)
            chosen, value = sorted(picker.items())[0]
            clicked = as_team.click("UMENTOR01", Action.PICK_MENTEE, value)
            assert f"Assessment: {chosen}" in clicked.text()
            buttons[team_id] = value
            sent = _everything_sent(as_team.fake)
            assert f"{name} " in sent
            assert f"{other} " not in sent, f"{other}'s data reached {name}'s workspace"

        # A button's value taken from one workspace and clicked in the other names the same user
        # id there: it is answered with that workspace's own mentee, never the first's.
        crossed = bot.for_team("T0BETA").click("UMENTOR01", Action.PICK_MENTEE, buttons["T0ALPHA"])
        assert "Assessment: Beta " in crossed.text()
        assert "Alpha " not in crossed.text()

        def reminders(team_id: str) -> list[str]:
            """The dedupe keys of the milestone reminders the team's workspace accepted."""
            keys = [
                str((m.metadata or {}).get("event_payload", {}).get("dedupe_key", ""))
                for m in fake.team(team_id).messages()
            ]
            return [key for key in keys if key.startswith("ms:")]

        for team_id in TEAMS:
            wait_for(
                partial(lambda t: len(reminders(t)) >= DUE, team_id),
                timeout=30,
                what=f"the reminders in {team_id}",
            )

        with db.shared() as session:
            stored = session.execute(
                select(BOTS.c.bot_token).where(BOTS.c.team_id == "T0ALPHA")
            ).scalar_one()
        issued = fake.installs.issued("T0ALPHA")
        assert len(issued) > 2  # the install's token, then a rotation's at each use
        assert stored in issued[1:]  # the store holds a rotated one, and it works

        # Beta removes the app: its tokens are refused and deleted, Alpha goes on.
        fake.revoke("T0BETA")
        status, _ = bot.for_team("T0BETA").event({"type": "app_uninstalled"})
        assert status == 200
        wait_for(lambda: _installed(db) == ["T0ALPHA"], what="Beta marked uninstalled")
        assert bot.health()[0] == 200
        with db.shared() as session:
            for table in (INSTALLATIONS, BOTS):
                left = session.execute(select(table.c.id).where(table.c.team_id == "T0BETA"))
                assert left.all() == []  # Beta's tokens are gone from the store
        beta = bot.for_team("T0BETA")
        refused = beta.command("help", INSTALLER)
        assert [r["text"] for r in refused.responses] == [NOT_INSTALLED]
        seen_in_beta = len(beta.fake.calls()), len(beta.fake.responses)
        alpha = bot.for_team("T0ALPHA").command("help", INSTALLER)
        assert "MatchPath" in alpha.text()
        time.sleep(2.5)  # two more ticks: Beta is no longer swept
        # No sweep, no reply: nothing reached Beta's workspace after it removed the app.
        assert (len(beta.fake.calls()), len(beta.fake.responses)) == seen_in_beta
    finally:
        bot.stop()
        db.dispose()
    for team_id in TEAMS:
        keys = reminders(team_id)
        assert len(keys) == len(set(keys)) == DUE  # each workspace's own, once each
    logged = bot.log()
    assert not [t for team_id in TEAMS for t in fake.installs.issued(team_id) if t in logged]


def _buttons(reply: Reply) -> dict[str, str]:
    """The mentee picker's buttons: the name shown -> the button's value."""
    return {
        element["text"]["text"]: element["value"]
        for payload in reply.responses
        for block in payload.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("action_id") == Action.PICK_MENTEE
    }


def _received(fake: FakeSlack, what: str) -> bool:
    return bool(getattr(fake, what))


def _installed(db: Database) -> list[str]:
    with db.shared() as session:
        return [w.team_id for w in registry.installed(session)]
