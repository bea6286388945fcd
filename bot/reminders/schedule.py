"""Give planned deliveries their send instant, and expire what waited too long.

Planning speaks in local days; only here, per recipient, do days become UTC instants (their
zone, send hour, quiet hours and weekends). The planner inserts its rows with their instants
already (`bot/reminders/instants.py`); this step sets them on the rows that have none: those
of a recipient whose zone or quiet hours changed. One SELECT of the distinct (day, window)
pairs and one UPDATE joined to their instants, however many rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, select, update
from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset
from bot.models import Delivery, Person
from bot.reminders import instants
from bot.reminders.timing import SendWindow
from bot.vocab import DeliveryState, ReminderKind

WAITING = (DeliveryState.PENDING, DeliveryState.RETRY_WAIT)


def schedule(session: Session, *, now: datetime, ruleset: Ruleset) -> int:
    """Set due_at and expires_at on planned rows that have none yet."""
    unscheduled = and_(
        Delivery.state == DeliveryState.PENDING,
        Delivery.due_at.is_(None),
        Person.id == Delivery.recipient_id,
    )
    pairs = session.execute(
        select(Delivery.anchor_date, Delivery.offset_days, *instants.window_columns(Person))
        .where(unscheduled)
        .distinct()
    ).all()
    if not pairs:
        return 0
    instants.fill(
        session,
        (
            (anchor + timedelta(days=offset), (tz, start, end, bool(weekends)))
            for anchor, offset, tz, start, end, weekends in pairs
        ),
        now=now,
        ruleset=ruleset,
        label="schedule",
    )
    expires = case(
        {kind.value: instants.expires_column(kind) for kind in ReminderKind},
        value=Delivery.kind,
        else_=instants.expires_column(instants.OTHER),
    )
    day = instants.local_day(Delivery.anchor_date, Delivery.offset_days)
    result = session.execute(
        update(Delivery)
        .where(unscheduled, instants.matches(Person, day))
        .values(due_at=instants.SEND_INSTANT.c.due_at, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    return max(0, int(getattr(result, "rowcount", 0) or 0))


def window_of(person: Person) -> SendWindow:
    """When this person may be sent a DM: their zone (their own choice first), quiet hours and
    weekends."""
    return SendWindow(
        person.effective_tz,
        person.quiet_start_minute,
        person.quiet_end_minute,
        person.quiet_weekends,
    )


def expire(session: Session, *, now: datetime) -> int:
    """Mark waiting rows past their expiry as expired (counted, never silently dropped)."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.state.in_(WAITING), Delivery.expires_at < now)
        .values(state=DeliveryState.EXPIRED, updated_at=now)
    )
    return max(0, int(getattr(result, "rowcount", 0) or 0))
