"""What a send came to, named for what the ledger must do next (not for HTTP codes): the Slack
adapter in handlers/ decides which Slack answer is which."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    channel: str
    ts: str


@dataclass(frozen=True)
class RetryLater:
    """Certainly not delivered (rate limited, connection refused): send again later."""

    after_seconds: float
    reason: str

    @property
    def rate_limited(self) -> bool:
        return "rate" in self.reason


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
class Cancelled:
    """Nothing to send after all (its reason went away, or the post was replaced)."""

    reason: str | None = None


@dataclass(frozen=True)
class PostTarget:
    """Where a message is about to be posted: a channel, and a thread (or, for a deletion, the
    message) when there is one. Stored on the row before the post, for the reaper to look."""

    channel: str
    thread_ts: str | None = None


Outcome = Sent | RetryLater | Uncertain | Permanent | WorkspaceDown
Failure = RetryLater | Uncertain | Permanent | WorkspaceDown
