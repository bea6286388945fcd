"""A token bucket in the database, so every instance shares one workspace-wide send rate.

It runs on wall-clock time (never the injected business clock: the sandbox moves that one by
days), and a 429 from Slack blocks the bucket for everyone until Retry-After has passed.

A dispatcher reserves the tokens of a whole batch in one transaction (`reserve`): tokens not
there yet are lent against the refill (the bucket goes below zero), each with the moment it
becomes due, and the dispatcher paces its posts to those moments. Every instance reserves from
the same row, so together they keep to the rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.upsert import insert_for
from bot.models import RateBucket

SLACK_POSTS = "chat.postMessage"


def _bucket(session: Session, name: str, burst: float, wall: datetime) -> RateBucket:
    """The bucket, locked for this transaction; created (full) by whichever instance is first
    (two instances starting together both try, and the second insert does nothing)."""
    locked = select(RateBucket).where(RateBucket.name == name).with_for_update()
    bucket = session.scalar(locked)
    if bucket is None:
        session.execute(
            insert_for(session, RateBucket)
            .values(name=name, tokens=burst, refilled_at=wall)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        bucket = session.scalar(locked)
    assert bucket is not None
    return bucket


@dataclass(frozen=True)
class Slots:
    """Tokens reserved: `granted` of them, the i-th due `due(i)` seconds after the reservation.
    None granted: ask again in `wait` seconds."""

    granted: int
    wait: float = 0.0
    tokens: float = 0.0  # in the bucket before the reservation (below zero: already lent)
    rate: float = 1.0

    def due(self, i: int) -> float:
        return max(0.0, (i + 1 - self.tokens) / self.rate)


def reserve(
    session: Session,
    *,
    name: str,
    rate: float,
    burst: float,
    wall: datetime,
    count: int,
    ahead: float = 0.0,
) -> Slots:
    """Reserve up to `count` tokens due within `ahead` seconds from now."""
    bucket = _bucket(session, name, burst, wall)
    if bucket.blocked_until is not None and bucket.blocked_until > wall:
        return Slots(0, wait=(bucket.blocked_until - wall).total_seconds())
    elapsed = max(0.0, (wall - bucket.refilled_at).total_seconds())
    tokens = min(burst, bucket.tokens + elapsed * rate)
    bucket.refilled_at = wall
    # The small allowance absorbs float rounding (0.9999999 tokens is one token).
    granted = max(0, min(count, math.floor(tokens + rate * ahead + 1e-9)))
    bucket.tokens = tokens - granted
    if granted == 0:
        return Slots(0, wait=max((1 - tokens) / rate - ahead, 1e-3))
    return Slots(granted, tokens=tokens, rate=rate)


def take(session: Session, *, name: str, rate: float, burst: float, wall: datetime) -> float:
    """Take one token now; returns 0 if taken, else the seconds to wait before asking again."""
    slots = reserve(session, name=name, rate=rate, burst=burst, wall=wall, count=1)
    return 0.0 if slots.granted else slots.wait


def block(session: Session, *, name: str, seconds: float, wall: datetime) -> None:
    """Slack said 429: nobody sends on this bucket until Retry-After has passed."""
    until = wall + timedelta(seconds=seconds)
    bucket = _bucket(session, name, 0, wall)
    if bucket.blocked_until is None or bucket.blocked_until < until:
        bucket.blocked_until = until
        bucket.tokens = 0
