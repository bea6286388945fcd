"""Where a mentee's season stands, as a season's application reminders read it, and when each
of them is owed: one definition in SQL, used both to plan a reminder (for every mentee in one
statement) and to check at send time that it is still owed (for one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, func, literal, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from bot.applications.funnel import reached
from bot.applications.models import Application
from bot.applications.vocab import ApplicationStatus
from bot.assessment.ruleset import Ruleset
from bot.models import ApplicationCycle
from bot.vocab import ReminderKind

S = ApplicationStatus
K = ReminderKind
APPLICATION_KINDS = (K.SUBMISSION_DAY, K.FEW_INTERVIEWS, K.RANK_DEADLINE, K.SOAP_READY)


@dataclass(frozen=True)
class Standing:
    planned: int  # on the list, not sent
    sent: int  # applied, or further
    invited: int  # interview invitations, from the applications
    unranked: int  # invited or interviewed, not on the rank list yet
    ranked: int
    matched: int
    logged_interviews: int  # the season's interviews as logged by hand (0 when none)

    @property
    def invitations(self) -> int:
        """The real count: a count logged by hand may include programmes off the list."""
        return max(self.invited, self.logged_interviews)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(sql_case((condition, 1), else_=0))


def standing(season: int, mentee_id: int | None = None) -> Any:
    """Each mentee with applications for the season (or the one given), and where they stand
    (a subquery)."""
    one = Application.mentee_id == mentee_id if mentee_id is not None else true()
    apps = (
        select(
            Application.mentee_id.label("mentee_id"),
            _count(Application.status == S.PLANNED).label("planned"),
            func.sum(reached(S.APPLIED)).label("sent"),
            func.sum(reached(S.INTERVIEW_INVITED)).label("invited"),
            _count(Application.status.in_([S.INTERVIEW_INVITED, S.INTERVIEWED])).label("unranked"),
            func.sum(reached(S.RANKED)).label("ranked"),
            _count(Application.status == S.MATCHED).label("matched"),
        )
        .where(Application.season == season, one)
        .group_by(Application.mentee_id)
        .subquery("apps")
    )
    return (
        select(
            *apps.c,
            func.coalesce(ApplicationCycle.interviews, literal(0, Integer)).label("logged"),
        )
        .outerjoin(
            ApplicationCycle,
            and_(ApplicationCycle.mentee_id == apps.c.mentee_id, ApplicationCycle.season == season),
        )
        .subquery("standing")
    )


def owed(kind: ReminderKind, s: Any, ruleset: Ruleset) -> ColumnElement[bool]:
    """Whether the reminder is owed to a mentee standing as `s` says."""
    c: dict[str, ColumnElement[int]] = dict(s.c.items())
    match kind:
        case K.SUBMISSION_DAY:  # programmes on the list still to send (APPLY-EARLY)
            return c["planned"] > 0
        case K.FEW_INTERVIEWS:  # a list in play, under the threshold (CYCLE-PHASES)
            few = ruleset.rules.cycle_phases.few_interviews
            return and_(c["planned"] + c["sent"] > 0, c["invited"] < few, c["logged"] < few)
        case K.RANK_DEADLINE:  # interviews that are not on the rank list yet
            return c["unranked"] > 0
        case K.SOAP_READY:  # applications sent, nothing matched yet (SOAP)
            return and_(c["sent"] > 0, c["matched"] == 0)
    raise ValueError(f"{kind} is not an application reminder")


def still_owed(
    session: Session, *, kind: ReminderKind, mentee_id: int, season: int, ruleset: Ruleset
) -> Standing | None:
    """The mentee's standing if the reminder is still owed now, else None."""
    s = standing(season, mentee_id)
    row = session.execute(
        select(
            s.c.planned, s.c.sent, s.c.invited, s.c.unranked, s.c.ranked, s.c.matched, s.c.logged
        ).where(owed(kind, s, ruleset))
    ).first()
    if row is None:
        return None
    return Standing(*(int(value or 0) for value in row))
