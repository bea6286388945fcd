"""What each kind of reminder owes: one set-based SELECT of candidate ledger rows per kind
and stage (`bot/reminders/planner.py` inserts them, each with its send instants).

Every row's dedupe key comes from its business event (milestone + due version + stage +
recipient, mentee + next check-in date + stage, flag, season event, digest week), so planning
the same thing twice, or on two instances at once, inserts it once. The number of statements
does not depend on the number of mentees. A season's application reminders are in
`bot/reminders/application_plan.py`, the rows' common parts in `bot/reminders/rows.py`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, Select, exists, literal, select
from sqlalchemy.sql.expression import ColumnElement

from bot.applications.models import Application
from bot.assessment.ruleset import Ruleset
from bot.db.sqldates import add_days, as_text, days_between, utc_date
from bot.models import Flag, Mentee, MentorAssignment, Milestone, Person
from bot.reminders.keys import (
    checkpoint_due_key,
    checkpoint_overdue_key,
    flag_raised_key,
    mentor_digest_key,
    milestone_due_key,
    milestone_overdue_key,
    season_key,
)
from bot.reminders.rows import Window, ledger_row, not_opted_out, recipients
from bot.vocab import FlagState, MenteeStatus, MilestoneStatus, ReminderKind

K = ReminderKind


# -- milestones -----------------------------------------------------------------------------


def milestone_due(window: Window, now: datetime, lead: int) -> Select[Any]:
    rcpt = recipients(mentee=True, mentors=False)
    key = milestone_due_key(Milestone.id, Milestone.due_version, lead, rcpt.c.person_id)
    return (
        select(
            *ledger_row(
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
            not_opted_out(rcpt.c.person_id, K.MILESTONE_DUE),
        )
    )


def milestone_overdue(window: Window, now: datetime, every: int) -> Select[Any]:
    rcpt = recipients(mentee=True, mentors=True)
    weeks = days_between(literal(window.today, Date), Milestone.due_on) // every
    key = milestone_overdue_key(Milestone.id, Milestone.due_version, weeks, rcpt.c.person_id)
    return (
        select(
            *ledger_row(
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
            not_opted_out(rcpt.c.person_id, K.MILESTONE_OVERDUE),
        )
    )


# -- checkpoints (STAG-CHECKPOINT) ------------------------------------------------------------


def checkpoint_dates(now: datetime) -> Any:
    """Each active mentee's next check-in date (kept on the mentee: an index range scan)."""
    return (
        select(Mentee.id.label("mentee_id"), Mentee.checkpoint_due_on.label("due_on"))
        .where(Mentee.status == MenteeStatus.ACTIVE, Mentee.checkpoint_due_on.is_not(None))
        .subquery("checkpoint")
    )


def checkpoint_due(due: Any, window: Window, now: datetime, lead: int) -> Select[Any]:
    rcpt = recipients(mentee=True, mentors=True)
    key = checkpoint_due_key(due.c.mentee_id, due.c.due_on, lead, rcpt.c.person_id)
    return (
        select(
            *ledger_row(
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
            not_opted_out(rcpt.c.person_id, K.CHECKPOINT_DUE),
        )
    )


def checkpoint_overdue(due: Any, window: Window, now: datetime, every: int) -> Select[Any]:
    rcpt = recipients(mentee=False, mentors=True)
    weeks = days_between(literal(window.today, Date), due.c.due_on) // every
    key = checkpoint_overdue_key(due.c.mentee_id, due.c.due_on, weeks, rcpt.c.person_id, to="over")
    return (
        select(
            *ledger_row(
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
            not_opted_out(rcpt.c.person_id, K.CHECKPOINT_OVERDUE),
        )
    )


def checkpoint_escalation(
    due: Any, window: Window, now: datetime, every: int, after: int, admins: list[int]
) -> Select[Any]:
    weeks = days_between(literal(window.today, Date), due.c.due_on) // every
    key = checkpoint_overdue_key(due.c.mentee_id, due.c.due_on, weeks, Person.id, to="admin")
    return (
        select(
            *ledger_row(
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
            not_opted_out(Person.id, K.CHECKPOINT_OVERDUE),
        )
    )


# -- season events, flags, digests ----------------------------------------------------------


def season_events(ruleset: Ruleset, window: Window) -> list[tuple[int, str, date]]:
    events: list[tuple[int, str, date]] = []
    for season, dates in ruleset.calendar.items():
        for event in ruleset.reminders.season_events:
            day: date = getattr(dates, event)
            if window.lo <= day <= window.hi:
                events.append((season, event, day))
    return events


def season(window: Window, now: datetime, season: int, event: str, day: date) -> Select[Any]:
    key = season_key(season, event, Mentee.person_id)
    query = select(
        *ledger_row(
            key,
            K.SEASON,
            Mentee.person_id,
            Mentee.id,
            None,
            literal(season, Integer),
            day,
            0,
            now,
            event=event,
        )
    ).where(
        Mentee.status == MenteeStatus.ACTIVE,
        as_text(Mentee.targets) != "[]",
        not_opted_out(Mentee.person_id, K.SEASON),
    )
    if event == "submission_opens":
        query = query.where(~_told_by_submission_day(season))
    return query


def _told_by_submission_day(season: int) -> ColumnElement[bool]:
    """A mentee with a list for the season hears on its submission day from the submission-day
    reminder instead (their programmes not sent yet), unless they opted out of that one."""
    has_list = exists().where(Application.mentee_id == Mentee.id, Application.season == season)
    return has_list & not_opted_out(Mentee.person_id, K.SUBMISSION_DAY)


def flags_raised(window: Window, now: datetime, ruleset: Ruleset) -> Select[Any]:
    rcpt = recipients(mentee=True, mentors=True)
    fresh = now - timedelta(days=ruleset.reminders.expiry_days[K.FLAG_RAISED])
    key = flag_raised_key(Flag.id, rcpt.c.person_id)
    return (
        select(
            *ledger_row(
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
            not_opted_out(rcpt.c.person_id, K.FLAG_RAISED),
        )
    )


def digest_days(window: Window, weekday: int) -> list[date]:
    days = (window.hi - window.lo).days + 1
    # Only the latest digest day in the window: an older one was superseded by it.
    candidates = [window.lo + timedelta(days=i) for i in range(days)]
    matching = [d for d in candidates if d.weekday() == weekday]
    return matching[-1:]


def digest(window: Window, now: datetime, day: date) -> Select[Any]:
    mentors = (
        select(MentorAssignment.mentor_id.label("person_id"))
        .join(Mentee, Mentee.id == MentorAssignment.mentee_id)
        .where(MentorAssignment.until.is_(None), Mentee.status == MenteeStatus.ACTIVE)
        .distinct()
        .subquery("mentor")
    )
    key = mentor_digest_key(day, mentors.c.person_id)
    return select(
        *ledger_row(
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
    ).where(not_opted_out(mentors.c.person_id, K.MENTOR_DIGEST))
