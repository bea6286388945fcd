"""Scripted failures and rate limits: the ways Slack misbehaves that a bot must survive."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Matcher = Mapping[str, object] | Callable[[Mapping[str, Any]], bool]


class FaultKind(StrEnum):
    RATE_LIMITED = "rate_limited"  # HTTP 429 with Retry-After
    SERVER_ERROR = "server_error"  # HTTP 5xx
    TIMEOUT = "timeout"  # answers only after `delay` seconds; the call does not land
    ACCEPT_THEN_DROP = "accept_then_drop"  # the call lands, then the connection closes unanswered
    ERROR = "error"  # HTTP 200 {"ok": false, "error": <code>}
    SLOW = "slow"  # answers only after `delay` seconds, then as usual: the call lands


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    error: str | None = None
    retry_after: int = 1
    delay: float = 3.0
    status: int = 500


@dataclass
class _Scripted:
    method: str
    fault: Fault
    remaining: int
    match: Matcher | None


@dataclass
class _Bucket:
    """A token bucket: `per_second` calls a second, bursts of up to `per_second`."""

    per_second: float
    tokens: float
    refilled_at: float

    def take(self, now: float) -> int | None:
        """None when a call may go ahead, else the whole seconds to wait (Slack's Retry-After)."""
        capacity = max(1.0, self.per_second)
        self.tokens = min(capacity, self.tokens + (now - self.refilled_at) * self.per_second)
        self.refilled_at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.per_second))


class FaultPlan:
    """Thread-safe: tests script it while the server's threads consult it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._scripted: list[_Scripted] = []
        self._limits: dict[str, tuple[float, bool]] = {}
        self._buckets: dict[tuple[str, str | None], _Bucket] = {}

    def fail_next(
        self,
        method: str,
        kind: FaultKind | str,
        times: int = 1,
        *,
        error: str | None = None,
        retry_after: int = 1,
        delay: float = 3.0,
        status: int = 500,
        match: Matcher | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (that `match`, if given) fail as `kind`."""
        fault = Fault(FaultKind(kind), error, retry_after, delay, status)
        if fault.kind is FaultKind.ERROR and not error:
            raise ValueError(
                "an 'error' fault needs the Slack error code, e.g. error='invalid_auth'"
            )
        if times < 1 or retry_after < 0 or delay < 0 or not 500 <= status <= 599:
            raise ValueError("times must be >= 1, retry_after and delay >= 0, status a 5xx")
        with self._lock:
            self._scripted.append(_Scripted(method, fault, times, match))

    def set_rate_limit(
        self, method: str, per_second: float | None, *, per_channel: bool = False
    ) -> None:
        """Answer 429 once `method` goes over `per_second` (workspace-wide, or per channel).

        `None` lifts the limit.
        """
        if per_second is not None and per_second <= 0:
            raise ValueError("per_second must be positive (or None to lift the limit)")
        with self._lock:
            self._buckets = {key: b for key, b in self._buckets.items() if key[0] != method}
            if per_second is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = (per_second, per_channel)

    def take(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        """The fault this call meets, if any; scripted faults are used up as they are met."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.method == method and _matches(scripted.match, params):
                    scripted.remaining -= 1
                    if scripted.remaining == 0:
                        self._scripted.remove(scripted)
                    return scripted.fault
            return self._rate_limited(method, params)

    def pending(self, method: str | None = None) -> int:
        """How many scripted failures are still to come."""
        with self._lock:
            return sum(s.remaining for s in self._scripted if method in (None, s.method))

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self._limits.clear()
            self._buckets.clear()

    def _rate_limited(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        if method not in self._limits:
            return None
        per_second, per_channel = self._limits[method]
        key = (method, str(params.get("channel")) if per_channel else None)
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(per_second, max(1.0, per_second), now))
        wait = bucket.take(now)
        return None if wait is None else Fault(FaultKind.RATE_LIMITED, retry_after=wait)


def _matches(match: Matcher | None, params: Mapping[str, Any]) -> bool:
    if match is None:
        return True
    if callable(match):
        return match(params)
    return all(params.get(key) == value for key, value in match.items())
