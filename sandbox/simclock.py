"""The sandbox's simulated time: an offset in seconds, kept in the file the bot's clock reads.

The bot runs `bot.clock.OffsetFileClock` on the same file (MATCHPATH_CLOCK_FILE): system time plus
the offset, re-read whenever the file's modification time changes. So each write here is atomic
(a half-written file would read as offset 0) and moves the modification time strictly forward
(two writes within one filesystem tick would otherwise look like one).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

MAX_ADVANCE = timedelta(days=400)


class ClockError(Exception):
    """A request to move time that the sandbox refuses; the message says why."""


class SimulatedClock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._offset = _read_offset(path)
        self._last_stamp_ns = 0

    @property
    def offset(self) -> timedelta:
        return timedelta(seconds=self._offset)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def timestamp(self) -> float:
        """Epoch seconds of the simulated now (the fake Slack stamps messages with it)."""
        return time.time() + self._offset

    def advance(self, delta: timedelta) -> datetime:
        # Time only moves forward: the bot's reminder ledger and the fake's message timestamps
        # both assume it, as they may in real life.
        if delta <= timedelta(0):
            raise ClockError("time only moves forward in the sandbox")
        if delta > MAX_ADVANCE:
            raise ClockError(f"advance at most {MAX_ADVANCE.days} days at a time")
        with self._lock:
            self._write(self._offset + delta.total_seconds())
        return self.now()

    def reset(self) -> None:
        """Back to real time (a fresh sandbox only: the demo data is dated from real now)."""
        with self._lock:
            self._write(0.0)

    def _write(self, offset: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(f"{offset:.3f}\n")
        os.replace(partial, self.path)
        stamp = max(time.time_ns(), self._last_stamp_ns + 1_000_000)
        os.utime(self.path, ns=(stamp, stamp))
        self._last_stamp_ns = stamp
        self._offset = offset


def _read_offset(path: Path) -> float:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return 0.0
    try:
        return float(text or "0")
    except ValueError:
        raise ClockError(f"{path} does not hold a number of seconds: start with --fresh") from None
