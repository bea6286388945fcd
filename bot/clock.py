"""Time comes in through a `Clock`, so tests and the sandbox can move it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is put (tests)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class OffsetFileClock:
    """System time plus an offset in seconds read from a file (the sandbox's clock control).

    The file is re-read when it changes, so another process can move this one's time.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: float | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        try:
            stamp = os.stat(self._path).st_mtime
        except FileNotFoundError:
            return datetime.now(UTC)
        if stamp != self._stamp:
            text = self._path.read_text().strip() or "0"
            self._offset = timedelta(seconds=float(text))
            self._stamp = stamp
        return datetime.now(UTC) + self._offset


def runtime_clock() -> Clock:
    """The system clock, or the sandbox's movable one when MATCHPATH_CLOCK_FILE is set."""
    path = os.environ.get("MATCHPATH_CLOCK_FILE")
    return OffsetFileClock(Path(path)) if path else SystemClock()
