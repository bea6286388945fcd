"""The dispatcher's counters: each result a batch came to, named for the ledger (bot/metrics.py
holds the counters; docs/operations.md, "Metrics", says how to read them)."""

from __future__ import annotations

from collections.abc import Iterable

from bot import metrics
from bot.outbox.courier import Result
from bot.outbox.outcomes import Cancelled, Permanent, RetryLater, Sent, Uncertain, WorkspaceDown
from bot.vocab import DeliveryKind

RESULTS: dict[type, str] = {
    Sent: "sent",
    RetryLater: "retry",  # certainly not delivered: tried again later (a 429 among them)
    Uncertain: "uncertain",  # may have landed: reconciled from Slack before any retry
    Permanent: "failed",
    WorkspaceDown: "paused",  # the token was refused: every instance stops sending
}


def count_results(results: Iterable[tuple[DeliveryKind, Result]]) -> None:
    """One count per attempt that reached Slack; a row cancelled before its post is not one."""
    for kind, result in results:
        if isinstance(result, Cancelled):
            continue
        rate_limited = isinstance(result, RetryLater) and result.rate_limited
        metrics.delivery_result(kind.value, RESULTS[type(result)], rate_limited=rate_limited)
