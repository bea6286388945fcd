"""The notifier's kept-alive connection: many calls over one connection, Slack's errors read
as before, and a connection the server dropped replaced, never a call repeated."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.errors import SlackApiError

from bot.outbox.outcomes import RetryLater, Sent, Uncertain
from bot.reminders.ports import Notice
from handlers.keepalive import KeptAliveWebClient
from handlers.notifier import SlackNotifier
from sandbox.fake_slack import FakeSlack

NOTICE = Notice(kind="milestone_due", title="Due", lines=["A line"], why="Why", rule=None)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("UKEEP1", "Keep", tz="UTC")
        yield fake


def client(fake: FakeSlack) -> KeptAliveWebClient:
    return KeptAliveWebClient(token="xoxb-test", base_url=fake.url, timeout=3, retry_handlers=[])


def test_many_calls_one_connection(fake: FakeSlack) -> None:
    notifier = SlackNotifier(client(fake))
    before = fake.connections()
    channel = notifier.open_dm("UKEEP1")
    assert isinstance(channel, str)
    outcomes = [notifier.post(channel, NOTICE, f"keep:{i}") for i in range(20)]
    assert all(isinstance(o, Sent) for o in outcomes)
    assert notifier.find_posted(channel, "keep:7", datetime(2020, 1, 1, tzinfo=UTC)) is not None
    assert fake.connections() - before == 1
    assert len(fake.messages("UKEEP1")) == 20


def test_slack_errors_read_as_with_a_fresh_connection(fake: FakeSlack) -> None:
    web = client(fake)
    fake.fail_next("chat.postMessage", "rate_limited", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="UKEEP1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers.get("Retry-After") == "7"
    fake.fail_next("chat.postMessage", "error", error="channel_not_found", times=1)
    with pytest.raises(SlackApiError, match="channel_not_found"):
        web.chat_postMessage(channel="UKEEP1", text="x")
    assert web.chat_postMessage(channel="UKEEP1", text="fine")["ok"] is True
    notifier = SlackNotifier(web)
    fake.fail_next("chat.postMessage", "rate_limited", times=1, retry_after=2)
    assert notifier.post("UKEEP1", NOTICE, "keep:limited") == RetryLater(2.0, "rate limited")


def test_a_dropped_connection_fails_the_call_and_the_next_call_reconnects(
    fake: FakeSlack,
) -> None:
    notifier = SlackNotifier(client(fake))
    assert isinstance(notifier.post("UKEEP1", NOTICE, "keep:a"), Sent)
    fake.fail_next("chat.postMessage", "accept_then_drop", times=1)
    dropped = notifier.post("UKEEP1", NOTICE, "keep:b")
    assert isinstance(dropped, Uncertain)  # it landed: the ledger reconciles, nothing resends
    assert isinstance(notifier.post("UKEEP1", NOTICE, "keep:c"), Sent)
    keys = [
        m.metadata["event_payload"]["dedupe_key"] for m in fake.messages("UKEEP1") if m.metadata
    ]
    assert keys == ["keep:a", "keep:b", "keep:c"]  # each once: the dropped call was not repeated


def test_a_connection_closed_while_idle_is_replaced(fake: FakeSlack) -> None:
    web = client(fake)
    assert web.auth_test()["ok"] is True
    conn = web._kept.conn
    assert conn is not None
    assert conn.sock is not None
    conn.sock.shutdown(socket.SHUT_RDWR)  # reads as closed, as if the server had closed it
    assert web.auth_test()["ok"] is True
    assert fake.connections() == 2
