"""What one dispatch run did, counted for the sweep's report and the log."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.outbox.courier import Result
from bot.outbox.outcomes import Cancelled, Permanent, RetryLater, Sent, Uncertain


@dataclass
class DispatchReport:
    sent: int = 0
    cancelled: int = 0
    retry: int = 0
    unknown: int = 0
    failed: int = 0
    lost: int = 0
    held: int = 0  # quiet hours or a weekend for the recipient: due again when they end
    expired: int = 0  # held past their expiry
    put_back: int = 0  # claimed, then not attempted (the database was busy, a 429): re-queued
    unrecorded: int = 0  # an outcome the database was too busy to record: the reaper settles it
    released: int = 0  # claimed, then handed back unsent because the process is stopping
    paused: bool = False
    busy: str | None = None  # why this run stopped early, when the database turned it away
    sent_keys: list[str] = field(default_factory=list)

    def tally(self, result: Result, dedupe_key: str) -> None:
        match result:
            case Sent():
                self.sent += 1
                self.sent_keys.append(dedupe_key)
            case RetryLater():
                self.retry += 1
            case Uncertain():
                self.unknown += 1
            case Permanent():
                self.failed += 1
            case Cancelled():
                self.cancelled += 1

    @property
    def attempted(self) -> int:
        return self.sent + self.retry + self.unknown + self.failed
