"""The fake Slack answers a real `slack_sdk.WebClient` the way Slack does, misbehaves on cue,
and the signing helpers produce requests that Slack's own verifier (and Bolt) accept."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator, Sequence
from http.client import RemoteDisconnected
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt import Ack, App, Respond
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from sandbox import signing
from sandbox.control import RemoteFakeSlack
from sandbox.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "CMENTORS"
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "log_item",
    "title": {"type": "plain_text", "text": "Log an item"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "What happened?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}
HOME: dict[str, Any] = {
    "type": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Your mentees*"}}],
}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", "Ada Lovelace", tz="Europe/London")
        running.add_user("U2", "Grace Hopper")
        running.add_channel(CHANNEL, "mentors")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    # No retry handlers: each test sees exactly what the fake answered.
    return WebClient(base_url=fake.url, token="xoxb-test", retry_handlers=[])


# -- messages --------------------------------------------------------------------------------------


def test_auth_test_names_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0FAKE", "UBOT", "BFAKE")


def test_post_update_delete_keeps_the_current_state(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="card v1", blocks=[section("v1")])
    assert posted["channel"] == CHANNEL
    assert posted["message"]["blocks"] == [section("v1")]

    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="card v2", blocks=[section("v2")])
    [card] = fake.messages(CHANNEL)
    assert (card.ts, card.text, card.blocks) == (posted["ts"], "card v2", [section("v2")])
    assert card.edited_ts is not None

    client.chat_delete(channel=CHANNEL, ts=posted["ts"])
    assert fake.messages(CHANNEL) == []
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel=CHANNEL, ts=posted["ts"], text="card v3")
    assert slack_error(gone) == "message_not_found"


def test_timestamps_are_unique_and_increasing_under_concurrency(
    fake: FakeSlack, client: WebClient
) -> None:
    def post_five() -> None:
        for n in range(5):
            client.chat_postMessage(channel=CHANNEL, text=str(n))

    threads = [threading.Thread(target=post_five) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [m.ts for m in fake.messages(CHANNEL)]
    assert len(stamps) == len(set(stamps)) == 40
    assert stamps == sorted(stamps, key=lambda ts: tuple(map(int, ts.split("."))))


def test_posting_to_a_user_lands_in_the_dm_conversations_open_returns(
    fake: FakeSlack, client: WebClient
) -> None:
    opened = client.conversations_open(users="U1")
    posted = client.chat_postMessage(channel="U1", text="Your reminder")
    assert opened["channel"]["id"] == posted["channel"] == fake.dm_channel("U1")
    assert fake.dm_channel("U1").startswith("D")
    assert [m.text for m in fake.messages(fake.dm_channel("U1"))] == ["Your reminder"]
    # chat.update wants the D… id, as on Slack: the user id does not stand for the DM there.
    with pytest.raises(SlackApiError) as by_user:
        client.chat_update(channel="U1", ts=posted["ts"], text="edited")
    assert slack_error(by_user) == "channel_not_found"


def test_history_is_newest_first_and_shows_metadata_only_when_asked(
    fake: FakeSlack, client: WebClient
) -> None:
    metadata = {"event_type": "reminder_sent", "event_payload": {"dedupe_key": "r-42"}}
    first = client.chat_postMessage(channel="U1", text="one", metadata=metadata)
    client.chat_postMessage(channel="U1", text="in thread", thread_ts=first["ts"])
    client.chat_postMessage(channel="U1", text="two")
    dm = fake.dm_channel("U1")

    with_meta = client.conversations_history(channel=dm, include_all_metadata=True)
    assert [m["text"] for m in with_meta["messages"]] == ["two", "one"]  # replies stay in threads
    assert with_meta["messages"][1]["metadata"] == metadata
    assert with_meta["messages"][1]["reply_count"] == 1
    plain = client.conversations_history(channel=dm)
    assert [m["text"] for m in plain["messages"]] == ["two", "one"]
    assert all("metadata" not in m for m in plain["messages"])

    newer = client.conversations_history(channel=dm, oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["two"]  # oldest is exclusive by default
    assert fake.messages("U1")[1].thread_ts == first["ts"]


def test_history_pages_with_a_cursor(client: WebClient) -> None:
    for n in range(5):
        client.chat_postMessage(channel=CHANNEL, text=f"m{n}")
    page = client.conversations_history(channel=CHANNEL, limit=2)
    assert page["has_more"] is True
    seen = [m["text"] for m in page["messages"]]
    while page["has_more"]:
        cursor = page["response_metadata"]["next_cursor"]
        page = client.conversations_history(channel=CHANNEL, limit=2, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


def test_replies_return_the_parent_then_its_replies(client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="dashboard")
    reply = client.chat_postMessage(channel=CHANNEL, text="item logged", thread_ts=parent["ts"])
    # A reply to a reply joins the same thread.
    client.chat_postMessage(channel=CHANNEL, text="flag raised", thread_ts=reply["ts"])
    thread = client.conversations_replies(channel=CHANNEL, ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["dashboard", "item logged", "flag raised"]
    assert thread["messages"][0]["reply_count"] == 2


def test_ephemeral_messages_are_kept_apart(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel=CHANNEL, user="U2", text="only you")
    [ephemeral] = fake.ephemerals
    assert (ephemeral.user, ephemeral.text, ephemeral.message_ts) == (
        "U2",
        "only you",
        answer["message_ts"],
    )
    assert fake.messages(CHANNEL) == []
    with pytest.raises(SlackApiError) as nobody:
        client.chat_postEphemeral(channel=CHANNEL, user="U404", text="?")
    assert slack_error(nobody) == "user_not_found"


def test_reactions_are_recorded_once(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="done")
    client.reactions_add(channel=CHANNEL, timestamp=posted["ts"], name="white_check_mark")
    with pytest.raises(SlackApiError) as twice:
        client.reactions_add(channel=CHANNEL, timestamp=posted["ts"], name="white_check_mark")
    assert slack_error(twice) == "already_reacted"
    assert [(r.channel, r.timestamp, r.name) for r in fake.reactions] == [
        (CHANNEL, posted["ts"], "white_check_mark")
    ]
    [shown] = client.conversations_history(channel=CHANNEL)["messages"]
    assert shown["reactions"] == [{"name": "white_check_mark", "users": ["UBOT"], "count": 1}]


# -- people and places -----------------------------------------------------------------------------


def test_users_info_gives_the_iana_zone(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U3", "Gone Away", deleted=True)
    ada = client.users_info(user="U1")["user"]
    assert (ada["real_name"], ada["tz"], ada["is_bot"], ada["deleted"]) == (
        "Ada Lovelace",
        "Europe/London",
        False,
        False,
    )
    assert ada["profile"]["real_name"] == "Ada Lovelace"
    assert client.users_info(user="U3")["user"]["deleted"] is True
    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U404")
    assert slack_error(unknown) == "user_not_found"


def test_dm_refusals_match_slack(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U3", "Gone Away", deleted=True)
    fake.add_user("UOTHERBOT", "Another App", is_bot=True)
    with pytest.raises(SlackApiError) as deleted:
        client.conversations_open(users="U3")
    assert slack_error(deleted) == "user_disabled"
    with pytest.raises(SlackApiError) as bot:
        client.chat_postMessage(channel="UOTHERBOT", text="hi")
    assert slack_error(bot) == "cannot_dm_bot"
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_open(users="U404")
    assert slack_error(unknown) == "user_not_found"


def test_conversations_info_knows_registered_channels_only(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.add_channel("GPRIVATE", "admins", is_private=True)
    info = client.conversations_info(channel="GPRIVATE")["channel"]
    assert (info["id"], info["name"], info["is_private"], info["is_im"]) == (
        "GPRIVATE",
        "admins",
        True,
        False,
    )
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_info(channel="CNOWHERE")
    assert slack_error(unknown) == "channel_not_found"


def test_archived_and_foreign_channels_refuse_posts(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("COLD", "old", is_archived=True)
    fake.add_channel("COUTSIDE", "elsewhere", is_member=False)
    with pytest.raises(SlackApiError) as archived:
        client.chat_postMessage(channel="COLD", text="x")
    with pytest.raises(SlackApiError) as outside:
        client.chat_postMessage(channel="COUTSIDE", text="x")
    assert (slack_error(archived), slack_error(outside)) == ("is_archived", "not_in_channel")


# -- views -----------------------------------------------------------------------------------------


def test_views_open_then_update_with_hash(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger("U1")
    opened = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert opened["id"].startswith("V")
    assert (opened["callback_id"], opened["root_view_id"]) == ("log_item", opened["id"])

    loaded = {**MODAL, "blocks": [section("Saved.")]}
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=loaded)["view"]
    assert updated["hash"] != opened["hash"]
    assert fake.views[opened["id"]].blocks == [section("Saved.")]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert slack_error(stale) == "hash_conflict"
    with pytest.raises(SlackApiError) as missing:
        client.views_update(view_id="VNOPE", view=MODAL)
    assert slack_error(missing) == "not_found"


def test_a_trigger_id_opens_one_view(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger("U1")
    client.views_open(trigger_id=trigger, view=MODAL)
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=MODAL)
    with pytest.raises(SlackApiError) as invented:
        client.views_open(trigger_id="1.2.made-up", view=MODAL)
    assert (slack_error(reused), slack_error(invented)) == (
        "exchanged_trigger_id",
        "invalid_trigger_id",
    )


def test_trigger_ids_expire_when_asked_to() -> None:
    now = [1_800_000_000.0]
    with FakeSlack(trigger_ttl=3.0, clock=lambda: now[0]) as fake:
        fake.add_user("U1", "Ada Lovelace")
        client = WebClient(base_url=fake.url, token="xoxb-test", retry_handlers=[])
        fresh, stale = fake.issue_trigger("U1"), fake.issue_trigger("U1")
        client.views_open(trigger_id=fresh, view=MODAL)
        now[0] += 3.5
        with pytest.raises(SlackApiError) as expired:
            client.views_open(trigger_id=stale, view=MODAL)
        assert slack_error(expired) == "expired_trigger_id"


def test_modal_stacks_hold_three_views(fake: FakeSlack, client: WebClient) -> None:
    root = client.views_open(trigger_id=fake.issue_trigger("U1"), view=MODAL)["view"]
    for _ in range(2):
        pushed = client.views_push(trigger_id=fake.issue_trigger("U1"), view=MODAL)["view"]
        assert pushed["root_view_id"] == root["id"]
    with pytest.raises(SlackApiError) as fourth:
        client.views_push(trigger_id=fake.issue_trigger("U1"), view=MODAL)
    assert slack_error(fourth) == "push_limit_reached"
    assert len(fake.modal_stack("U1")) == 3


def test_views_publish_keeps_one_home_view_per_user(fake: FakeSlack, client: WebClient) -> None:
    first = client.views_publish(user_id="U1", view=HOME)["view"]
    again = client.views_publish(user_id="U1", view={**HOME, "blocks": [section("Updated")]})
    assert again["view"]["id"] == first["id"]
    assert fake.home_views["U1"].blocks == [section("Updated")]
    with pytest.raises(SlackApiError) as modal_as_home:
        client.views_publish(user_id="U1", view=MODAL)
    assert slack_error(modal_as_home) == "invalid_arguments"


# -- files and response_url ------------------------------------------------------------------------


def test_files_upload_v2_runs_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel=CHANNEL,
        content="name,score\nada,9\n",
        filename="export.csv",
        initial_comment="Here",
    )
    [stored] = fake.files
    assert answer["file"]["id"] == stored.id
    assert (stored.content, stored.filename, stored.completed) == (
        b"name,score\nada,9\n",
        "export.csv",
        True,
    )
    [shared] = fake.messages(CHANNEL)
    assert shared.text == "Here"
    assert shared.files is not None
    assert shared.files[0]["id"] == stored.id


def test_response_url_records_what_respond_sends(fake: FakeSlack, client: WebClient) -> None:
    card = client.chat_postMessage(channel=CHANNEL, text="Approve?", blocks=[section("Approve?")])
    url = fake.issue_response_url(CHANNEL, "U1", message_ts=card["ts"])
    assert url.startswith(f"{fake.base_url}/response/")
    webhook = WebhookClient(url)

    assert webhook.send(text="Only you see this").status_code == 200
    assert webhook.send(text="Approved", replace_original=True).status_code == 200
    assert webhook.send(text="Team, FYI", response_type="in_channel").status_code == 200
    invalid = webhook.send(text="bad", blocks=[{"type": "nope"}])
    assert (invalid.status_code, json.loads(invalid.body)["error"]) == (400, "invalid_blocks")
    assert webhook.send(text="fifth use").status_code == 200
    assert webhook.send(text="sixth use").status_code == 404  # five uses, as on Slack

    assert [e.text for e in fake.ephemerals] == ["Only you see this", "fifth use"]
    assert [m.text for m in fake.messages(CHANNEL)] == ["Approved", "Team, FYI"]
    assert [r.accepted for r in fake.responses] == [True, True, True, False, True, False]
    assert fake.responses[0].payload["text"] == "Only you see this"


# -- validation ------------------------------------------------------------------------------------

TOO_MANY = [section(f"row {n}") for n in range(51)]
LONG_FIELD = {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}
UNKNOWN_FIELD = {**section("x"), "colour": "red"}


@pytest.mark.parametrize(
    ("kwargs", "error", "pointer"),
    [
        ({"text": "x", "blocks": [{"type": "nope"}]}, "invalid_blocks", "/blocks/0/type"),
        ({"text": "x", "blocks": [UNKNOWN_FIELD]}, "invalid_blocks", "/blocks/0"),
        ({"text": "x", "blocks": TOO_MANY}, "invalid_blocks", "/blocks]"),
        ({"text": "x", "blocks": [LONG_FIELD]}, "invalid_blocks", "/blocks/0/fields/0/text"),
        ({"text": "x" * 40_001}, "msg_too_long", None),
        ({}, "no_text", None),
        ({"text": "x", "channel": "#not-an-id"}, "channel_not_found", None),
    ],
    ids=[
        "unknown-type",
        "unknown-field",
        "51-blocks",
        "2001-char-field",
        "40001-chars",
        "empty",
        "bad-channel",
    ],
)
def test_invalid_messages_are_refused_and_recorded(
    fake: FakeSlack, client: WebClient, kwargs: dict[str, Any], error: str, pointer: str | None
) -> None:
    arguments = {"channel": CHANNEL, **kwargs}
    with pytest.raises(SlackApiError) as refused:
        client.api_call("chat.postMessage", json=arguments)
    assert slack_error(refused) == error
    if pointer is not None:
        explanations = refused.value.response["response_metadata"]["messages"]
        assert any(pointer in line for line in explanations), explanations
    assert fake.messages() == []
    [call] = fake.calls("chat.postMessage")
    assert (call.accepted, call.error) == (False, error)


def test_update_text_is_capped_at_4000(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="short")
    with pytest.raises(SlackApiError) as long_update:
        client.chat_update(channel=CHANNEL, ts=posted["ts"], text="x" * 4001)
    assert slack_error(long_update) == "msg_too_long"
    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="x" * 4000)
    assert fake.messages(CHANNEL)[0].text == "x" * 4000


@pytest.mark.parametrize(
    ("view", "error"),
    [
        ({**MODAL, "blocks": [{"type": "divider"}] * 101}, "invalid_arguments"),
        ({key: value for key, value in MODAL.items() if key != "title"}, "invalid_arguments"),
        ({**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}, "invalid_arguments"),
        ({**MODAL, "private_metadata": "x" * 260_000}, "view_too_large"),
    ],
    ids=["101-blocks", "no-title", "long-title", "over-250kb"],
)
def test_invalid_views_are_refused(
    fake: FakeSlack, client: WebClient, view: dict[str, Any], error: str
) -> None:
    trigger = fake.issue_trigger("U1")
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=trigger, view=view)
    assert slack_error(refused) == error
    assert fake.views == {}
    # Refused views do not use up the trigger: a corrected view still opens.
    client.views_open(trigger_id=trigger, view=MODAL)


def test_tokens_are_required_and_never_recorded(fake: FakeSlack) -> None:
    anonymous = WebClient(base_url=fake.url, retry_handlers=[])
    with pytest.raises(SlackApiError) as no_token:
        anonymous.auth_test()
    assert slack_error(no_token) == "not_authed"
    in_form = WebClient(base_url=fake.url, retry_handlers=[])
    in_form.api_call(
        "chat.postMessage", params={"token": "xoxb-secret", "channel": CHANNEL, "text": "x"}
    )
    assert "xoxb" not in json.dumps(fake.state())


# -- faults ----------------------------------------------------------------------------------------


def test_rate_limited_answers_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", "rate_limited", retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=CHANNEL, text="x")
    response = limited.value.response
    assert (response.status_code, response.headers["Retry-After"], response["error"]) == (
        429,
        "7",
        "ratelimited",
    )
    client.chat_postMessage(channel=CHANNEL, text="later")  # one failure only
    assert [c.accepted for c in fake.calls("chat.postMessage")] == [False, True]


def test_server_error_is_a_5xx_and_nothing_lands(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.update", "server_error", status=503)
    posted = client.chat_postMessage(channel=CHANNEL, text="v1")
    with pytest.raises(SlackApiError) as failed:
        client.chat_update(channel=CHANNEL, ts=posted["ts"], text="v2")
    assert failed.value.response.status_code == 503
    assert fake.messages(CHANNEL)[0].text == "v1"


def test_timeout_leaves_the_client_hanging_and_nothing_lands(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", "timeout", delay=5.0)
    impatient = WebClient(base_url=fake.url, token="xoxb-test", timeout=1, retry_handlers=[])
    with pytest.raises((TimeoutError, URLError)):
        impatient.chat_postMessage(channel=CHANNEL, text="slow")
    assert fake.messages() == []
    assert fake.calls("chat.postMessage")[0].fault == "timeout"


def test_accept_then_drop_lands_the_message_but_the_client_sees_an_error(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail_next("chat.postMessage", "accept_then_drop")
    with pytest.raises((RemoteDisconnected, ConnectionError, URLError)):
        client.chat_postMessage(channel=CHANNEL, text="did it land?")
    [landed] = fake.messages(CHANNEL)
    assert landed.text == "did it land?"
    [call] = fake.calls("chat.postMessage")
    assert (call.accepted, call.fault) == (True, "accept_then_drop")


def test_the_default_client_double_posts_after_a_dropped_connection(fake: FakeSlack) -> None:
    """The hazard the delivery ledger exists for: slack_sdk's default retry sends it again."""
    fake.fail_next("chat.postMessage", "accept_then_drop")
    WebClient(base_url=fake.url, token="xoxb-test").chat_postMessage(channel=CHANNEL, text="hi")
    assert [m.text for m in fake.messages(CHANNEL)] == ["hi", "hi"]


@pytest.mark.parametrize(
    "code",
    ["user_not_found", "invalid_auth", "channel_not_found", "cannot_dm_bot", "account_inactive"],
)
def test_scripted_error_codes(fake: FakeSlack, client: WebClient, code: str) -> None:
    fake.fail_next("chat.postMessage", "error", error=code)
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel=CHANNEL, text="x")
    assert (failed.value.response.status_code, slack_error(failed)) == (200, code)
    assert fake.messages() == []


def test_a_matcher_aims_a_fault_at_one_channel(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next(
        "chat.postMessage", "error", times=2, error="is_archived", match={"channel": "U1"}
    )
    client.chat_postMessage(channel=CHANNEL, text="unaffected")
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="U1", text="x")
    assert fake.pending_faults() == 0
    client.chat_postMessage(channel="U1", text="third time")
    assert [m.text for m in fake.messages()] == ["unaffected", "third time"]


def test_workspace_rate_limit_spans_channels(fake: FakeSlack, client: WebClient) -> None:
    fake.set_rate_limit("chat.postMessage", per_second=2)
    client.chat_postMessage(channel=CHANNEL, text="1")
    client.chat_postMessage(channel="U1", text="2")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="U2", text="3")
    assert limited.value.response.status_code == 429
    assert int(limited.value.response.headers["Retry-After"]) >= 1
    client.users_info(user="U1")  # other methods are not limited
    fake.set_rate_limit("chat.postMessage", None)
    client.chat_postMessage(channel="U2", text="3")


def test_per_channel_rate_limit(fake: FakeSlack, client: WebClient) -> None:
    fake.set_rate_limit("chat.postMessage", per_second=1, per_channel=True)
    client.chat_postMessage(channel=CHANNEL, text="1")
    client.chat_postMessage(channel="U1", text="other channel")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=CHANNEL, text="2")
    assert limited.value.response.status_code == 429


def test_reset_forgets_everything(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=CHANNEL, text="x")
    fake.fail_next("auth.test", "server_error")
    fake.reset()
    assert (fake.messages(), fake.calls(), fake.pending_faults()) == ([], [], 0)
    with pytest.raises(SlackApiError):
        client.users_info(user="U1")  # users went too


# -- signing ---------------------------------------------------------------------------------------


def test_signed_slash_command_passes_slacks_verifier() -> None:
    request = signing.slash_command(
        SECRET, command="/mp", text="help", user_id="U1", channel_id="C1"
    )
    assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    fields = parse_qs(request.body.decode())
    assert (fields["command"], fields["text"], fields["user_id"]) == (["/mp"], ["help"], ["U1"])


def test_stale_and_forged_requests_fail_verification() -> None:
    stale = signing.slash_command(
        SECRET, command="/mp", user_id="U1", channel_id="C1", timestamp=1_000_000_000
    )
    forged = signing.interactivity(SECRET, {"type": "block_actions"}, signature="v0=" + "0" * 64)
    assert not SignatureVerifier(SECRET).is_valid_request(stale.body, stale.headers)
    assert not SignatureVerifier(SECRET).is_valid_request(forged.body, forged.headers)


@settings(max_examples=30, deadline=None)
@given(text=st.text(max_size=300), timestamp=st.integers(0, 2**40))
def test_signature_matches_slack_sdk_for_any_body(text: str, timestamp: int) -> None:
    body = text.encode()  # Slack's bodies are UTF-8, and the verifier decodes them as such
    expected = SignatureVerifier(SECRET).generate_signature(timestamp=str(timestamp), body=body)
    assert signing.compute_signature(SECRET, timestamp, body) == expected


def test_interactivity_and_events_are_shaped_as_slack_sends_them() -> None:
    click = signing.block_actions_payload(
        user_id="U1",
        actions=[{"type": "button", "action_id": "approve", "value": "42"}],
        channel_id=CHANNEL,
        message_ts="1.000100",
    )
    request = signing.interactivity(SECRET, click)
    assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    [payload] = parse_qs(request.body.decode())["payload"]
    assert json.loads(payload)["actions"][0]["action_id"] == "approve"

    event = signing.event_callback(
        SECRET, {"type": "app_home_opened", "user": "U1"}, event_id="Ev1", retry_num=1
    )
    envelope = json.loads(event.body)
    assert (envelope["type"], envelope["event_id"], envelope["event"]["user"]) == (
        "event_callback",
        "Ev1",
        "U1",
    )
    assert event.headers["X-Slack-Retry-Num"] == "1"
    assert SignatureVerifier(SECRET).is_valid_request(event.body, event.headers)


def test_send_delivers_the_signed_bytes_and_returns_error_statuses() -> None:
    class Verifying(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            valid = SignatureVerifier(SECRET).is_valid_request(body, dict(self.headers.items()))
            self.send_response(200 if valid else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Verifying)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        good = signing.event_callback(SECRET, {"type": "app_home_opened", "user": "U1"})
        forged = signing.event_callback("wrong-secret", {"type": "app_home_opened", "user": "U1"})
        assert signing.send(url, good)[0] == 200
        assert signing.send(url, forged)[0] == 401
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bolt(fake: FakeSlack) -> App:
    """A Bolt app wired to the fake: its listeners' Web API calls and respond()s land there."""
    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=fake.url, token="xoxb-test", retry_handlers=[]),
        process_before_response=True,  # the listener has finished when dispatch() returns
    )

    @app.command("/mp")
    def handle_mp_command(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        respond(text=f"opened for {body['text']}")

    @app.action("approve")
    def on_approve_click(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        respond(text=f"approved {body['actions'][0]['value']}", replace_original=True)

    @app.view("log_item")
    def handle_log_item_submission(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        ack()
        text = view["state"]["values"]["what"]["text"]["value"]
        client.chat_postMessage(channel=CHANNEL, text=f"logged: {text}")

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=HOME)

    return app


def dispatch(app: App, request: signing.SignedRequest) -> int:
    headers: dict[str, str | Sequence[str]] = dict(request.headers)
    return app.dispatch(BoltRequest(body=request.body.decode(), headers=headers)).status


def test_bolt_runs_a_signed_command_against_the_fake(fake: FakeSlack, bolt: App) -> None:
    request = signing.slash_command(
        SECRET,
        command="/mp",
        text="log",
        user_id="U1",
        channel_id=CHANNEL,
        response_url=fake.issue_response_url(CHANNEL, "U1"),
        trigger_id=fake.issue_trigger("U1"),
    )
    assert dispatch(bolt, request) == 200
    assert [v.callback_id for v in fake.views.values()] == ["log_item"]
    assert [r.payload["text"] for r in fake.responses] == ["opened for log"]
    assert fake.calls("auth.test")  # Bolt checked its token against the fake
    stale = signing.slash_command(
        SECRET, command="/mp", user_id="U1", channel_id=CHANNEL, timestamp=1_000_000_000
    )
    assert dispatch(bolt, stale) == 401


def test_bolt_takes_the_interactivity_and_event_payloads(
    fake: FakeSlack, client: WebClient, bolt: App
) -> None:
    card = client.chat_postMessage(channel=CHANNEL, text="Approve plan 42?")
    click = signing.block_actions_payload(
        user_id="U1",
        actions=[{"type": "button", "action_id": "approve", "block_id": "b", "value": "42"}],
        channel_id=CHANNEL,
        message_ts=card["ts"],
        response_url=fake.issue_response_url(CHANNEL, "U1", message_ts=card["ts"]),
        trigger_id=fake.issue_trigger("U1"),
    )
    assert dispatch(bolt, signing.interactivity(SECRET, click)) == 200
    assert [m.text for m in fake.messages(CHANNEL)] == ["approved 42"]  # replaced in place

    modal = client.views_open(trigger_id=fake.issue_trigger("U1"), view=MODAL)["view"]
    submission = signing.view_submission_payload(
        user_id="U1",
        view=modal,
        values={"what": {"text": {"type": "plain_text_input", "value": "passed Step 2"}}},
    )
    assert dispatch(bolt, signing.interactivity(SECRET, submission)) == 200
    assert fake.messages(CHANNEL)[-1].text == "logged: passed Step 2"

    opened = signing.event_callback(
        SECRET, {"type": "app_home_opened", "user": "U2", "tab": "home"}
    )
    assert dispatch(bolt, opened) == 200
    assert fake.home_views["U2"].blocks == HOME["blocks"]


# -- another process -------------------------------------------------------------------------------


@pytest.fixture
def remote() -> Iterator[RemoteFakeSlack]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.fake_slack", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield RemoteFakeSlack(process.stdout.readline().strip())
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0  # SIGTERM is a clean shutdown


def test_control_endpoints_script_a_fake_in_another_process(remote: RemoteFakeSlack) -> None:
    assert remote.url.startswith("http://127.0.0.1:")
    assert remote.url.endswith("/api/")
    remote.add_user("U1", "Ada Lovelace")
    remote.fail_next("chat.postMessage", "error", error="account_inactive")
    client = WebClient(base_url=remote.url, token="xoxb-test", retry_handlers=[])
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="U1", text="first")
    assert slack_error(failed) == "account_inactive"
    client.chat_postMessage(channel="U1", text="second")

    state = remote.state()
    assert [(c["method"], c["accepted"]) for c in state["calls"]] == [
        ("chat.postMessage", False),
        ("chat.postMessage", True),
    ]
    assert [m["text"] for m in state["messages"]] == ["second"]

    bad = urllib.request.Request(f"{remote.base_url}/_fake/fail", data=b'{"kind": "nope"}')
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bad, timeout=5)
    assert refused.value.code == 400
    remote.reset()
    assert remote.state()["messages"] == []
