"""The Slack side of the outbox: DMs (bot/reminders/ports.py `DirectMessages`) and posts in
the mentors channel (bot/dashboards/ports.py `ChannelPosts`), each carrying its dedupe key in
its metadata, and Slack's answers sorted into outcomes.

This client retries nothing itself: a retry decision belongs to the delivery ledger, which
knows whether a message may already have landed.
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.dashboards.card import CardView
from bot.outbox.outcomes import (
    Failure,
    Outcome,
    Permanent,
    RetryLater,
    Sent,
    Uncertain,
    WorkspaceDown,
)
from bot.reminders.ports import Notice
from handlers.blocks.dashboard import card_message, thread_line
from handlers.blocks.reminders import reminder_message
from handlers.keepalive import KeptAliveWebClient

EVENT_TYPE = "matchpath_delivery"
SEND_TIMEOUT = 10
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "msg_too_long",
    "user_not_found",
    "user_not_visible",
    "user_disabled",
    "cannot_dm_bot",
    "invalid_blocks",
    "no_text",
    "invalid_metadata_format",
    "too_many_attachments",
}
WORKSPACE = {
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "not_authed",
    "team_access_not_granted",
    "org_login_required",
    "ekm_access_denied",
}
AMBIGUOUS = {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
REFUSED_RETRY_SECONDS = 30


def classify(exc: BaseException, *, posting: bool) -> Failure:
    """Sort a failed call: retry, reconcile first, give up, or pause the workspace."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error", "")) if exc.response.data else ""
        if status == 429 or error == "ratelimited":
            after = float(exc.response.headers.get("Retry-After", "1") or 1)
            return RetryLater(after_seconds=max(after, 1.0), reason="rate limited")
        if error in WORKSPACE:
            return WorkspaceDown(error=error)
        if error in PERMANENT:
            return Permanent(error=error)
        if status >= 500 or error in AMBIGUOUS:
            return (
                Uncertain(reason=error or f"HTTP {status}")
                if posting
                else RetryLater(after_seconds=30, reason=error or f"HTTP {status}")
            )
        return Permanent(error=error or f"HTTP {status}")
    if _refused(exc):
        return RetryLater(after_seconds=REFUSED_RETRY_SECONDS, reason="connection refused")
    reason = type(exc).__name__
    return Uncertain(reason=reason) if posting else RetryLater(after_seconds=30, reason=reason)


def _refused(exc: BaseException) -> bool:
    """A refused connection never reached Slack, so the message certainly did not land."""
    if isinstance(exc, ConnectionRefusedError):
        return True
    reason = getattr(exc, "reason", None)
    return isinstance(exc, urllib.error.URLError) and isinstance(reason, ConnectionRefusedError)


TRANSPORT = (OSError, http.client.HTTPException, socket.timeout, urllib.error.URLError)


class SlackNotifier:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._workspace_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackNotifier:
        return cls.with_token(settings, settings.slack_bot_token)

    @classmethod
    def with_token(cls, settings: Settings, token: str | None) -> SlackNotifier:
        """The sender for one workspace's bot token (serving many, each has its own)."""
        # No retry handlers at all: neither rate limits nor connection errors are retried here.
        # One kept-alive connection: a handshake per message would cost more than the post.
        return cls(
            KeptAliveWebClient(
                token=token,
                base_url=settings.slack_api_url,
                timeout=SEND_TIMEOUT,
                retry_handlers=[],
            )
        )

    def open_dm(self, slack_user_id: str) -> str | Failure:
        try:
            response = self.client.conversations_open(users=slack_user_id)
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=False)
        return str(response["channel"]["id"])

    def post(self, channel: str, notice: Notice, dedupe_key: str) -> Outcome:
        return self._post(channel, reminder_message(notice), dedupe_key)

    def find_posted(
        self, channel: str, dedupe_key: str, since: datetime, thread_ts: str | None = None
    ) -> str | Failure | None:
        cursor: str | None = None
        try:
            for _ in range(20):  # at most 20 pages of 200: ample since one claim
                if thread_ts:
                    response = self.client.conversations_replies(
                        channel=channel,
                        ts=thread_ts,
                        limit=200,
                        include_all_metadata=True,
                        cursor=cursor,
                    )
                else:
                    response = self.client.conversations_history(
                        channel=channel,
                        oldest=str(since.timestamp() - 60),
                        limit=200,
                        include_all_metadata=True,
                        cursor=cursor,
                    )
                messages: list[dict[str, Any]] = response.get("messages") or []
                for message in messages:
                    if _key_of(message) == dedupe_key:
                        return str(message["ts"])
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return None
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=False)
        return None

    def channel_is_private(self, channel: str) -> bool | Failure:
        try:
            info = self.client.conversations_info(channel=channel)["channel"]
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=False)
        return bool(info.get("is_private")) and not info.get("is_im")

    def post_card(self, channel: str, card: CardView, dedupe_key: str) -> Outcome:
        return self._post(
            channel,
            card_message(card, previous_link=self._link(channel, card.previous_thread)),
            dedupe_key,
        )

    def update_card(self, channel: str, ts: str, card: CardView) -> Outcome:
        payload = card_message(card, previous_link=self._link(channel, card.previous_thread))
        try:
            response = self.client.chat_update(
                channel=channel, ts=ts, text=payload["text"], blocks=payload["blocks"]
            )
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=True)
        return Sent(channel=str(response["channel"]), ts=str(response["ts"]))

    def delete_message(self, channel: str, ts: str) -> Outcome:
        try:
            self.client.chat_delete(channel=channel, ts=ts)
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=True)
        return Sent(channel=channel, ts=ts)

    def post_line(self, channel: str, thread_ts: str, text: str, dedupe_key: str) -> Outcome:
        return self._post(channel, thread_line(text), dedupe_key, thread_ts=thread_ts)

    def _post(
        self, channel: str, payload: dict[str, Any], dedupe_key: str, thread_ts: str | None = None
    ) -> Outcome:
        try:
            response = self.client.chat_postMessage(
                channel=channel,
                text=payload["text"],
                blocks=payload["blocks"],
                thread_ts=thread_ts,
                unfurl_links=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"dedupe_key": dedupe_key}},
            )
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=True)
        return Sent(channel=str(response["channel"]), ts=str(response["ts"]))

    def _link(self, channel: str, ts: str | None) -> str | None:
        """A link to an old thread, when the workspace's address is known."""
        if not ts:
            return None
        if self._workspace_url is None:
            try:
                self._workspace_url = str(self.client.auth_test().get("url") or "")
            except (SlackApiError, *TRANSPORT):
                return None
        if not self._workspace_url:
            return None
        return f"<{self._workspace_url}archives/{channel}/p{ts.replace('.', '')}|earlier thread>"

    def user_zone(self, slack_user_id: str) -> tuple[str | None, str | None] | Failure:
        try:
            user = self.client.users_info(user=slack_user_id)["user"]
        except (SlackApiError, *TRANSPORT) as exc:
            return classify(exc, posting=False)
        return user.get("tz"), user.get("real_name")

    def auth_ok(self) -> bool:
        try:
            return bool(self.client.auth_test().get("ok"))
        except (SlackApiError, *TRANSPORT):
            return False


def _key_of(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return None
    key = (metadata.get("event_payload") or {}).get("dedupe_key")
    return str(key) if key is not None else None
