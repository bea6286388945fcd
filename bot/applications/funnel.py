"""The season in numbers, for one mentee or thousands, each in one statement: the funnel
(applied, invited, interviewed, ranked, outcome), the real interview counts, and the cycles
the assessment reads, as the applications show them.

A stage counts every application that reached it (`furthest`), so a programme withdrawn after
its interview still counts as an interview; a jump (planned straight to invited) counts the
steps between.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

from bot.applications.dto import Funnel, SeasonFunnel
from bot.applications.models import Application
from bot.applications.vocab import STAGES, ApplicationStatus
from bot.models import Mentee
from bot.profile.schema import CycleIn, ProfileIn
from bot.profile.store import load_profiles
from bot.programmes.vocab import ProgrammeTrack
from bot.vocab import CycleOutcome, Pathway

S = ApplicationStatus
Mentees = Sequence[int] | Select[Any]


def reached(status: ApplicationStatus) -> ColumnElement[int]:
    """1 for an application that got at least as far as `status`, else 0."""
    return sql_case((Application.furthest.in_(STAGES[status.stage :]), 1), else_=0)


def ended(status: ApplicationStatus) -> ColumnElement[int]:
    return sql_case((Application.status == status, 1), else_=0)


def funnel_columns() -> list[Any]:
    """The Funnel's fields as aggregates, in its field order (for any GROUP BY)."""
    return [
        func.count(),
        func.sum(reached(S.APPLIED)),
        func.sum(reached(S.INTERVIEW_INVITED)),
        func.sum(reached(S.INTERVIEWED)),
        func.sum(reached(S.RANKED)),
        func.sum(ended(S.MATCHED)),
        func.sum(ended(S.NOT_MATCHED)),
        func.sum(ended(S.WITHDRAWN)),
        func.sum(ended(S.DECLINED)),
    ]


def funnel_of(values: Sequence[Any]) -> Funnel:
    return Funnel(**dict(zip(Funnel.model_fields, (int(v or 0) for v in values), strict=True)))


def funnels(session: Session, *, season: int, mentees: Mentees) -> dict[int, Funnel]:
    """Each mentee's funnel for the season (one statement; `mentees` may be a list of ids or
    a SELECT of them). A mentee without applications is absent: their funnel is empty."""
    rows = session.execute(
        select(Application.mentee_id, *funnel_columns())
        .where(Application.season == season, Application.mentee_id.in_(mentees))
        .group_by(Application.mentee_id)
    )
    return {row[0]: funnel_of(row[1:]) for row in rows}


# One mentee's statements (a profile, a card, an assessment: every command) are built once and
# reused with the mentee as a parameter: building one costs more CPU than the database's answer.
ONE: BindParameter[int] = bindparam("one_mentee")


def _which(mentees: Mentees) -> tuple[ColumnElement[bool], dict[str, int]]:
    if isinstance(mentees, Sequence) and len(mentees) == 1:
        return Application.mentee_id == ONE, {"one_mentee": mentees[0]}
    return Application.mentee_id.in_(mentees), {}


def latest_funnels(session: Session, *, mentees: Mentees) -> dict[int, SeasonFunnel]:
    """Each mentee's funnel for their latest season with applications (one statement, for
    one mentee or a roster). A mentee without applications is absent."""
    which, params = _which(mentees)
    statement = _latest_for_one() if params else _latest_funnels(which)
    rows = session.execute(statement, params)
    return {row[0]: SeasonFunnel(season=row[1], funnel=funnel_of(row[2:])) for row in rows}


@cache
def _latest_for_one() -> Executable:
    return _latest_funnels(Application.mentee_id == ONE)


def _latest_funnels(which: ColumnElement[bool]) -> Executable:
    latest = (
        select(Application.mentee_id, func.max(Application.season).label("season"))
        .where(which)
        .group_by(Application.mentee_id)
        .subquery()
    )
    return (
        select(Application.mentee_id, Application.season, *funnel_columns())
        .join(
            latest,
            and_(
                latest.c.mentee_id == Application.mentee_id, latest.c.season == Application.season
            ),
        )
        .group_by(Application.mentee_id, Application.season)
    )


def interview_count(session: Session, *, mentee_id: int, season: int) -> int | None:
    """Interview invitations on record for the season, from the applications; None when the
    mentee has no applications for it (then a count logged by hand, if any, is all there is)."""
    row = session.execute(
        select(func.count(), func.sum(reached(S.INTERVIEW_INVITED))).where(
            Application.mentee_id == mentee_id, Application.season == season
        )
    ).one()
    return int(row[1] or 0) if row[0] else None


def applied_cycles(session: Session, *, mentees: Mentees) -> dict[int, list[CycleIn]]:
    """Each mentee's seasons as cycles, from applications actually sent (one statement): the
    applications per pathway, the first submission day, the interview invitations, and the
    outcome once it is known. A season with nothing sent yet has no cycle."""
    which, params = _which(mentees)
    rows = session.execute(_cycles_for_one() if params else _cycles(which), params)
    seasons: dict[tuple[int, int], _Season] = defaultdict(_Season)
    for mentee_id, season, track, sent, invited, matched, still_open, first in rows:
        seasons[(mentee_id, season)].add(
            ProgrammeTrack(track),
            int(sent or 0),
            int(invited or 0),
            int(matched or 0),
            int(still_open or 0),
            first,
        )
    out: dict[int, list[CycleIn]] = defaultdict(list)
    for (mentee_id, season), summary in sorted(seasons.items()):
        cycle = summary.cycle(season)
        if cycle is not None:
            out[mentee_id].append(cycle)
    return dict(out)


@cache
def _cycles_for_one() -> Executable:
    return _cycles(Application.mentee_id == ONE)


def _cycles(which: ColumnElement[bool]) -> Executable:
    return (
        select(
            Application.mentee_id,
            Application.season,
            Application.track,
            func.sum(reached(S.APPLIED)),
            func.sum(reached(S.INTERVIEW_INVITED)),
            func.sum(ended(S.MATCHED)),
            func.sum(sql_case((Application.status.in_(STAGES), 1), else_=0)),
            func.min(Application.applied_on),
        )
        .where(which)
        .group_by(Application.mentee_id, Application.season, Application.track)
    )


class _Season:
    def __init__(self) -> None:
        self.sent: dict[Pathway, int] = defaultdict(int)
        self.invited = 0
        self.matched: list[ProgrammeTrack] = []
        self.open = 0
        self.first: date | None = None

    def add(
        self,
        track: ProgrammeTrack,
        sent: int,
        invited: int,
        matched: int,
        still_open: int,
        first: date | None,
    ) -> None:
        if sent:
            self.sent[track.pathway] += sent
        self.invited += invited
        self.matched += [track] * matched
        self.open += still_open
        if first is not None and (self.first is None or first < self.first):
            self.first = first

    def cycle(self, season: int) -> CycleIn | None:
        if not self.sent:
            return None
        return CycleIn(
            season=season,
            submitted_on=self.first,
            applications=dict(self.sent),
            interviews=min(self.invited, 500),
            outcome=self._outcome(),
        )

    def _outcome(self) -> CycleOutcome:
        if self.matched:
            tracks = set(self.matched)
            if ProgrammeTrack.GENERAL_SURGERY in tracks:
                return CycleOutcome.MATCHED_CATEGORICAL
            if tracks & {ProgrammeTrack.PRELIMINARY_SURGERY, ProgrammeTrack.TRANSITIONAL_YEAR}:
                return CycleOutcome.MATCHED_PRELIM
            return CycleOutcome.MATCHED_OTHER
        return CycleOutcome.PENDING if self.open else CycleOutcome.UNMATCHED


def with_applications(profile: ProfileIn, cycles: Sequence[CycleIn]) -> ProfileIn:
    """The profile as the assessment should read it: for each season with applications sent,
    the interview count is the applications' (or the count logged by hand, if larger); what
    the logged cycle left out (applications, submission day, an outcome still pending) comes
    from the applications; a season only the applications know is added."""
    by_season = {c.season: c for c in profile.cycles}
    for real in cycles:
        logged = by_season.get(real.season)
        if logged is None:
            by_season[real.season] = real
            continue
        by_season[real.season] = logged.model_copy(
            update={
                # A count typed by hand may include programmes applied to outside the saved
                # list (invitations only accumulate): the larger of the two is the real one.
                "interviews": max(logged.interviews or 0, real.interviews or 0),
                "applications": logged.applications or real.applications,
                "submitted_on": logged.submitted_on or real.submitted_on,
                "outcome": (
                    real.outcome if logged.outcome is CycleOutcome.PENDING else logged.outcome
                ),
            }
        )
    merged = [by_season[s] for s in sorted(by_season)]
    return profile.model_copy(update={"cycles": merged})


def assessed_profiles(session: Session, mentees: Sequence[Mentee]) -> dict[int, ProfileIn]:
    """Profiles as the assessment, the flags and the season advice should read them: as logged,
    with the seasons' real interview counts and outcomes from the applications (one statement
    more than `load_profiles`, however many mentees)."""
    profiles = load_profiles(session, mentees)
    cycles = applied_cycles(session, mentees=[m.id for m in mentees])
    return {i: with_applications(p, cycles.get(i, [])) for i, p in profiles.items()}
