"""Refuse replayed Slack requests: a signature is served once.

Slack's signature stays valid for five minutes, so a captured request could be sent again within
them; remembering each served signature closes that. Slack's own retries of an event are signed
afresh, so they are not affected.

On PostgreSQL (where several processes and instances may serve) the memory is the
`seen_request` table, and the ack path only reads it (`Claim`):

- before the ack, a request whose signature is in the table is refused (a replay of a request
  served earlier: the common case, and the one an attacker can time);
- after the ack, the first write transaction of the request's follow-up inserts the signature,
  in the same transaction as the follow-up's own writes, and finds out whether another copy got
  there first: the table's unique key decides, so of two copies that both passed the read
  (sent within the same moment) one is served and the other does nothing. A follow-up that
  writes nothing records it in a transaction of its own when it ends, and one whose transaction
  rolls back records it again after the rollback.

On SQLite (one serving process, the embedded default) the ack must never wait for SQLite's one
write lock, so `SeenSignatures` decides in memory and keeps the table behind the ack instead:

- a thread writes the served signatures to `seen_request` behind the acks (what has gathered
  in half a second, in one transaction), and a new process loads the last ten minutes of it
  when it starts;
- a request signed before the process started is refused outright. Slack signs a request as it
  sends it, and this process was not listening yet, so such a request can only be a replay of
  one sent to an earlier process; this covers what a crash left unwritten (the last half
  second's signatures) and needs no write at all.

Either alone would do in the common case; together a replay after a restart gets through only if
the earlier process crashed within half a second of serving it and the clocks of Slack and this
host disagree by more than the restart took. The price of the cutoff: a request that Slack
signed in the second before this process started and that arrived just after it is refused, as
it would have been a moment earlier by a closed port.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.upsert import insert_for
from bot.models import SeenRequest

KEEP = timedelta(minutes=10)  # twice Slack's five-minute window
SIGNATURE_LENGTH = 80  # the column's width; Slack's signatures are 67 characters
GATHER_SECONDS = 0.5  # one write per half second at most: a transaction per request would cost
# the CPU that acks need (a serving process is bound by its CPU), and the cutoff covers the gap
RETRY_SECONDS = 1.0

log = logging.getLogger("matchpath.replay")


def first_use(session: Session, signature: str, now: datetime) -> bool:
    # The table, not the mapped class: a plain INSERT, without the ORM's bulk machinery.
    rows = session.execute(
        insert_for(session, SeenRequest.__table__)
        .values(signature=signature[:SIGNATURE_LENGTH], seen_at=now)
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(SeenRequest.__table__.c.signature)
    ).all()
    return bool(rows)


def seen_before(session: Session, signature: str) -> bool:
    """Whether this signature was recorded as served (a read: nothing is written)."""
    found = session.execute(
        select(SeenRequest.signature).where(SeenRequest.signature == signature[:SIGNATURE_LENGTH])
    ).first()
    return found is not None


class Replayed(Exception):
    """Another copy of this request was recorded first: the follow-up must do nothing."""


@dataclass
class Claim:
    """A request admitted by a read before its ack; its follow-up's first write transaction
    records it (a `FirstWrite` of bot/db/engine.py), and raises `Replayed` if another copy of
    it was recorded first."""

    signature: str
    at: datetime
    replayed: bool = False

    def within(self, session: Session) -> None:
        if not first_use(session, self.signature, self.at):
            self.replayed = True
            raise Replayed

    def after_rollback(self, db: Database) -> None:
        if self.replayed:
            return
        # The request was served even though its writes were undone (a refusal, an error):
        # a copy of it must not be served later.
        with db.unit_of_work() as session:
            first_use(session, self.signature, self.at)


def forget_old(session: Session, now: datetime) -> int:
    result = session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)


class SeenSignatures:
    """The guard of a single serving process: decided in memory, kept in the database behind
    the ack, and reloaded on start (see the module's docstring)."""

    def __init__(self, db: Database, started: datetime) -> None:
        self._db = db
        # Slack's timestamps are whole seconds: anything signed before this second is refused.
        self.serving_since = int(started.timestamp())
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._unwritten: list[tuple[str, datetime]] = []
        self._writing = 0  # signatures in the transaction under way
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._load(started)

    def first_use(self, signature: str, signed_at: int | None, now: datetime) -> bool:
        if signed_at is not None and signed_at < self.serving_since:
            return False
        key = signature[:SIGNATURE_LENGTH]
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - KEEP:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            self._unwritten.append((key, now))
            self._start_writer()
        self._wake.set()
        return True

    def unwritten(self) -> int:
        """How many served signatures are not in the database yet."""
        with self._lock:
            return len(self._unwritten) + self._writing

    def _load(self, now: datetime) -> None:
        with self._db.read_only() as session:
            rows = session.execute(
                select(SeenRequest.signature, SeenRequest.seen_at)
                .where(SeenRequest.seen_at >= now - KEEP)
                .order_by(SeenRequest.seen_at)
            ).all()
        for signature, seen_at in rows:
            self._seen[signature] = seen_at.astimezone(UTC)

    def _start_writer(self) -> None:
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._write_behind, name="matchpath-seen-signatures", daemon=True
            )
            self._writer.start()

    def _write_behind(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(GATHER_SECONDS)
            self._wake.clear()
            with self._lock:
                batch, self._unwritten = self._unwritten, []
                self._writing = len(batch)
            if not batch:
                continue
            try:
                self._write(batch)
            except SQLAlchemyError as exc:
                log.warning("could not record served requests (%s); retrying", type(exc).__name__)
                with self._lock:
                    self._unwritten[:0] = batch
                    self._writing = 0
                time.sleep(RETRY_SECONDS)
                self._wake.set()
                continue
            with self._lock:
                self._writing = 0

    def _write(self, batch: list[tuple[str, datetime]]) -> None:
        with self._db.unit_of_work() as session:
            session.execute(
                insert_for(session, SeenRequest).on_conflict_do_nothing(
                    index_elements=["signature"]
                ),
                [{"signature": signature, "seen_at": seen_at} for signature, seen_at in batch],
            )
            forget_old(session, batch[-1][1])
