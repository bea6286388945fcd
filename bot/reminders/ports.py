"""The reminder machinery's view of Slack: a `Notifier` protocol and the outcomes of a send.

Outcomes are named for what the ledger must do next, not for HTTP codes: the Slack adapter in
handlers/ decides which Slack answer is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from bot.dashboards.card import CardView


@dataclass(frozen=True)
class Sent:
    channel: str
    ts: str


@dataclass(frozen=True)
class RetryLater:
    """Certainly not delivered (rate limited, connection refused): send again later."""

    after_seconds: float
    reason: str


@dataclass(frozen=True)
class Uncertain:
    """May have landed (timeout, 5xx, dropped connection): reconcile before any retry."""

    reason: str


@dataclass(frozen=True)
class Permanent:
    """Will never work (user gone, cannot DM): recorded, never retried."""

    error: str


@dataclass(frozen=True)
class WorkspaceDown:
    """The app's auth is gone: stop sending to the workspace and tell the admins."""

    error: str


@dataclass(frozen=True)
class PostTarget:
    """Where a message is about to be posted: a channel, and the thread for a dashboard line."""

    channel: str
    thread_ts: str | None = None


Outcome = Sent | RetryLater | Uncertain | Permanent | WorkspaceDown
Failure = RetryLater | Uncertain | Permanent | WorkspaceDown


class Intent(StrEnum):
    """What a button on a reminder does; the Slack adapter maps it to an action id."""

    MILESTONE_DONE = "milestone_done"
    MILESTONE_SNOOZE = "milestone_snooze"
    FLAG_SNOOZE = "flag_snooze"
    RECORD_CHECKIN = "record_checkin"
    OPEN_PROFILE = "open_profile"
    ASSESS = "assess"


class NoticeButton(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    intent: Intent
    mentee: str | None = None  # Slack user id
    subject: int | None = None  # milestone or flag id


class Notice(BaseModel):
    """What a reminder says: a title, the facts, why it matters (the rule), and buttons."""

    model_config = ConfigDict(frozen=True)

    kind: str
    title: str
    lines: list[str]
    why: str
    rule: str | None
    buttons: list[NoticeButton] = []


class Notifier(Protocol):
    def open_dm(self, slack_user_id: str) -> str | Failure:
        """The DM channel id with this user (conversations.open)."""
        ...

    def post(self, channel: str, notice: Notice, dedupe_key: str) -> Outcome:
        """Post once, with message metadata carrying the dedupe key."""
        ...

    def find_posted(
        self, channel: str, dedupe_key: str, since: datetime, thread_ts: str | None = None
    ) -> str | Failure | None:
        """The ts of a message carrying this dedupe key posted since `since` (in the thread
        of `thread_ts` when given), if any."""
        ...

    def channel_is_private(self, channel: str) -> bool | Failure:
        """Whether a channel is private (dashboards are never posted anywhere else)."""
        ...

    def post_card(self, channel: str, card: CardView, dedupe_key: str) -> Outcome:
        """Post a mentee's dashboard card as a new parent message."""
        ...

    def update_card(self, channel: str, ts: str, card: CardView) -> Outcome:
        """Update a card in place (chat.update)."""
        ...

    def post_line(self, channel: str, thread_ts: str, text: str, dedupe_key: str) -> Outcome:
        """Add one line to a card's thread."""
        ...

    def delete_message(self, channel: str, ts: str) -> Outcome:
        """Delete one of the bot's own messages (a forgotten mentee's card or thread line)."""
        ...

    def user_zone(self, slack_user_id: str) -> tuple[str | None, str | None] | Failure:
        """The user's IANA time zone and real name from Slack (`users.info`)."""
        ...

    def auth_ok(self) -> bool:
        """Whether the app's token works again (after a workspace pause)."""
        ...
