"""`response_url`s: where Bolt's `respond()` posts for a command or an interaction.

Each URL is tied to a channel and a user (and, for an interaction on a message, to that message),
takes at most 5 posts and lives 30 minutes, as Slack's do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sandbox.blockkit_limits import MESSAGE_TEXT_MAX_CHARS
from sandbox.conversations import Conversations, read_content
from sandbox.directory import Directory
from sandbox.ids import IdMint
from sandbox.records import Ephemeral, JsonObject, ResponsePost
from sandbox.wire import SlackError, flag_arg, text_arg

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60


@dataclass
class _Issued:
    channel_id: str
    user_id: str
    message_ts: str | None
    issued_at: float
    uses: int = 0


class ResponseUrls:
    def __init__(
        self, directory: Directory, conversations: Conversations, mint: IdMint, public_url: str
    ) -> None:
        self._directory = directory
        self._conversations = conversations
        self._mint = mint
        self._public_url = public_url
        self._issued: dict[str, _Issued] = {}
        self.posts: list[ResponsePost] = []

    def issue(self, channel_id: str, user_id: str, message_ts: str | None = None) -> str:
        response_id = self._mint.object_id("R")
        self._issued[response_id] = _Issued(channel_id, user_id, message_ts, self._mint.now())
        return f"{self._public_url}/response/{response_id}"

    def issued(self, response_id: str) -> bool:
        return response_id in self._issued

    def receive(self, response_id: str, payload: object) -> tuple[int, JsonObject]:
        """Handle one POST to a response_url; returns the HTTP status and JSON body to send."""
        issued = self._issued.get(response_id)
        try:
            if issued is None or self._mint.now() - issued.issued_at > RESPONSE_URL_TTL_SECONDS:
                raise SlackError("expired_url", status=404)
            issued.uses += 1
            if issued.uses > RESPONSE_URL_MAX_USES:
                raise SlackError("used_url", status=404)
            if not isinstance(payload, dict):
                raise SlackError("invalid_payload", status=400)
            self._apply(issued, payload)
        except SlackError as error:
            self._record(response_id, issued, payload, error.code)
            status = error.status if error.status != 200 else 400
            return status, {
                "ok": False,
                "error": error.code,
                "response_metadata": {"messages": error.messages},
            }
        self._record(response_id, issued, payload, None)
        return 200, {"ok": True}

    def _apply(self, issued: _Issued, payload: dict[str, Any]) -> None:
        original = issued.message_ts
        if flag_arg(payload, "delete_original"):
            if original is None or not (
                self._conversations.remove_ephemeral(original) or self._remove(issued, original)
            ):
                raise SlackError("message_not_found", status=404)
            return
        content = read_content(payload, max_text=MESSAGE_TEXT_MAX_CHARS)
        if flag_arg(payload, "replace_original") and original is not None:
            if not self._conversations.edit_ephemeral(original, content):
                self._conversations.edit(issued.channel_id, original, content)
            return
        if payload.get("response_type") == "in_channel":
            channel = self._directory.destination(issued.channel_id)
            self._conversations.post(channel, content, thread_ts=text_arg(payload, "thread_ts"))
            return
        self._conversations.add_ephemeral(
            Ephemeral(
                channel=issued.channel_id,
                user=issued.user_id,
                text=content.text or "",
                blocks=copy.deepcopy(content.blocks),
                message_ts=self._mint.ts(),
                thread_ts=text_arg(payload, "thread_ts"),
                via="response_url",
            )
        )

    def _remove(self, issued: _Issued, ts: str) -> bool:
        try:
            self._conversations.remove(issued.channel_id, ts)
        except SlackError:
            return False
        return True

    def _record(
        self, response_id: str, issued: _Issued | None, payload: object, error: str | None
    ) -> None:
        self.posts.append(
            ResponsePost(
                response_id=response_id,
                channel_id=issued.channel_id if issued else "",
                user_id=issued.user_id if issued else "",
                payload=copy.deepcopy(payload) if isinstance(payload, dict) else {"raw": payload},
                accepted=error is None,
                error=error,
            )
        )
