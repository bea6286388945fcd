"""Socket Mode end to end: the real `matchpath serve` with SLACK_APP_TOKEN connects out to a
WebSocket stand-in for Slack (sandbox/socket_mode.py), found through apps.connections.open on the
fake Web API; slash commands arrive as envelopes, acks go back on the socket, follow-ups through
response_url. /healthz is served over HTTP in this mode too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db.engine import Database
from sandbox.fake_slack import FakeSlack
from sandbox.socket_mode import SocketModeStandIn
from tests.botproc import ROOT, TOKEN, BotProcess, free_port, wait_for
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
APP_TOKEN = "xapp-1-A0MATCHPATH-1-test"


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    yield database
    database.dispose()


@pytest.fixture
def slack(db: Database) -> Iterator[tuple[FakeSlack, SocketModeStandIn]]:
    with FakeSlack() as fake, SocketModeStandIn(fake) as slack_end:
        fake.add_user("UADMIN01", "Ada Admin")
        fake.add_user("UNOBODY2", "Nobody")
        fake.add_channel("C0GENERAL", "general")
        yield fake, slack_end


@pytest.fixture
def bot(
    slack: tuple[FakeSlack, SocketModeStandIn], db: Database, tmp_path: Path
) -> Iterator[BotProcess]:
    fake, _ = slack
    process = BotProcess(
        fake, db.url, workdir=tmp_path, extra_env={"SLACK_APP_TOKEN": APP_TOKEN}
    ).start()
    yield process
    process.stop()


def command(
    fake: FakeSlack, slack_end: SocketModeStandIn, text: str, user: str = "UADMIN01"
) -> str:
    """A slash command through the socket: what the user was shown, in the ack's payload or,
    when the ack is empty, posted to the response_url after it."""
    url = fake.issue_response_url("C0GENERAL", user)
    envelope = slack_end.slash_command(
        command="/matchpath",
        text=text,
        user_id=user,
        channel_id="C0GENERAL",
        response_url=url,
        trigger_id=fake.issue_trigger(user),
    )
    ack = slack_end.wait_ack(envelope)
    assert set(ack) <= {"envelope_id", "payload"}
    if ack.get("payload"):
        return json.dumps(ack["payload"], ensure_ascii=False)
    rid = url.rsplit("/", 1)[-1]
    posts = wait_for(
        lambda: [r.payload for r in fake.responses if r.response_id == rid],
        what="the reply through response_url",
    )
    return json.dumps(posts, ensure_ascii=False)


def test_a_slash_command_over_the_socket(
    bot: BotProcess, slack: tuple[FakeSlack, SocketModeStandIn]
) -> None:
    fake, slack_end = slack
    assert "MatchPath commands" in command(fake, slack_end, "help")  # in the ack itself
    # An answer that comes after the ack, through response_url:
    assert "have access to that" in command(fake, slack_end, "profile <@UNOBODY1>", "UNOBODY2")
    opened = fake.calls("apps.connections.open")
    assert opened
    assert all(call.accepted for call in opened)
    status, body = bot.health()
    assert (status, body["socket_mode"], body["failed"]) == (200, "connected", [])
    with pytest.raises(urllib.error.HTTPError) as refused:  # no HTTP endpoint for Slack here
        urllib.request.urlopen(
            urllib.request.Request(f"{bot.url}/slack/events", data=b"x", method="POST")
        )
    assert refused.value.code == 404
    assert "Traceback" not in bot.log()


def test_reconnects_when_slack_asks(
    bot: BotProcess, slack: tuple[FakeSlack, SocketModeStandIn]
) -> None:
    """Slack refreshes connections every few hours with a `disconnect` message."""
    fake, slack_end = slack
    assert slack_end.connections_opened == 1
    slack_end.disconnect("refresh_requested")
    wait_for(lambda: slack_end.connections_opened >= 2, what="a new connection")
    wait_for(lambda: slack_end.open_connections == 1, what="the old connection to close")
    assert "MatchPath commands" in command(fake, slack_end, "help")


def test_sigterm_in_socket_mode_finishes_the_follow_up(
    bot: BotProcess, slack: tuple[FakeSlack, SocketModeStandIn]
) -> None:
    fake, slack_end = slack
    fake.add_channel("GMENTORS1", "mentors", is_private=True)
    fake.fail_next("conversations.info", "slow", delay=3.0)
    url = fake.issue_response_url("C0GENERAL", "UADMIN01")
    envelope = slack_end.slash_command(
        command="/matchpath",
        text="dashboard channel <#GMENTORS1|mentors>",
        user_id="UADMIN01",
        channel_id="C0GENERAL",
        response_url=url,
    )
    slack_end.wait_ack(envelope)
    wait_for(lambda: fake.pending_faults() == 0, what="the follow-up to reach Slack")
    code, elapsed = bot.terminate()
    assert code == 0, bot.log()[-2000:]
    assert elapsed < 20
    assert "Dashboards now live" in json.dumps([r.payload for r in fake.responses])
    assert slack_end.open_connections == 0


def test_refused_app_token_is_one_line_and_exit_2(
    slack: tuple[FakeSlack, SocketModeStandIn], db: Database
) -> None:
    fake, _ = slack
    fake.fail_next("apps.connections.open", "error", error="invalid_auth")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATCHPATH_"))}
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--no-scheduler"],
        cwd=ROOT,
        env={
            **env,
            "MATCHPATH_DATABASE_URL": db.url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "MATCHPATH_SLACK_API_URL": fake.url,
            "MATCHPATH_PORT": str(free_port()),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("matchpath:")] == [
        "matchpath: cannot serve: Slack refused SLACK_APP_TOKEN (invalid_auth); set a valid "
        "token (see the README, 'Connect to Slack')"
    ]
    assert "Traceback" not in result.stderr
    assert APP_TOKEN not in result.stderr


def test_socket_mode_waits_for_an_unreachable_slack(db: Database, tmp_path: Path) -> None:
    """The WebSocket end is not there at start: serve starts anyway, says so on /healthz, and
    connects once it is."""
    with FakeSlack() as fake:
        fake.add_user("UADMIN01", "Ada Admin")
        fake.add_channel("C0GENERAL", "general")
        bot = BotProcess(fake, db.url, workdir=tmp_path, extra_env={"SLACK_APP_TOKEN": APP_TOKEN})
        bot.start(healthy=False)
        try:
            status, body = bot.health()
            # No socket, no requests: failing; the Slack link on its own would only degrade.
            assert (status, body["failed"], body["degraded"]) == (503, ["socket_mode"], ["slack"])
            with SocketModeStandIn(fake) as slack_end:
                wait_for(
                    lambda: bot.health()[1]["status"] == "ok", timeout=30, what="the socket to open"
                )
                assert "MatchPath commands" in command(fake, slack_end, "help")
                code, _ = bot.terminate()
            assert code == 0
        finally:
            bot.stop()
    assert "Traceback" not in bot.log()
