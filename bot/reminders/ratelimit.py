"""A token bucket in the database, so every instance shares one workspace-wide send rate.

It runs on wall-clock time (never the injected business clock: the sandbox moves that one by
days), and a 429 from Slack blocks the bucket for everyone until Retry-After has passed.
"""

from __future__ import annotations

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


def take(session: Session, *, name: str, rate: float, burst: float, wall: datetime) -> float:
    """Take one token; returns 0 if taken, else the seconds to wait before asking again."""
    bucket = _bucket(session, name, burst, wall)
    if bucket.blocked_until is not None and bucket.blocked_until > wall:
        return (bucket.blocked_until - wall).total_seconds()
    elapsed = max(0.0, (wall - bucket.refilled_at).total_seconds())
    tokens = min(burst, bucket.tokens + elapsed * rate)
    bucket.refilled_at = wall
    if tokens >= 1:
        bucket.tokens = tokens - 1
        return 0.0
    bucket.tokens = tokens
    return (1 - tokens) / rate


def block(session: Session, *, name: str, seconds: float, wall: datetime) -> None:
    """Slack said 429: nobody sends on this bucket until Retry-After has passed."""
    until = wall + timedelta(seconds=seconds)
    bucket = _bucket(session, name, 0, wall)
    if bucket.blocked_until is None or bucket.blocked_until < until:
        bucket.blocked_until = until
        bucket.tokens = 0
