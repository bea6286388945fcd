"""Which status changes an application may make, and what each does to its dates.

The rules, as a mentor would say them:

- Forward, one step or several: planned → applied → interview invited → interviewed → ranked →
  matched or not matched. A jump (planned straight to interview invited, when nobody logged the
  submission) counts the steps between as reached, their dates unknown: the funnel counts them,
  and no date is made up.
- Withdrawn (the mentee withdrew, or dropped a planned programme) from any open status.
- Declined (the programme said no: a rejection, or an invitation taken back) once the
  application was sent and before the rank list: from applied, interview invited or
  interviewed. A planned one was never sent; a ranked one's answer is the Match.
- Matched, not matched, withdrawn and declined are final.
- Anything else (a step back, reopening a final status) is a correction: mentors and admins may
  make one, saying so; it is kept in the history as a correction, and it clears the dates of
  the steps it undoes. Mentees ask their mentor.

A change's date is the day it happened: not after tomorrow (the actor's day may be ahead of
UTC), within the season (1 January of the year before its Match to 31 December of its Match
year), and, except in a correction, not before the date of a step it follows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from bot.applications.vocab import CLOSED_EARLY, OUTCOMES, STAGES, ApplicationStatus
from bot.errors import AccessDenied, InvalidInput

S = ApplicationStatus
DATE_FIELDS = {
    S.APPLIED: "applied_on",
    S.INTERVIEW_INVITED: "invited_on",
    S.INTERVIEWED: "interviewed_on",
    S.RANKED: "ranked_on",
    S.MATCHED: "outcome_on",
    S.NOT_MATCHED: "outcome_on",
    S.WITHDRAWN: "closed_on",
    S.DECLINED: "closed_on",
}
DECLINABLE = (S.APPLIED, S.INTERVIEW_INVITED, S.INTERVIEWED)


@dataclass(frozen=True)
class Progress:
    """Where one application stands: its status, the furthest open step it reached (kept when
    it is withdrawn or declined, so the funnel still counts an interview that happened), and
    the day of each step (None: not reached, or reached on a day nobody gave)."""

    status: ApplicationStatus = S.PLANNED
    furthest: ApplicationStatus = S.PLANNED
    applied_on: date | None = None
    invited_on: date | None = None
    interviewed_on: date | None = None
    ranked_on: date | None = None
    outcome_on: date | None = None
    closed_on: date | None = None

    def day_of(self, status: ApplicationStatus) -> date | None:
        field = DATE_FIELDS.get(status)
        return getattr(self, field) if field else None


@dataclass(frozen=True)
class Change:
    """A requested change, with who asks (a mentee may not correct) and the programme's name
    for the messages."""

    programme: str
    to: ApplicationStatus
    on: date
    season: int
    today: date
    correction: bool = False
    may_correct: bool = False


def refusal(change: Change, current: ApplicationStatus, why: str) -> InvalidInput:
    return InvalidInput.single(
        "status",
        f"{change.programme}: cannot go from {current.label} to {change.to.label} ({why})",
    )


def apply_change(progress: Progress, change: Change) -> Progress:
    """The application after the change, or a refusal that names the programme and both
    statuses. The caller checks first that the status differs (an unchanged one is no change)."""
    if change.correction and not change.may_correct:
        raise AccessDenied(
            f"{change.programme}: only a mentor or an admin can correct a status "
            f"(from {progress.status.label} to {change.to.label}); ask your mentor"
        )
    _check_day(progress, change)
    if change.correction:
        return _corrected(progress, change)
    current, to = progress.status, change.to
    if not current.is_open:
        raise refusal(change, current, f"{current.label} is final; a mentor can correct it")
    if to is S.WITHDRAWN:
        return replace(progress, status=to, closed_on=change.on)
    if to is S.DECLINED:
        if current not in DECLINABLE:
            why = (
                "it was never sent"
                if current is S.PLANNED
                else "a ranked programme's answer is the Match: matched or not matched"
            )
            raise refusal(change, current, why)
        return replace(progress, status=to, closed_on=change.on)
    if to.stage <= current.stage:
        raise refusal(change, current, "a step back; a mentor can correct it")
    return _forward(progress, to, change.on)


def _forward(progress: Progress, to: ApplicationStatus, on: date) -> Progress:
    furthest = to if to.is_open else S.RANKED
    if furthest.stage < progress.furthest.stage:
        furthest = progress.furthest
    return replace(progress, status=to, furthest=furthest, **{DATE_FIELDS[to]: on})


def _corrected(progress: Progress, change: Change) -> Progress:
    to = change.to
    if to in CLOSED_EARLY:
        # How far it got stands; only how it ended changes.
        return replace(progress, status=to, outcome_on=None, closed_on=change.on)
    furthest = to if to.is_open else S.RANKED
    undone: dict[str, Any] = {
        DATE_FIELDS[s]: None for s in (*STAGES, *OUTCOMES) if s.stage > to.stage
    }
    kept = replace(progress, **undone, closed_on=None)
    dated = {DATE_FIELDS[to]: change.on} if to in DATE_FIELDS else {}
    return replace(kept, status=to, furthest=furthest, **dated)


def _check_day(progress: Progress, change: Change) -> None:
    on = change.on
    if on > change.today + timedelta(days=1):
        raise InvalidInput.single("on", f"{change.programme}: {on} is in the future")
    first, last = date(change.season - 1, 1, 1), date(change.season, 12, 31)
    if not first <= on <= last:
        raise InvalidInput.single(
            "on",
            f"{change.programme}: {on} is outside the {change.season} season ({first} to {last})",
        )
    if change.correction:
        return
    earlier = [
        (s, d)
        for s in (*STAGES, *OUTCOMES)
        if (d := progress.day_of(s)) is not None
        and (s.stage < change.to.stage or change.to in CLOSED_EARLY)
    ]
    late = [(s, d) for s, d in earlier if d > on]
    if late:
        step, day = max(late, key=lambda item: item[1])
        raise InvalidInput.single(
            "on",
            f"{change.programme}: {change.to.label} on {on} is before {step.label} on {day}",
        )
