"""/healthz's answer for each state (handlers/health.py): a real database, Slack's answer from the
fake Slack over HTTP. The drills on a running process are in tests/test_serve_lifecycle.py
(Slack unreachable, sending paused) and tests/reliability/test_database_outage.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from bot.config import load_settings
from bot.db.engine import Database
from bot.models import WorkspacePause
from handlers.client import web_client
from handlers.health import Health
from handlers.slack_link import SlackWatch, bot_token_check
from sandbox.fake_slack import FakeSlack
from tests.botproc import TOKEN, free_port


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def watch_on(api_url: str) -> SlackWatch:
    settings = load_settings(SLACK_BOT_TOKEN=TOKEN, MATCHPATH_SLACK_API_URL=api_url)
    watch = SlackWatch(bot_token_check(web_client(settings, retry_rate_limits=False)))
    watch.check_now(announce=False)
    return watch


def test_all_good_is_200_ok(fresh_db: Database, fake: FakeSlack) -> None:
    status, body = Health(fresh_db, watch_on(fake.url), stopping=lambda: False).report()
    assert (status, body["status"], body["ok"], body["failed"], body["degraded"]) == (
        200,
        "ok",
        True,
        [],
        [],
    )
    assert "slack_error" not in body
    assert "sending_error" not in body


def test_slack_unreachable_is_degraded(fresh_db: Database) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/api/"
    status, body = Health(fresh_db, watch_on(nobody), stopping=lambda: False).report()
    assert (status, body["status"], body["degraded"], body["slack"]) == (
        200,
        "degraded",
        ["slack"],
        "unreachable",
    )
    assert "Connection refused" in str(body["slack_error"])


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
def test_a_token_slack_refuses_is_503(fresh_db: Database, fake: FakeSlack, error: str) -> None:
    """Refused while serving (at start, serve refuses to run): nothing this process sends works."""
    watch = watch_on(fake.url)
    fake.fail_next("auth.test", "error", error=error)
    watch.check_now(announce=False)
    status, body = Health(fresh_db, watch, stopping=lambda: False).report()
    assert (status, body["status"], body["failed"], body["slack"], body["slack_error"]) == (
        503,
        "failing",
        ["slack"],
        "token_rejected",
        error,
    )


def test_paused_sending_is_degraded_and_says_why(fresh_db: Database, fake: FakeSlack) -> None:
    now = datetime.now(UTC)
    with fresh_db.unit_of_work() as session:
        session.add(
            WorkspacePause(
                name="workspace", reason="account_inactive", paused_at=now, checked_at=now
            )
        )
    health = Health(fresh_db, watch_on(fake.url), stopping=lambda: False)
    status, body = health.report()
    assert (status, body["status"], body["degraded"], body["sending"], body["sending_error"]) == (
        200,
        "degraded",
        ["sending"],
        "paused",
        "account_inactive",
    )
    with fresh_db.unit_of_work() as session:
        session.execute(delete(WorkspacePause))
    assert health.report()[1]["status"] == "ok"


def test_database_down_is_503_and_sending_unknown(fresh_db: Database, fake: FakeSlack) -> None:
    gone = (
        "sqlite:////nonexistent-folder/gone.db"
        if fresh_db.is_sqlite
        else f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"
    )
    down = Database(gone)
    try:
        status, body = Health(down, watch_on(fake.url), stopping=lambda: False).report()
    finally:
        down.dispose()
    assert (status, body["status"], body["failed"], body["database"], body["sending"]) == (
        503,
        "failing",
        ["database"],
        "down",
        "unknown",
    )


def test_stopping_and_a_closed_socket_are_503(fresh_db: Database, fake: FakeSlack) -> None:
    health = Health(
        fresh_db, watch_on(fake.url), stopping=lambda: True, socket_connected=lambda: False
    )
    status, body = health.report()
    assert (status, body["failed"], body["serving"], body["socket_mode"]) == (
        503,
        ["socket_mode", "serving"],
        "stopping",
        "disconnected",
    )


def test_failing_outweighs_degraded(fresh_db: Database) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/api/"
    status, body = Health(fresh_db, watch_on(nobody), stopping=lambda: True).report()
    assert (status, body["status"], body["failed"], body["degraded"]) == (
        503,
        "failing",
        ["serving"],
        ["slack"],
    )
