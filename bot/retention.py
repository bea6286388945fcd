"""Pruning what only records the past, each kind after its retention period (settings
MATCHPATH_RETAIN_*_DAYS; docs/deploy.md defends the defaults): the audit trail, the delivery
ledger's finished rows and the Events API ids already handled.

Deletes go in chunks of `CHUNK` rows, one short transaction each, so the ledger and the audit
are never locked for long while instances serve and send. One instance prunes at a time (a
PostgreSQL advisory lock, tried and never waited for); a chunk that meets a lock held too long
is left to the next run. `prune_if_due` is the daily job every ticker runs each hour: the first
instance to find a day passed since the last run claims the day and prunes.

The ledger keeps, whatever their age:
- every row not finished: pending, claimed (leased), waiting to retry, or unknown;
- a finished row until its expiry is past the cutoff too: its dedupe key is what stops the
  planner from planning the same reminder again, and the planner looks back as far as a kind's
  expiry (up to 60 days in a ruleset);
- the dashboard card and thread lines sent for a mentee who is still on the roster: they are
  the only record of where those posts are, which `forget` needs to delete them from Slack. They
  go with the mentee.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.config import Settings
from bot.db.engine import Database, contention
from bot.db.locks import PRUNING, try_step_lock
from bot.db.upsert import insert_for
from bot.models import AppSetting, AuditEvent, Delivery, SlackEvent
from bot.vocab import DeliveryKind, DeliveryState

CHUNK = 1000
EVERY = timedelta(days=1)
LAST_RUN_SETTING = "pruned_at"
FINISHED = (
    DeliveryState.SENT,
    DeliveryState.CANCELLED,
    DeliveryState.FAILED,
    DeliveryState.EXPIRED,
)
POSTS_FORGET_NEEDS = (DeliveryKind.DASHBOARD_CARD, DeliveryKind.DASHBOARD_REPLY)
BUSY = "another instance is pruning now"


class Retention(BaseModel):
    """Days each kind of record is kept."""

    model_config = ConfigDict(frozen=True)

    audit_days: int = 400
    ledger_days: int = 90
    events_days: int = 7

    @classmethod
    def from_settings(cls, settings: Settings) -> Retention:
        return cls(
            audit_days=settings.retain_audit_days,
            ledger_days=settings.retain_ledger_days,
            events_days=settings.retain_events_days,
        )


class PruneReport(BaseModel):
    """Rows deleted (or, in a dry run, that would be) per kind; `stopped` says why a run ended
    before it was through."""

    model_config = ConfigDict(frozen=True)

    audit: int = 0
    ledger: int = 0
    events: int = 0
    dry_run: bool = False
    stopped: str | None = None

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [
            f"audit: {verb} {self.audit} events",
            f"ledger: {verb} {self.ledger} finished deliveries",
            f"slack events: {verb} {self.events} handled event ids",
        ]
        if self.stopped:
            out.append(f"stopped early: {self.stopped}; the next run goes on")
        return out


def _audit(now: datetime, retention: Retention) -> ColumnElement[bool]:
    return AuditEvent.at < now - timedelta(days=retention.audit_days)


def _ledger(now: datetime, retention: Retention) -> ColumnElement[bool]:
    cutoff = now - timedelta(days=retention.ledger_days)
    return and_(
        Delivery.state.in_(FINISHED),
        Delivery.updated_at < cutoff,
        or_(Delivery.expires_at.is_(None), Delivery.expires_at < cutoff),
        not_(
            and_(
                Delivery.kind.in_(POSTS_FORGET_NEEDS),
                Delivery.state == DeliveryState.SENT,
                Delivery.mentee_id.is_not(None),
            )
        ),
    )


def _events(now: datetime, retention: Retention) -> ColumnElement[bool]:
    return SlackEvent.received_at < now - timedelta(days=retention.events_days)


# Each kind: its key column, and which of its rows are past their retention.
KINDS: dict[
    str, tuple[InstrumentedAttribute[Any], Callable[[datetime, Retention], ColumnElement[bool]]]
] = {
    "audit": (AuditEvent.id, _audit),
    "ledger": (Delivery.id, _ledger),
    "events": (SlackEvent.event_id, _events),
}


def prune(
    db: Database,
    *,
    now: datetime,
    retention: Retention,
    dry_run: bool = False,
    chunk: int = CHUNK,
    stop_requested: Callable[[], bool] = lambda: False,
) -> PruneReport:
    """Delete what is past its retention as of `now`; a dry run counts it and deletes nothing."""
    if dry_run:
        with db.read_only() as session:
            counts = {name: _count(session, now, retention, name) for name in KINDS}
        return PruneReport(**counts, dry_run=True)
    deleted = dict.fromkeys(KINDS, 0)
    stopped: str | None = None
    for name in KINDS:
        while stopped is None:
            if stop_requested():
                stopped = "the process is stopping"
                break
            try:
                with db.unit_of_work() as session:
                    if not try_step_lock(session, PRUNING):
                        stopped = BUSY
                        break
                    count = _delete_chunk(session, now, retention, name, chunk)
            except Exception as exc:
                reason = contention(exc)
                if reason is None:
                    raise
                stopped = reason
                break
            deleted[name] += count
            if count < chunk:
                break
    return PruneReport(**deleted, stopped=stopped)


def _count(session: Session, now: datetime, retention: Retention, name: str) -> int:
    column, past = KINDS[name]
    return int(session.scalar(select(func.count(column)).where(past(now, retention))) or 0)


def _delete_chunk(
    session: Session, now: datetime, retention: Retention, name: str, chunk: int
) -> int:
    column, past = KINDS[name]
    # The oldest first (ids rise with time), a bounded number per transaction.
    keys = list(
        session.scalars(select(column).where(past(now, retention)).order_by(column).limit(chunk))
    )
    if keys:
        session.execute(delete(column.class_).where(column.in_(keys)))
    return len(keys)


def prune_if_due(
    db: Database,
    *,
    now: datetime,
    retention: Retention,
    stop_requested: Callable[[], bool] = lambda: False,
) -> PruneReport | None:
    """The daily job: prune when no instance has for a day (None when it is not due, or another
    instance is deciding). The day is claimed before the pruning starts, so it runs once a day
    however many instances tick; a run stopped early is finished by the next day's."""
    with db.unit_of_work() as session:
        if not try_step_lock(session, PRUNING):
            return None
        last = session.get(AppSetting, LAST_RUN_SETTING)
        if last is not None and datetime.fromisoformat(last.value) > now - EVERY:
            return None
        _claim_day(session, last, now)
    return prune(db, now=now, retention=retention, stop_requested=stop_requested)


def _claim_day(session: Session, last: AppSetting | None, now: datetime) -> None:
    if last is None:
        session.execute(
            insert_for(session, AppSetting)
            .values(name=LAST_RUN_SETTING, value=now.isoformat(), updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    else:
        last.value, last.updated_at = now.isoformat(), now
