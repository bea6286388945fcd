"""Give planned deliveries their send instant, and expire what waited too long.

Planning speaks in local days; only here, per recipient, do days become UTC instants (their
zone, send hour, quiet hours and weekends). One SELECT and one bulk UPDATE per sweep.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset
from bot.models import Delivery, Person
from bot.reminders.timing import SendWindow, next_allowed, send_instant
from bot.vocab import DeliveryState

WAITING = (DeliveryState.PENDING, DeliveryState.RETRY_WAIT)
DEFAULT_EXPIRY_DAYS = 3  # kinds outside the reminder table (dashboard posts) keep their own


def schedule(session: Session, *, now: datetime, ruleset: Ruleset) -> int:
    """Set due_at and expires_at on planned rows that have none yet."""
    rules = ruleset.reminders
    send_minute = rules.send_hour * 60
    expiry = {str(kind): timedelta(days=days) for kind, days in rules.expiry_days.items()}
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.kind,
            Delivery.anchor_date,
            Delivery.offset_days,
            Person.tz_override,
            Person.tz,
            Person.quiet_start_minute,
            Person.quiet_end_minute,
            Person.quiet_weekends,
        )
        .join(Person, Person.id == Delivery.recipient_id)
        .where(Delivery.state == DeliveryState.PENDING, Delivery.due_at.is_(None))
    ).all()
    # Many rows share a day and a window (same zone, same quiet hours): compute each once.
    instants: dict[tuple[date, SendWindow], datetime] = {}
    changes = []
    for delivery_id, kind, anchor, offset, override, tz, start, end, weekends in rows:
        window = SendWindow(override or tz or "UTC", start, end, weekends)
        day = anchor + timedelta(days=offset)
        planned = instants.get((day, window))
        if planned is None:
            planned = instants[(day, window)] = send_instant(day, window, send_minute)
        expires = planned + expiry.get(kind, timedelta(days=DEFAULT_EXPIRY_DAYS))
        due = planned if planned >= now else next_allowed(now, window, send_minute)
        changes.append({"id": delivery_id, "due_at": due, "expires_at": expires})
    if changes:
        session.execute(update(Delivery), changes)
    return len(changes)


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


def reschedule_person(session: Session, *, person_id: int) -> None:
    """A changed zone or quiet hours: waiting rows get their instants again next sweep."""
    session.execute(
        update(Delivery)
        .where(Delivery.recipient_id == person_id, Delivery.state == DeliveryState.PENDING)
        .values(due_at=None)
    )
