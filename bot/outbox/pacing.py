"""A dispatcher's share of the workspace-wide send rate: a batch's tokens are reserved in the
shared bucket (one transaction), and its posts are spaced out here to the moments reserved."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db.engine import Database, contention
from bot.outbox import ratelimit
from bot.outbox.crash import crashpoint

log = logging.getLogger("matchpath.reminders")


class Stopping(Exception):
    """The process is stopping: what is still claimed goes back unsent."""


class Pacer:
    def __init__(
        self,
        db: Database,
        *,
        rate: float,
        burst: float,
        ahead: float,
        batch: int,
        patience: float,
        wall: Clock,
        sleep: Callable[[float], None],
        stop_requested: Callable[[], bool],
    ) -> None:
        self.db, self.rate, self.burst, self.ahead, self.batch = db, rate, burst, ahead, batch
        self.patience = patience  # how long a busy bucket is waited for before giving up
        self.wall, self.sleep, self.stop_requested = wall, sleep, stop_requested
        self._slots = ratelimit.Slots(0)
        self._reserved_at = 0.0  # monotonic
        self._next = 0

    def reserve(self, session: Session, count: int) -> None:
        """Reserve `count` tokens inside the caller's transaction (used from the moment it
        commits)."""
        self._slots = ratelimit.reserve(
            session,
            name=ratelimit.SLACK_POSTS,
            rate=self.rate,
            burst=self.burst,
            wall=self.wall.now(),
            count=count,
            ahead=self.ahead,
        )
        crashpoint("holding_rate_bucket")
        self._reserved_at, self._next = time.monotonic(), 0

    def wait(self) -> None:
        """Until the next post's reserved moment, reserving more tokens when they run out."""
        give_up = time.monotonic() + self.patience
        while self._next >= self._slots.granted:
            if self.stop_requested():
                raise Stopping  # before the post: the claim goes back unsent
            try:
                with self.db.unit_of_work() as session:
                    self.reserve(session, self.batch)
            except DBAPIError as exc:
                self.busy(exc, give_up)
                continue
            if not self._slots.granted:
                self.sleep(min(self._slots.wait, 5.0))
        delay = self._reserved_at + self._slots.due(self._next) - time.monotonic()
        self._next += 1
        if delay > 0:
            self.sleep(delay)

    def busy(self, exc: DBAPIError, give_up: float) -> None:
        """The bucket is every instance's: a lock timeout here means its holder is stuck, and
        the server ends a stuck transaction soon (idle timeout). Wait, up to a point."""
        if contention(exc) is None or time.monotonic() > give_up:
            raise exc
        log.warning("send-rate bucket busy (%s); waiting", contention(exc))
        self.sleep(1.0)
