"""The ledger's bookkeeping, statement by statement: plan rows, claim them with a lease, renew
the lease, record what happened fenced on the claim, cancel, hold, hand back.

Every change to a claimed row is fenced on its claim token and state, so an instance that lost
its claim (its lease ran out and the reaper took the row) changes nothing. Callers own the
transactions; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Selectable

from bot.db.upsert import insert_for
from bot.models import Delivery
from bot.outbox.courier import Result
from bot.outbox.outcomes import (
    Cancelled,
    Permanent,
    PostTarget,
    RetryLater,
    Sent,
    Uncertain,
    WorkspaceDown,
)
from bot.vocab import DeliveryKind, DeliveryState

CLAIMED = DeliveryState.CLAIMED


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    dedupe_key: str
    kind: DeliveryKind


# -- planning ---------------------------------------------------------------------------------


def plan_rows(session: Session, columns: Sequence[str], query: Selectable) -> int:
    """INSERT … SELECT, skipping every row whose dedupe key is planned already; returns how
    many were added. One statement however many rows."""
    statement = (
        insert_for(session, Delivery)
        .from_select(list(columns), query)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .execution_options(preserve_rowcount=True)
    )
    result = session.execute(statement)
    return max(0, int(getattr(result, "rowcount", 0) or 0))


def plan_row(session: Session, **values: Any) -> bool:
    """One row, unless its dedupe key is planned already; whether it was added."""
    statement = (
        insert_for(session, Delivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Delivery.id)
    )
    return session.execute(statement).first() is not None


# -- claiming ---------------------------------------------------------------------------------


def claim(
    session: Session,
    *,
    token: str,
    kinds: Sequence[DeliveryKind],
    now: datetime,
    limit: int,
    lease_seconds: float,
) -> list[Claim]:
    """Due rows of these kinds, claimed under `token` with a lease. Rows another transaction
    holds are skipped (PostgreSQL); on SQLite the write transaction is the lock."""
    ready = or_(
        (Delivery.state == DeliveryState.PENDING) & (Delivery.due_at <= now),
        (Delivery.state == DeliveryState.RETRY_WAIT) & (Delivery.next_attempt_at <= now),
    )
    due = (
        select(Delivery.id)
        .where(
            ready,
            Delivery.kind.in_(kinds),
            or_(Delivery.expires_at.is_(None), Delivery.expires_at > now),
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(
            state=CLAIMED,
            claim_token=token,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .returning(Delivery.id, Delivery.dedupe_key, Delivery.kind)
    ).all()
    return [Claim(id=i, token=token, dedupe_key=k, kind=kind) for i, k, kind in sorted(rows)]


def held(session: Session, claims: Sequence[Claim]) -> set[int]:
    """The ids of these claims still held (locked until the transaction ends)."""
    if not claims:
        return set()
    return set(
        session.scalars(
            select(Delivery.id)
            .where(
                Delivery.id.in_([c.id for c in claims]),
                Delivery.claim_token == claims[0].token,
                Delivery.state == CLAIMED,
            )
            .with_for_update()
        )
    )


def renew(
    session: Session,
    claims: Sequence[Claim],
    *,
    now: datetime,
    lease_seconds: float,
    targets: dict[int, PostTarget] | None = None,
) -> set[int]:
    """Renew the leases of the claims still held; with `targets`, also store where each row is
    about to be posted. Returns the ids still held."""
    keep = held(session, claims)
    if not keep:
        return keep
    lease = now + timedelta(seconds=lease_seconds)
    if not targets:
        session.execute(update(Delivery).where(Delivery.id.in_(keep)).values(lease_until=lease))
        return keep
    params = [
        {
            "b_id": c.id,
            "b_channel": targets[c.id].channel if c.id in targets else None,
            "b_thread": targets[c.id].thread_ts if c.id in targets else None,
        }
        for c in claims
        if c.id in keep
    ]
    # One statement, many parameter sets (Core, not the ORM's bulk update): a target only
    # overwrites when there is one.
    session.connection().execute(
        update(Delivery.__table__)  # type: ignore[arg-type]
        .where(Delivery.__table__.c.id == bindparam("b_id"))
        .values(
            lease_until=lease,
            channel_id=func.coalesce(bindparam("b_channel", type_=String), Delivery.channel_id),
            thread_ts=func.coalesce(bindparam("b_thread", type_=String), Delivery.thread_ts),
        ),
        params,
    )
    return keep


# -- outcomes ---------------------------------------------------------------------------------


def record(session: Session, results: Iterable[tuple[Claim, Result]], *, now: datetime) -> set[int]:
    """Record each result on its row while its claim holds; returns the ids recorded."""
    pairs = list(results)
    keep = held(session, [c for c, _ in pairs])
    for claim_, result in pairs:
        if claim_.id in keep:
            session.execute(
                update(Delivery)
                .where(Delivery.id == claim_.id)
                .values(**outcome_values(result, now))
                .execution_options(synchronize_session=False)
            )
    return keep


def outcome_values(result: Result, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {
        "updated_at": now,
        "claim_token": None,  # a lease token column, not a password  # nosec B105
        "lease_until": None,
    }
    match result:
        case Sent():
            values.update(
                state=DeliveryState.SENT,
                channel_id=result.channel,
                message_ts=result.ts,
                last_error=None,
            )
        case RetryLater():
            values.update(
                state=DeliveryState.RETRY_WAIT,
                last_error=result.reason[:200],
                next_attempt_at=now + timedelta(seconds=result.after_seconds),
            )
        case Uncertain():  # where it may have landed was stored before the post
            values.update(state=DeliveryState.UNKNOWN, last_error=result.reason[:200])
        case Permanent():
            values.update(state=DeliveryState.FAILED, last_error=result.error[:200])
        case WorkspaceDown():
            # Not attempted in any useful sense: back to the queue, and stop everything.
            values.update(
                state=DeliveryState.PENDING,
                last_error=result.error[:200],
                attempts=Delivery.attempts - 1,
            )
        case Cancelled():
            values.update(
                state=DeliveryState.CANCELLED,
                last_error=result.reason[:200] if result.reason else None,
            )
    return values


def hold(
    session: Session,
    claim_: Claim,
    *,
    until: datetime,
    expires_at: datetime | None,
    now: datetime,
) -> bool:
    """Back to the queue until `until`, not counted as an attempt; or expired when that is past
    the row's expiry. Returns whether it expired."""
    expired = expires_at is not None and until >= expires_at
    values: dict[str, object] = (
        {"state": DeliveryState.EXPIRED}
        if expired
        else {"state": DeliveryState.PENDING, "due_at": until}
    )
    _fenced(session, claim_, attempts=Delivery.attempts - 1, updated_at=now, **values)
    return expired


def later(session: Session, claim_: Claim, *, seconds: float, now: datetime) -> None:
    """Not sent this time, and counted as an attempt: due again in `seconds`."""
    _fenced(
        session,
        claim_,
        state=DeliveryState.RETRY_WAIT,
        next_attempt_at=now + timedelta(seconds=seconds),
        updated_at=now,
    )


def cancel(session: Session, claim_: Claim, *, reason: str | None, now: datetime) -> None:
    _fenced(session, claim_, **outcome_values(Cancelled(reason), now))


def put_back(session: Session, claims: Sequence[Claim], *, reason: str, now: datetime) -> int:
    """Unsent claims back to the queue at once, not counted as attempts."""
    if not claims:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_([c.id for c in claims]),
            Delivery.claim_token == claims[0].token,
            Delivery.state == CLAIMED,
        )
        .values(
            state=DeliveryState.RETRY_WAIT,
            next_attempt_at=now,
            claim_token=None,
            lease_until=None,
            attempts=Delivery.attempts - 1,
            last_error=f"put back: {reason}"[:200],
            updated_at=now,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def reschedule_recipient(session: Session, *, person_id: int) -> None:
    """A changed zone or quiet hours: this person's waiting rows get their instants again at the
    next sweep (claimed rows keep theirs: they are being sent)."""
    session.execute(
        update(Delivery)
        .where(Delivery.recipient_id == person_id, Delivery.state == DeliveryState.PENDING)
        .values(due_at=None)
    )


def _fenced(session: Session, claim_: Claim, **values: Any) -> None:
    values.setdefault("claim_token", None)
    values.setdefault("lease_until", None)
    session.execute(
        update(Delivery)
        .where(
            Delivery.id == claim_.id,
            Delivery.claim_token == claim_.token,
            Delivery.state == CLAIMED,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
