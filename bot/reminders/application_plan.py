"""Plan a season's application reminders: the submission day, the interview check, the
rank-list deadline and SOAP readiness, on the ruleset calendar's dates.

One SELECT of candidate rows per kind and per season whose day falls in the sweep's window,
each one planning step as the kinds of `bot/reminders/owed.py` are (the calendar's seasons are a
handful, whatever the number of mentees). Each row is keyed by mentee, season and recipient, so
it is planned once; whether it is owed is `owed` (application_standing), read again when it is
sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, literal, select

from bot.assessment.ruleset import Ruleset
from bot.models import Mentee
from bot.outbox.keys import Key, Part
from bot.reminders.application_standing import owed, standing
from bot.reminders.keys import (
    few_interviews_key,
    rank_deadline_key,
    soap_ready_key,
    submission_day_key,
)
from bot.reminders.rows import Window, ledger_row, not_opted_out, recipients
from bot.vocab import MenteeStatus, ReminderKind

K = ReminderKind
KeyOf = Callable[[Part, Part, Part], Key]


@dataclass(frozen=True)
class Due:
    """One application reminder a season owes: its kind, its calendar day (the anchor) and
    the send day's offset from it."""

    kind: ReminderKind
    season: int
    anchor: date
    offset: int

    @property
    def day(self) -> date:
        return self.anchor + timedelta(days=self.offset)


# Who each kind goes to (the mentee, their mentors) and its key.
AUDIENCE: dict[ReminderKind, tuple[bool, bool, KeyOf]] = {
    K.SUBMISSION_DAY: (True, False, submission_day_key),
    K.FEW_INTERVIEWS: (False, True, few_interviews_key),
    K.RANK_DEADLINE: (True, False, rank_deadline_key),
    K.SOAP_READY: (True, True, soap_ready_key),
}


def season_days(ruleset: Ruleset, season: int) -> list[Due]:
    """The season's application reminders and their days, from the ruleset's calendar."""
    calendar, timing = ruleset.seasons, ruleset.reminders.applications
    dates = calendar.dates(season)
    return [
        Due(K.SUBMISSION_DAY, season, dates.submission_opens, 0),
        Due(K.FEW_INTERVIEWS, season, calendar.interview_check(season), 0),
        Due(K.RANK_DEADLINE, season, dates.rank_deadline, -timing.rank_list_days_before),
        Due(K.SOAP_READY, season, dates.match_week, -timing.soap_days_before),
    ]


def due_now(now: datetime, ruleset: Ruleset) -> list[Due]:
    """The application reminders whose send day falls in the sweep's window for their kind."""
    expiry = ruleset.reminders.expiry_days
    return [
        due
        for season in sorted(ruleset.calendar)
        for due in season_days(ruleset, season)
        if Window.around(now, expiry[due.kind] + 1).holds(due.day)
    ]


def application(due: Due, now: datetime, ruleset: Ruleset) -> Select[Any]:
    """The rows one application reminder owes: one per owed mentee and recipient."""
    to_mentee, to_mentors, key_of = AUDIENCE[due.kind]
    s = standing(due.season)
    rcpt = recipients(mentee=to_mentee, mentors=to_mentors)
    season = literal(due.season, Integer)
    key = key_of(s.c.mentee_id, due.season, rcpt.c.person_id)
    return (
        select(
            *ledger_row(
                key,
                due.kind,
                rcpt.c.person_id,
                s.c.mentee_id,
                None,
                season,
                due.anchor,
                due.offset,
                now,
            )
        )
        .select_from(s)
        .join(rcpt, rcpt.c.mentee_id == s.c.mentee_id)
        .join(Mentee, Mentee.id == s.c.mentee_id)
        .where(
            Mentee.status == MenteeStatus.ACTIVE,
            owed(due.kind, s, ruleset),
            not_opted_out(rcpt.c.person_id, due.kind),
        )
    )
