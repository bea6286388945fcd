"""What every planning statement shares: the ledger columns it fills, the local days it plans
for, the row it selects, who a mentee's reminders go to, and the opt-out check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, exists, literal, select, type_coerce, union_all
from sqlalchemy.sql.expression import ColumnElement

from bot.db.base import UTCDateTime
from bot.models import Mentee, MentorAssignment, ReminderOptOut
from bot.outbox.keys import Key
from bot.vocab import DeliveryState

COLUMNS = [
    "dedupe_key",
    "kind",
    "recipient_id",
    "mentee_id",
    "subject_id",
    "version",
    "event",
    "anchor_date",
    "offset_days",
    "state",
    "attempts",
    "created_at",
    "updated_at",
]


@dataclass(frozen=True)
class Window:
    """The local days a sweep plans for: back as far as a late reminder of the kind is still
    worth sending (its expiry: the catch-up window after downtime) to tomorrow (for zones
    ahead of UTC). Older ones would only be planned to be marked expired."""

    today: date
    lo: date
    hi: date

    @classmethod
    def around(cls, now: datetime, lookback_days: int) -> Window:
        today = now.date()
        return cls(today, today - timedelta(days=lookback_days), today + timedelta(days=1))

    def holds(self, day: date) -> bool:
        return self.lo <= day <= self.hi


def ledger_row(
    key: Key,
    kind: str,
    recipient: Any,
    mentee: Any,
    subject: Any,
    version: Any,
    anchor: Any,
    offset: Any,
    now: datetime,
    *,
    event: str | None = None,
) -> list[ColumnElement[Any]]:
    """The selected columns of one planned row, in COLUMNS' order."""
    stamp = literal(now, UTCDateTime())
    return [
        key.sql().label("dedupe_key"),
        literal(kind, String).label("kind"),
        recipient.label("recipient_id"),
        mentee.label("mentee_id"),
        (subject if subject is not None else literal(None, Integer)).label("subject_id"),
        (version if version is not None else literal(None, Integer)).label("version"),
        literal(event, String).label("event"),
        (literal(anchor, Date) if isinstance(anchor, date) else type_coerce(anchor, Date)).label(
            "anchor_date"
        ),
        (offset if not isinstance(offset, int) else literal(offset, Integer)).label("offset_days"),
        literal(DeliveryState.PENDING.value, String).label("state"),
        literal(0, Integer).label("attempts"),
        stamp.label("created_at"),
        stamp.label("updated_at"),
    ]


def recipients(*, mentee: bool, mentors: bool) -> Any:
    """(mentee_id, person_id) for the mentee themself and/or their active mentors."""
    own: Any = select(Mentee.id.label("mentee_id"), Mentee.person_id.label("person_id"))
    theirs: Any = select(
        MentorAssignment.mentee_id.label("mentee_id"),
        MentorAssignment.mentor_id.label("person_id"),
    ).where(MentorAssignment.until.is_(None))
    if mentee and mentors:
        return union_all(own, theirs).subquery("recipient")
    return (own if mentee else theirs).subquery("recipient")


def not_opted_out(person_id: Any, kind: str) -> ColumnElement[bool]:
    return ~exists().where(ReminderOptOut.person_id == person_id, ReminderOptOut.kind == kind)
