"""What the dashboards need from Slack: posts in the mentors channel (`ChannelPosts`). The
Slack adapter is handlers/notifier.py."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.dashboards.card import CardView
from bot.outbox.outcomes import Failure, Outcome


class ChannelPosts(Protocol):
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

    def find_posted(
        self, channel: str, dedupe_key: str, since: datetime, thread_ts: str | None = None
    ) -> str | Failure | None:
        """The ts of a message carrying this dedupe key posted since `since` (in the thread of
        `thread_ts` when given), if any."""
        ...
