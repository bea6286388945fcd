"""Identifiers the fake hands out: message timestamps and Slack-shaped object ids."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sandbox.wire import SlackError

_MICROS = 1_000_000


class IdMint:
    """Not thread-safe on its own: the workspace calls it under its lock.

    It outlives `reset()`, so an id or `ts` the app cached before a reset never names a new object.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last_micros = 0
        self._serial = 0

    def now(self) -> float:
        return self._clock()

    def ts(self) -> str:
        """A message `ts`: wall-clock time, strictly increasing, as Slack's "seconds.micros"."""
        micros = max(int(self._clock() * _MICROS), self._last_micros + 1)
        self._last_micros = micros
        return format_ts(micros)

    def object_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:08X}"


def format_ts(micros: int) -> str:
    return f"{micros // _MICROS}.{micros % _MICROS:06d}"


def ts_micros(value: object, error: str = "invalid_ts") -> int:
    """Compare timestamps as integers: "1700000000.9" and "1700000000.000100" sort correctly."""
    try:
        return int(Decimal(str(value)) * _MICROS)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise SlackError(error, [f"[ERROR] not a Slack timestamp: {value!r}"]) from exc
