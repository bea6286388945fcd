"""Requests signed exactly as Slack signs them: slash commands, interactivity and Events API.

Slack sends `X-Slack-Request-Timestamp: ts` and
`X-Slack-Signature: "v0=" + hex(HMAC-SHA256(signing_secret, "v0:" + ts + ":" + raw_body))`.
Every builder takes `timestamp=` (to send a stale request) and `signature=` (to forge one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

from sandbox.records import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, JsonObject

# The deprecated per-app verification token Slack still puts in payloads; Bolt ignores it.
VERIFICATION_TOKEN = "fake-verification-token"  # noqa: S105  # a placeholder  # nosec B105

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def compute_signature(signing_secret: str, timestamp: int | str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def sign(
    signing_secret: str,
    body: bytes,
    content_type: str,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> SignedRequest:
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature or compute_signature(signing_secret, ts, body),
        **(extra_headers or {}),
    }
    return SignedRequest(body, headers)


def slash_command(
    signing_secret: str,
    *,
    command: str,
    text: str = "",
    user_id: str,
    channel_id: str,
    user_name: str | None = None,
    channel_name: str | None = None,
    response_url: str = "",
    trigger_id: str = "",
    timestamp: int | None = None,
    signature: str | None = None,
    team_id: str = TEAM_ID,
) -> SignedRequest:
    """A slash command POST; pass a response_url and trigger_id the fake issued."""
    fields = command_fields(
        team_id=team_id,
        command=command,
        text=text,
        user_id=user_id,
        channel_id=channel_id,
        user_name=user_name,
        channel_name=channel_name,
        response_url=response_url,
        trigger_id=trigger_id,
    )
    body = urlencode(fields).encode()
    return sign(signing_secret, body, FORM, timestamp=timestamp, signature=signature)


def command_fields(
    *,
    command: str,
    text: str = "",
    user_id: str,
    channel_id: str,
    user_name: str | None = None,
    channel_name: str | None = None,
    response_url: str = "",
    trigger_id: str = "",
    team_id: str = TEAM_ID,
) -> dict[str, str]:
    """What Slack sends for a slash command: form fields over HTTP, the payload in Socket Mode."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id[:1] == "D" else channel_id),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions_payload(
    *,
    user_id: str,
    actions: Sequence[Mapping[str, Any]],
    channel_id: str | None = None,
    message_ts: str | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str = "",
    team_id: str = TEAM_ID,
) -> JsonObject:
    """A `block_actions` payload: a click in a message (channel_id + message_ts) or in a view."""
    now = f"{time.time():.6f}"
    payload: JsonObject = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [{"action_ts": now, **action} for action in actions],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = dict(view)
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id}
        payload["message"] = dict(message) if message is not None else {"ts": message_ts}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    *,
    user_id: str,
    view: Mapping[str, Any],
    values: Mapping[str, Mapping[str, Any]] | None = None,
    trigger_id: str = "",
    team_id: str = TEAM_ID,
) -> JsonObject:
    """A `view_submission` of `view` (e.g. `fake.views[id].payload`) with the given input state.

    `values` is shaped as Slack's `state.values`: {block_id: {action_id: {"type", "value"...}}}.
    """
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": dict(values or {})}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def interactivity(
    signing_secret: str,
    payload: Mapping[str, Any],
    *,
    timestamp: int | None = None,
    signature: str | None = None,
) -> SignedRequest:
    """An interactivity POST: the payload JSON in a `payload` form field."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return sign(signing_secret, body, FORM, timestamp=timestamp, signature=signature)


def event_callback(
    signing_secret: str,
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    team_id: str = TEAM_ID,
) -> SignedRequest:
    """An Events API delivery; give the same `event_id` and a `retry_num` to send a redelivery."""
    envelope = event_envelope(event, event_id=event_id, event_time=event_time, team_id=team_id)
    retry_headers = {}
    if retry_num is not None:
        retry_headers = {
            "X-Slack-Retry-Num": str(retry_num),
            "X-Slack-Retry-Reason": retry_reason or "http_timeout",
        }
    body = json.dumps(envelope).encode()
    return sign(
        signing_secret,
        body,
        JSON,
        timestamp=timestamp,
        signature=signature,
        extra_headers=retry_headers,
    )


def event_envelope(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = TEAM_ID,
) -> JsonObject:
    """An Events API `event_callback`: the HTTP body, or the payload in Socket Mode."""
    now = time.time()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": {"event_ts": f"{now:.6f}", **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(now) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def send(
    url: str, request: SignedRequest, *, timeout: float = 5.0
) -> tuple[int, dict[str, str], bytes]:
    """POST a signed request; returns (status, headers, body) for error statuses too."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    outgoing = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=request.body, headers=request.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:  # noqa: S310  # a test URL  # nosec B310
            return response.status, dict(response.headers.items()), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def _user(user_id: str, team_id: str = TEAM_ID) -> JsonObject:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}
