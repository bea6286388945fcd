"""Reap: leases that expired (a process died mid-send) become unknown; unknown rows are
reconciled against the history of the channel they were posted to (stored before the post),
where each sent message carries its dedupe key in its metadata, then marked sent or queued
again. Each row's courier does the looking (`find`); one whose action is harmless to repeat (a
card update, a deletion) queues it again without looking."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from bot.clock import Clock
from bot.db.engine import Database, contention
from bot.models import Delivery
from bot.outbox.courier import Couriers, Unsettled
from bot.outbox.outcomes import Sent
from bot.vocab import DeliveryState

log = logging.getLogger("matchpath.reminders")
GRACE = timedelta(seconds=30)  # let Slack's history catch up before looking
BATCH = 50


@dataclass
class ReapReport:
    expired_leases: int = 0
    found_sent: int = 0
    requeued: int = 0
    still_unknown: int = 0


def reap(
    db: Database,
    couriers: Couriers,
    clock: Clock,
    *,
    stop_requested: Callable[[], bool] = lambda: False,
) -> ReapReport:
    report = ReapReport()
    now = clock.now()
    with db.unit_of_work() as session:
        # A row another transaction has locked is being worked on right now: not abandoned.
        abandoned = (
            select(Delivery.id)
            .where(Delivery.state == DeliveryState.CLAIMED, Delivery.lease_until < now)
            .with_for_update(skip_locked=True)
        )
        result = session.execute(
            update(Delivery)
            .where(Delivery.id.in_(abandoned.scalar_subquery()))
            .values(
                state=DeliveryState.UNKNOWN,
                claim_token=None,
                lease_until=None,
                last_error="lease expired mid-send",
                updated_at=now,
            )
        )
        report.expired_leases = int(getattr(result, "rowcount", 0) or 0)
    token = uuid.uuid4().hex
    with db.unit_of_work() as session:
        # Take the unknown rows for reconciliation under a claim, so two reapers never both
        # decide the same row.
        candidates = (
            select(Delivery.id)
            .where(
                Delivery.state == DeliveryState.UNKNOWN,
                Delivery.updated_at <= now - GRACE,
                Delivery.kind.in_(couriers.kinds),
            )
            .order_by(Delivery.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        rows = session.execute(
            update(Delivery)
            .where(Delivery.id.in_(candidates.scalar_subquery()))
            .values(
                state=DeliveryState.CLAIMED,
                claim_token=token,
                lease_until=now + timedelta(minutes=2),
                updated_at=now,
            )
            .returning(
                Delivery.id,
                Delivery.kind,
                Delivery.dedupe_key,
                Delivery.channel_id,
                Delivery.thread_ts,
                Delivery.created_at,
                Delivery.mentee_id,
                Delivery.generation,
            )
        ).all()
    for row in sorted((Unsettled(**r._mapping) for r in rows), key=lambda u: u.id):
        channel = row.channel_id
        stopping = stop_requested()  # then hand the rest back unlooked-at, still unknown
        courier = couriers[row.kind]
        found = None if stopping else courier.find(row)
        values: dict[str, object]
        if stopping:
            values = {"state": DeliveryState.UNKNOWN}
            report.still_unknown += 1
        elif isinstance(found, str):
            values = {
                "state": DeliveryState.SENT,
                "message_ts": found,
                "channel_id": channel,
                "last_error": None,
            }
            report.found_sent += 1
        elif found is None:
            values = {"state": DeliveryState.RETRY_WAIT, "next_attempt_at": now}
            report.requeued += 1
        else:  # could not look: leave it unknown and look again next time
            values = {"state": DeliveryState.UNKNOWN, "last_error": "history unavailable"}
            report.still_unknown += 1
        try:
            with db.unit_of_work() as session:
                result = session.execute(
                    update(Delivery)
                    .where(Delivery.id == row.id, Delivery.claim_token == token)
                    .values(**values, claim_token=None, lease_until=None, updated_at=clock.now())
                )
                recorded = bool(getattr(result, "rowcount", 0))
                if isinstance(found, str) and channel and recorded:
                    courier.found(session, row, Sent(channel=channel, ts=found))
        except DBAPIError as exc:
            # The row stays claimed by this reaper until its lease ends; then it is looked at
            # again. Nothing was decided, so nothing is lost or doubled.
            if contention(exc) is None:
                raise
            log.warning("delivery %s: reconciliation left for later: %s", row.id, contention(exc))
            report.still_unknown += 1
    return report
