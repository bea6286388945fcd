"""Dispatch: claim due rows in batches with a lease, let each row's courier prepare it, post
outside any transaction at the shared send rate, and record the outcomes fenced on the claim.

A batch costs a handful of transactions, not a handful per message: one claims and prepares
it, one stores where each post goes, renews the leases and reserves the batch's send tokens,
one records the outcomes. A row is only ever posted by the holder of its claim token while its
lease is fresh (renewed whenever half of it has gone by, and a post's timeout is far shorter
than half a lease), so a crashed or slow instance can lose a row to the reaper but can never
post it alongside another instance.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.db.engine import Database, contention
from bot.models import Delivery
from bot.outbox import ledger, ratelimit
from bot.outbox.courier import Courier, Couriers, Hold, Job, NotYet, Result
from bot.outbox.crash import crashpoint
from bot.outbox.lanes import Lanes
from bot.outbox.ledger import Claim
from bot.outbox.metering import count_results
from bot.outbox.outcomes import (
    Cancelled,
    RetryLater,
    WorkspaceDown,
)
from bot.outbox.pacing import Pacer, Stopping
from bot.outbox.pause import pause, still_paused
from bot.outbox.report import DispatchReport

log = logging.getLogger("matchpath.reminders")


@dataclass(frozen=True)
class DispatchConfig:
    batch: int = 20
    lease_seconds: float = 90.0
    send_rate: float = 5.0  # messages per second, workspace-wide
    burst: float = 5.0
    max_rows: int = 10_000  # per run; the next tick carries on
    ahead_seconds: float = 1.0  # how far ahead of the refill a batch may reserve its tokens
    lanes: int = 4  # Slack calls at once, each on its own kept connection (bot/outbox/lanes.py)


@dataclass
class Parcel:
    """One claimed row on its way: its courier's job, then what came of it."""

    claim: Claim
    courier: Courier[Any]
    job: Job
    result: Result | None = None
    closed: bool = False  # recorded, or its claim lost: nothing more to do with it

    @property
    def unsent(self) -> bool:
        return not self.closed and self.result is None


def _unsent(parcels: Sequence[Parcel]) -> list[Parcel]:
    return [p for p in parcels if p.unsent]


def _make_room(started: Sequence[tuple[Parcel, Future[Result]]], lanes: int) -> None:
    """Wait while a batch's first post is out (a refused token or a rate limit then stops the
    batch before anything else of it is in flight, as posting one at a time would) or while
    every lane is busy (a post is started only when it can go, so a stop or a halt leaves
    nothing queued behind)."""
    running = [f for _, f in started if not f.done()]
    if running and (len(started) == 1 or len(running) >= lanes):
        wait(running, return_when=FIRST_COMPLETED)


def _keep_results(started: Sequence[tuple[Parcel, Future[Result]]]) -> None:
    """Each finished post's result on its parcel; then the first exception a post raised, as a
    post made on this thread would have."""
    first: BaseException | None = None
    for parcel, future in started:
        failed = future.exception()
        if failed is None:
            parcel.result = future.result()
        elif first is None:
            first = failed
    if first is not None:
        raise first


def _halts(result: Result) -> bool:
    """Results after which the rest of the batch is not posted: it goes back to the queue."""
    return isinstance(result, WorkspaceDown) or (
        isinstance(result, RetryLater) and result.rate_limited
    )


class Dispatcher:
    def __init__(
        self,
        db: Database,
        couriers: Couriers,
        clock: Clock,
        config: DispatchConfig | None = None,
        *,
        auth_ok: Callable[[], bool],
        wall: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.db, self.couriers, self.clock = db, couriers, clock
        self.config = config or DispatchConfig()
        self.auth_ok = auth_ok
        # A stopping process finishes the send in progress and hands back the rest of its claim.
        self.stop_requested = stop_requested
        self.wall = wall or SystemClock()
        self.pacer = Pacer(
            db,
            rate=self.config.send_rate,
            burst=self.config.burst,
            ahead=self.config.ahead_seconds,
            batch=self.config.batch,
            patience=self.config.lease_seconds / 2,
            wall=self.wall,
            sleep=sleep,
            stop_requested=stop_requested,
        )
        self._renewed = 0.0  # monotonic time of the batch's last lease renewal
        self.lanes = Lanes(self.config.lanes)

    def run(self) -> DispatchReport:
        report = DispatchReport()
        try:
            self._run(report)
        except DBAPIError as exc:
            # A race the database settled against this run: stop, and the next sweep goes on.
            report.busy = contention(exc)
            if report.busy is None:
                raise
            log.warning("dispatch stopped for now: %s", report.busy)
        finally:
            self.lanes.close()
        return report

    def _run(self, report: DispatchReport) -> None:
        if still_paused(self.db, now=self.clock.now(), auth_ok=self.auth_ok):
            report.paused = True
            return
        while report.attempted < self.config.max_rows:
            if self.stop_requested():
                return
            claimed, parcels, waiting = self._claim(report)
            if not claimed:
                break
            crashpoint("after_claim")
            try:
                delivered = self._deliver(parcels, report)
            except DBAPIError as exc:
                if contention(exc) is not None:
                    self._give_back(waiting, report, "the database was busy")
                raise
            if not delivered:
                self._give_back(waiting, report, "the process is stopping", stopping=True)
                return
            if waiting and not report.paused:
                # Rows that waited on others in their batch (a card before its lines).
                parcels = self._prepare_again(waiting, report)
                if not self._deliver(parcels, report):
                    return
            elif waiting:
                self._give_back(waiting, report, "sending paused")
            if report.paused:
                return

    # -- claiming and preparing --------------------------------------------------------------

    def _claim(self, report: DispatchReport) -> tuple[int, list[Parcel], list[Claim]]:
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            claims = ledger.claim(
                session,
                token=uuid.uuid4().hex,
                kinds=self.couriers.kinds,
                now=now,
                limit=self.config.batch,
                lease_seconds=self.config.lease_seconds,
            )
            self._renewed = time.monotonic()
            crashpoint("mid_claim")
            parcels, waiting = self._prepare(session, claims, report, last_chance=False)
        return len(claims), parcels, waiting

    def _prepare_again(self, claims: list[Claim], report: DispatchReport) -> list[Parcel]:
        with self.db.unit_of_work() as session:
            keep = ledger.renew(
                session, claims, now=self.clock.now(), lease_seconds=self.config.lease_seconds
            )
            self._renewed = time.monotonic()
            report.lost += len(claims) - len(keep)
            held = [c for c in claims if c.id in keep]
            parcels, _ = self._prepare(session, held, report, last_chance=True)
        return parcels

    def _prepare(
        self,
        session: Session,
        claims: Sequence[Claim],
        report: DispatchReport,
        *,
        last_chance: bool,
    ) -> tuple[list[Parcel], list[Claim]]:
        """Each courier prepares its rows; the ledger applies what they decide."""
        if not claims:
            return [], []
        now = self.clock.now()
        rows = {
            row.id: row
            for row in session.scalars(
                select(Delivery).where(Delivery.id.in_([c.id for c in claims]))
            )
        }
        parcels: list[Parcel] = []
        waiting: list[Claim] = []
        for claim in claims:
            row = rows[claim.id]
            courier = self.couriers[claim.kind]
            decided = courier.prepare(session, row, now)
            match decided:
                case Cancelled():
                    ledger.cancel(session, claim, reason=decided.reason, now=now)
                    report.cancelled += 1
                case Hold():
                    # Planned for a good hour, but a sweep may come late (downtime, a retry).
                    expires_at = row.expires_at
                    if ledger.hold(
                        session, claim, until=decided.until, expires_at=expires_at, now=now
                    ):
                        report.expired += 1
                    else:
                        report.held += 1
                case NotYet():
                    if last_chance:
                        ledger.later(session, claim, seconds=decided.seconds, now=now)
                    else:
                        waiting.append(claim)
                case _:
                    parcels.append(Parcel(claim, courier, decided))
        return parcels, waiting

    # -- one batch -------------------------------------------------------------------------

    def _deliver(self, parcels: list[Parcel], report: DispatchReport) -> bool:
        """Route, address, post and record a batch; False when the process is stopping."""
        if not parcels:
            return True
        stopping = False
        try:
            if self._route(parcels, report):
                self._post(parcels, report)
        except Stopping:
            stopping = True
        except DBAPIError as exc:
            # Not while recording (that copes on its own): what was done is recorded, and the
            # unsent go back to the queue.
            reason = contention(exc)
            if reason is not None:
                self._record(parcels, report)
                self._give_back(_unsent(parcels), report, reason)
            raise
        self._record(parcels, report)
        rest = _unsent(parcels)
        if stopping:
            self._give_back(rest, report, "the process is stopping", stopping=True)
        elif rest:
            self._give_back(rest, report, "sending paused" if report.paused else "rate limited")
        return not stopping

    def _route(self, parcels: list[Parcel], report: DispatchReport) -> bool:
        """Where each post goes (Slack look-ups, no transaction, several at once); False when
        one of them says the batch must stop. What the look-ups after that one found is set
        aside, as if they had not been made: their rows go back to the queue unsent."""
        if self.stop_requested():
            raise Stopping
        self._keep_fresh(parcels, report)
        todo = _unsent(parcels)
        routed = self.lanes.map(lambda p: p.courier.route(p.job), todo)
        for parcel, found in zip(todo, routed, strict=True):
            if isinstance(found, Job):
                parcel.job = found
                continue
            parcel.result = found
            if _halts(found):
                return False
        return True

    def _post(self, parcels: list[Parcel], report: DispatchReport) -> None:
        """Post each parcel at its paced moment, several in flight at once (bot/outbox/lanes.py);
        every post started has finished, its result kept, when this returns or raises."""
        self._address(_unsent(parcels), report)
        started: list[tuple[Parcel, Future[Result]]] = []
        try:
            for i, parcel in enumerate(parcels):
                if not parcel.unsent:
                    continue
                _make_room(started, self.lanes.width)
                if any(not f.exception() and _halts(f.result()) for _, f in started if f.done()):
                    return
                if self.stop_requested():
                    raise Stopping  # before the post: the claim goes back unsent
                if parcel.job.paced:
                    self.pacer.wait()
                self._keep_fresh(parcels[i:], report)
                if not parcel.unsent:
                    continue
                target = parcel.job.target  # None only for a call that posts nothing new
                place = target.channel if target is not None else None
                send = partial(parcel.courier.send, parcel.job)
                started.append((parcel, self.lanes.start(place, send)))
        finally:
            self.lanes.finish([f for _, f in started])
            _keep_results(started)

    def _address(self, parcels: list[Parcel], report: DispatchReport) -> None:
        """Store where each post goes and renew the leases; reserve the batch's send tokens in
        the same transaction."""
        if not parcels:
            return
        paced = sum(1 for p in parcels if p.job.paced)
        targets = {p.claim.id: p.job.target for p in parcels if p.job.target is not None}
        give_up = time.monotonic() + self.pacer.patience
        while True:
            try:
                with self.db.unit_of_work() as session:
                    keep = ledger.renew(
                        session,
                        [p.claim for p in parcels],
                        now=self.clock.now(),
                        lease_seconds=self.config.lease_seconds,
                        targets=targets,
                    )
                    if paced:
                        self.pacer.reserve(session, paced)
                break
            except DBAPIError as exc:
                self.pacer.busy(exc, give_up)
        self._renewed = time.monotonic()
        self._drop_lost(parcels, keep, report)

    def _drop_lost(self, parcels: Sequence[Parcel], keep: set[int], report: DispatchReport) -> None:
        for parcel in parcels:
            if parcel.claim.id not in keep:
                parcel.closed = True
                report.lost += 1

    # -- the lease ---------------------------------------------------------------------------

    def _keep_fresh(self, parcels: Sequence[Parcel], report: DispatchReport) -> None:
        """Renew the leases once half of them has gone by (a slow Slack, a long 429 wait)."""
        if time.monotonic() - self._renewed < self.config.lease_seconds / 2:
            return
        live = _unsent(parcels)
        with self.db.unit_of_work() as session:
            keep = ledger.renew(
                session,
                [p.claim for p in live],
                now=self.clock.now(),
                lease_seconds=self.config.lease_seconds,
            )
        self._renewed = time.monotonic()
        self._drop_lost(live, keep, report)

    # -- recording -------------------------------------------------------------------------

    def _record(self, parcels: list[Parcel], report: DispatchReport) -> None:
        done = [(p, p.result) for p in parcels if not p.closed and p.result is not None]
        if not done:
            return
        count_results((p.claim.kind, result) for p, result in done)
        if any(isinstance(result, WorkspaceDown) for _, result in done):
            report.paused = True
        for parcel, _ in done:
            parcel.closed = True  # whatever happens next, never recorded twice
        now = self.clock.now()
        try:
            with self.db.unit_of_work() as session:
                recorded = ledger.record(session, [(p.claim, r) for p, r in done], now=now)
                for parcel, result in done:
                    if parcel.claim.id in recorded:
                        parcel.courier.settle(session, parcel.job, result, now)
                self._side_effects(session, [result for _, result in done], now)
        except DBAPIError as exc:
            reason = contention(exc)
            if reason is None:
                raise
            # Posted or not, the rows stay claimed: when their lease runs out the reaper looks
            # for them in Slack, so they are neither lost nor sent twice.
            log.warning("%d outcomes not recorded yet (%s)", len(done), reason)
            report.unrecorded += len(done)
            return
        for parcel, result in done:
            if parcel.claim.id in recorded:
                report.tally(result, parcel.claim.dedupe_key)
            else:
                log.warning(
                    "delivery %s: claim lost before its outcome was recorded", parcel.claim.id
                )
                report.lost += 1

    def _side_effects(self, session: Session, results: list[Result], now: datetime) -> None:
        for result in results:
            if isinstance(result, RetryLater) and result.rate_limited:
                ratelimit.block(
                    session,
                    name=ratelimit.SLACK_POSTS,
                    seconds=result.after_seconds,
                    wall=self.wall.now(),
                )
            if isinstance(result, WorkspaceDown):
                pause(session, error=result.error, now=now)

    def _give_back(
        self,
        unsent: Sequence[Claim | Parcel],
        report: DispatchReport,
        reason: str,
        *,
        stopping: bool = False,
    ) -> None:
        """Unsent claims back to the queue at once, not counted as attempts."""
        claims = [c.claim if isinstance(c, Parcel) else c for c in unsent]
        for item in unsent:
            if isinstance(item, Parcel):
                item.closed = True
        if not claims:
            return
        try:
            with self.db.unit_of_work() as session:
                count = ledger.put_back(session, claims, reason=reason, now=self.clock.now())
        except DBAPIError as exc:
            if contention(exc) is None:
                raise
            log.warning("claims left to their leases: %s", contention(exc))
            return
        if stopping:
            report.released += count
        else:
            report.put_back += count
