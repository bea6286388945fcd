"""Plan: one set-based INSERT … SELECT … ON CONFLICT DO NOTHING per reminder kind and stage.

Every row's dedupe key comes from its business event (milestone + due version + stage +
recipient, mentee + next check-in date + stage, flag, season event, digest week), so planning
the same thing twice, or on two instances at once, inserts it once. The number of statements
does not depend on the number of mentees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    exists,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from bot.assessment.ruleset import Ruleset
from bot.db.base import UTCDateTime
from bot.db.upsert import insert_for
from bot.models import (
    Delivery,
    Flag,
    Mentee,
    MentorAssignment,
    Milestone,
    Person,
    ReminderOptOut,
)
from bot.reminders.sqldates import add_days, as_text, days_between, utc_date
from bot.vocab import DeliveryState, FlagState, MenteeStatus, MilestoneStatus, ReminderKind

COLUMNS = [
    "dedupe_key",
    "kind",
    "recipient_id",
    "mentee_id",
    "subject_id",
    "version",
    "anchor_date",
    "offset_days",
    "state",
    "attempts",
    "created_at",
    "updated_at",
]
K = ReminderKind


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


def plan(session: Session, *, now: datetime, ruleset: Ruleset) -> dict[str, int]:
    """Insert every delivery now owed; returns how many rows each kind added."""
    r = ruleset.reminders
    added: dict[str, int] = {}

    def window_for(kind: ReminderKind) -> Window:
        return Window.around(now, r.expiry_days[kind] + 1)

    def run(label: str, query: Select[Any]) -> None:
        added[label] = added.get(label, 0) + _insert(session, query)

    window = window_for(K.MILESTONE_DUE)
    for stage in (r.lead_days, 0):
        run(K.MILESTONE_DUE, _milestone_due(window, now, stage))
    run(K.MILESTONE_OVERDUE, _milestone_overdue(window, now, r.overdue_every_days))
    due = _checkpoint_dates(now)
    window = window_for(K.CHECKPOINT_DUE)
    for stage in (r.lead_days, 0):
        run(K.CHECKPOINT_DUE, _checkpoint_due(due, window, now, stage))
    run(K.CHECKPOINT_OVERDUE, _checkpoint_overdue(due, window, now, r.overdue_every_days))
    # Admins are few: read them first, so escalation joins a short list, not every person.
    admins = list(session.scalars(select(Person.id).where(Person.is_admin.is_(True))))
    if admins:
        run(
            K.CHECKPOINT_OVERDUE,
            _checkpoint_escalation(
                due, window, now, r.overdue_every_days, r.escalate_to_admins_after_days, admins
            ),
        )
    window = window_for(K.SEASON)
    for season, event, day in _season_events(ruleset, window):
        run(K.SEASON, _season(window, now, season, event, day))
    run(K.FLAG_RAISED, _flags_raised(window, now, ruleset))
    window = Window.around(now, 7)  # the latest digest day of the past week
    for day in _digest_days(window, r.digest_weekday):
        run(K.MENTOR_DIGEST, _digest(window, now, day))
    return added


def _insert(session: Session, query: Select[Any]) -> int:
    statement = (
        insert_for(session, Delivery)
        .from_select(COLUMNS, query)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Delivery.id)
    )
    return len(session.execute(statement).all())


def _key(*parts: Any) -> ColumnElement[str]:
    expr: ColumnElement[str] = literal("", String)
    for part in parts:
        expr = expr + (literal(str(part), String) if isinstance(part, str | int) else as_text(part))
    return expr


def _row(
    key: ColumnElement[str],
    kind: str,
    recipient: Any,
    mentee: Any,
    subject: Any,
    version: Any,
    anchor: Any,
    offset: Any,
    now: datetime,
) -> list[ColumnElement[Any]]:
    stamp = literal(now, UTCDateTime())
    return [
        key.label("dedupe_key"),
        literal(kind, String).label("kind"),
        recipient.label("recipient_id"),
        mentee.label("mentee_id"),
        (subject if subject is not None else literal(None, Integer)).label("subject_id"),
        (version if version is not None else literal(None, Integer)).label("version"),
        (literal(anchor, Date) if isinstance(anchor, date) else type_coerce(anchor, Date)).label(
            "anchor_date"
        ),
        (offset if not isinstance(offset, int) else literal(offset, Integer)).label("offset_days"),
        literal(DeliveryState.PENDING.value, String).label("state"),
        literal(0, Integer).label("attempts"),
        stamp.label("created_at"),
        stamp.label("updated_at"),
    ]


def _recipients(*, mentee: bool, mentors: bool) -> Any:
    """(mentee_id, person_id) for the mentee themself and/or their active mentors."""
    own: Any = select(Mentee.id.label("mentee_id"), Mentee.person_id.label("person_id"))
    theirs: Any = select(
        MentorAssignment.mentee_id.label("mentee_id"),
        MentorAssignment.mentor_id.label("person_id"),
    ).where(MentorAssignment.until.is_(None))
    if mentee and mentors:
        return union_all(own, theirs).subquery("recipient")
    return (own if mentee else theirs).subquery("recipient")


def _not_opted_out(person_id: Any, kind: str) -> ColumnElement[bool]:
    return ~exists().where(ReminderOptOut.person_id == person_id, ReminderOptOut.kind == kind)


# -- milestones -----------------------------------------------------------------------------


def _milestone_due(window: Window, now: datetime, lead: int) -> Select[Any]:
    rcpt = _recipients(mentee=True, mentors=False)
    key = _key("ms:", Milestone.id, ":v", Milestone.due_version, f":due{lead}:p", rcpt.c.person_id)
    return (
        select(
            *_row(
                key,
                K.MILESTONE_DUE,
                rcpt.c.person_id,
                Mentee.id,
                Milestone.id,
                Milestone.due_version,
                Milestone.due_on,
                -lead,
                now,
            )
        )
        .join(Mentee, Mentee.id == Milestone.mentee_id)
        .join(rcpt, rcpt.c.mentee_id == Mentee.id)
        .where(
            Milestone.status == MilestoneStatus.OPEN,
            Mentee.status == MenteeStatus.ACTIVE,
            Milestone.due_on.between(
                window.lo + timedelta(days=lead), window.hi + timedelta(days=lead)
            ),
            # A milestone added after its "a week before" day never owed that reminder.
            utc_date(Milestone.created_at) <= add_days(Milestone.due_on, -lead),
            _not_opted_out(rcpt.c.person_id, K.MILESTONE_DUE),
        )
    )


def _milestone_overdue(window: Window, now: datetime, every: int) -> Select[Any]:
    rcpt = _recipients(mentee=True, mentors=True)
    weeks = days_between(literal(window.today, Date), Milestone.due_on) // every
    key = _key(
        "ms:", Milestone.id, ":v", Milestone.due_version, ":over", weeks, ":p", rcpt.c.person_id
    )
    return (
        select(
            *_row(
                key,
                K.MILESTONE_OVERDUE,
                rcpt.c.person_id,
                Mentee.id,
                Milestone.id,
                Milestone.due_version,
                Milestone.due_on,
                weeks * every,
                now,
            )
        )
        .join(Mentee, Mentee.id == Milestone.mentee_id)
        .join(rcpt, rcpt.c.mentee_id == Mentee.id)
        .where(
            Milestone.status == MilestoneStatus.OPEN,
            Mentee.status == MenteeStatus.ACTIVE,
            Milestone.due_on <= window.today - timedelta(days=every),
            _not_opted_out(rcpt.c.person_id, K.MILESTONE_OVERDUE),
        )
    )


# -- checkpoints (STAG-CHECKPOINT) ------------------------------------------------------------


def _checkpoint_dates(now: datetime) -> Any:
    """Each active mentee's next check-in date (kept on the mentee: an index range scan)."""
    return (
        select(Mentee.id.label("mentee_id"), Mentee.checkpoint_due_on.label("due_on"))
        .where(Mentee.status == MenteeStatus.ACTIVE, Mentee.checkpoint_due_on.is_not(None))
        .subquery("checkpoint")
    )


def _checkpoint_due(due: Any, window: Window, now: datetime, lead: int) -> Select[Any]:
    rcpt = _recipients(mentee=True, mentors=True)
    key = _key("cp:", due.c.mentee_id, ":", due.c.due_on, f":due{lead}:p", rcpt.c.person_id)
    return (
        select(
            *_row(
                key,
                K.CHECKPOINT_DUE,
                rcpt.c.person_id,
                due.c.mentee_id,
                None,
                None,
                due.c.due_on,
                -lead,
                now,
            )
        )
        .join(rcpt, rcpt.c.mentee_id == due.c.mentee_id)
        .where(
            due.c.due_on.between(
                window.lo + timedelta(days=lead), window.hi + timedelta(days=lead)
            ),
            _not_opted_out(rcpt.c.person_id, K.CHECKPOINT_DUE),
        )
    )


def _checkpoint_overdue(due: Any, window: Window, now: datetime, every: int) -> Select[Any]:
    rcpt = _recipients(mentee=False, mentors=True)
    weeks = days_between(literal(window.today, Date), due.c.due_on) // every
    key = _key("cp:", due.c.mentee_id, ":", due.c.due_on, ":over", weeks, ":p", rcpt.c.person_id)
    return (
        select(
            *_row(
                key,
                K.CHECKPOINT_OVERDUE,
                rcpt.c.person_id,
                due.c.mentee_id,
                None,
                None,
                due.c.due_on,
                weeks * every,
                now,
            )
        )
        .join(rcpt, rcpt.c.mentee_id == due.c.mentee_id)
        .where(
            due.c.due_on <= window.today - timedelta(days=every),
            _not_opted_out(rcpt.c.person_id, K.CHECKPOINT_OVERDUE),
        )
    )


def _checkpoint_escalation(
    due: Any, window: Window, now: datetime, every: int, after: int, admins: list[int]
) -> Select[Any]:
    weeks = days_between(literal(window.today, Date), due.c.due_on) // every
    key = _key("cp:", due.c.mentee_id, ":", due.c.due_on, ":admin", weeks, ":p", Person.id)
    return (
        select(
            *_row(
                key,
                K.CHECKPOINT_OVERDUE,
                Person.id,
                due.c.mentee_id,
                None,
                None,
                due.c.due_on,
                weeks * every,
                now,
            )
        )
        .join(Person, Person.id.in_(admins))
        .where(
            due.c.due_on <= window.today - timedelta(days=after),
            _not_opted_out(Person.id, K.CHECKPOINT_OVERDUE),
        )
    )


# -- season events, flags, digests ----------------------------------------------------------


def _season_events(ruleset: Ruleset, window: Window) -> list[tuple[int, str, date]]:
    events: list[tuple[int, str, date]] = []
    for season, dates in ruleset.calendar.items():
        for event in ruleset.reminders.season_events:
            day: date = getattr(dates, event)
            if window.lo <= day <= window.hi:
                events.append((season, event, day))
    return events


def _season(window: Window, now: datetime, season: int, event: str, day: date) -> Select[Any]:
    key = _key(f"season:{season}:{event}:p", Mentee.person_id)
    return select(
        *_row(
            key, K.SEASON, Mentee.person_id, Mentee.id, None, literal(season, Integer), day, 0, now
        )
    ).where(
        Mentee.status == MenteeStatus.ACTIVE,
        as_text(Mentee.targets) != "[]",
        _not_opted_out(Mentee.person_id, K.SEASON),
    )


def _flags_raised(window: Window, now: datetime, ruleset: Ruleset) -> Select[Any]:
    rcpt = _recipients(mentee=True, mentors=True)
    fresh = now - timedelta(days=ruleset.reminders.expiry_days[K.FLAG_RAISED])
    key = _key("flag:", Flag.id, ":p", rcpt.c.person_id)
    return (
        select(
            *_row(
                key,
                K.FLAG_RAISED,
                rcpt.c.person_id,
                Flag.mentee_id,
                Flag.id,
                None,
                utc_date(Flag.raised_at),
                0,
                now,
            )
        )
        .join(Mentee, Mentee.id == Flag.mentee_id)
        .join(rcpt, rcpt.c.mentee_id == Flag.mentee_id)
        .where(
            Flag.state == FlagState.OPEN,
            Flag.raised_at >= fresh,
            Mentee.status == MenteeStatus.ACTIVE,
            _not_opted_out(rcpt.c.person_id, K.FLAG_RAISED),
        )
    )


def _digest_days(window: Window, weekday: int) -> list[date]:
    days = (window.hi - window.lo).days + 1
    # Only the latest digest day in the window: an older one was superseded by it.
    candidates = [window.lo + timedelta(days=i) for i in range(days)]
    matching = [d for d in candidates if d.weekday() == weekday]
    return matching[-1:]


def _digest(window: Window, now: datetime, day: date) -> Select[Any]:
    mentors = (
        select(MentorAssignment.mentor_id.label("person_id"))
        .join(Mentee, Mentee.id == MentorAssignment.mentee_id)
        .where(MentorAssignment.until.is_(None), Mentee.status == MenteeStatus.ACTIVE)
        .distinct()
        .subquery("mentor")
    )
    key = _key(f"digest:{day.isoformat()}:p", mentors.c.person_id)
    return select(
        *_row(
            key,
            K.MENTOR_DIGEST,
            mentors.c.person_id,
            literal(None, Integer),
            None,
            None,
            day,
            0,
            now,
        )
    ).where(_not_opted_out(mentors.c.person_id, K.MENTOR_DIGEST))
