"""What Slack's servers would send the bot when a person acts: signed slash commands, button
clicks, modal submissions and App Home visits, each with the response_url and trigger_id the
fake Web API issued for it, so the bot's replies land in the fake."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from sandbox.fake_slack import FakeSlack
from sandbox.records import JsonObject
from sandbox.signing import (
    SignedRequest,
    block_actions_payload,
    event_callback,
    interactivity,
    send,
    slash_command,
    view_submission_payload,
)

ACK_DEADLINE = 3.0  # Slack's: a later answer is shown as operation_timeout
TIMEOUT = 15.0
COMMAND = "/matchpath"


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer; status 0 means it could not be reached at all."""

    status: int
    body: bytes
    elapsed: float
    response_url: str | None = None
    problem: str | None = None

    @property
    def payload(self) -> JsonObject | None:
        """The JSON body (an ack with a message, or a view response_action), if there is one."""
        if not self.body.strip():
            return None
        try:
            decoded = json.loads(self.body)
        except ValueError:
            return None
        return decoded if isinstance(decoded, dict) else None

    @property
    def late(self) -> bool:
        return self.elapsed > ACK_DEADLINE


class Driver:
    def __init__(self, fake: FakeSlack, events_url: str, signing_secret: str) -> None:
        self._fake = fake
        self._url = events_url
        self._secret = signing_secret

    def command(self, user_id: str, channel_id: str, text: str) -> Answer:
        response_url = self._fake.issue_response_url(channel_id, user_id)
        request = slash_command(
            self._secret,
            command=COMMAND,
            text=text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            trigger_id=self._fake.issue_trigger(user_id),
        )
        return self._post(request, response_url)

    def click_in_message(
        self,
        user_id: str,
        action: Mapping[str, Any],
        *,
        channel_id: str,
        message_ts: str | None,
        message: Mapping[str, Any] | None,
    ) -> Answer:
        response_url = self._fake.issue_response_url(channel_id, user_id, message_ts=message_ts)
        payload = block_actions_payload(
            user_id=user_id,
            actions=[action],
            channel_id=channel_id,
            message_ts=message_ts,
            message=message,
            response_url=response_url,
            trigger_id=self._fake.issue_trigger(user_id),
        )
        return self._post(interactivity(self._secret, payload), response_url)

    def click_in_view(
        self, user_id: str, action: Mapping[str, Any], *, view: Mapping[str, Any]
    ) -> Answer:
        # Slack sends no response_url for clicks in App Home or a modal.
        payload = block_actions_payload(
            user_id=user_id,
            actions=[action],
            view=view,
            trigger_id=self._fake.issue_trigger(user_id),
        )
        return self._post(interactivity(self._secret, payload), None)

    def submit(
        self, user_id: str, view: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]
    ) -> Answer:
        payload = view_submission_payload(
            user_id=user_id,
            view=view,
            values=values,
            trigger_id=self._fake.issue_trigger(user_id),
        )
        return self._post(interactivity(self._secret, payload), None)

    def open_home(self, user_id: str, home_view: Mapping[str, Any] | None) -> Answer:
        event: JsonObject = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self._fake.dm_channel(user_id),
            "tab": "home",
        }
        if home_view is not None:
            event["view"] = dict(home_view)
        return self._post(event_callback(self._secret, event), None)

    def _post(self, request: SignedRequest, response_url: str | None) -> Answer:
        started = time.monotonic()
        try:
            status, _, body = send(self._url, request, timeout=TIMEOUT)
        except (URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            return Answer(0, b"", time.monotonic() - started, response_url, problem=_reason(reason))
        return Answer(status, body, time.monotonic() - started, response_url)


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return f"no answer within {TIMEOUT:.0f} s"
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)
