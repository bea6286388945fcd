"""Refuse replayed Slack requests: a signature is served once.

Slack's signature stays valid for five minutes, so a captured request could be sent again within
them; remembering each served signature closes that. On PostgreSQL (where several instances may
serve) the memory is a table every instance shares; on SQLite (one serving process, the embedded
default) it is kept in that process, so that an ack never waits for SQLite's write lock. Slack's
own retries of an event are signed afresh, so they are not affected.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db.upsert import insert_for
from bot.models import SeenRequest

KEEP = timedelta(minutes=10)  # twice Slack's five-minute window


def first_use(session: Session, signature: str, now: datetime) -> bool:
    rows = session.execute(
        insert_for(session, SeenRequest)
        .values(signature=signature[:80], seen_at=now)
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(SeenRequest.signature)
    ).all()
    return bool(rows)


def forget_old(session: Session, now: datetime) -> int:
    result = session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)


class SeenInMemory:
    """The same guard for a single process: signatures seen in the last ten minutes."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def first_use(self, signature: str, now: datetime) -> bool:
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - KEEP:
                self._seen.popitem(last=False)
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True
