"""Identifiers the fake hands out: message timestamps and Slack-shaped object ids."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sandbox.wire import SlackError

_MICROS = 1_000_000


class IdMint:
    """Thread-safe: the workspaces of several fake teams share one, so that no id is handed out
    in two of them.

    It outlives `reset()`, so an id or `ts` the app cached before a reset never names a new object.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last_micros = 0
        self._serial = 0
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def ts(self) -> str:
        """A message `ts`: wall-clock time, strictly increasing, as Slack's "seconds.micros"."""
        with self._lock:
            micros = max(int(self._clock() * _MICROS), self._last_micros + 1)
            self._last_micros = micros
        return format_ts(micros)

    def object_id(self, prefix: str) -> str:
        with self._lock:
            self._serial += 1
            serial = self._serial
        return f"{prefix}{serial:08X}"


def format_ts(micros: int) -> str:
    return f"{micros // _MICROS}.{micros % _MICROS:06d}"


def ts_micros(value: object, error: str = "invalid_ts") -> int:
    """Compare timestamps as integers: "1700000000.9" and "1700000000.000100" sort correctly."""
    try:
        return int(Decimal(str(value)) * _MICROS)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise SlackError(error, [f"[ERROR] not a Slack timestamp: {value!r}"]) from exc
