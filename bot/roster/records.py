"""A mentee as the roster writes them: their profile, bookkeeping, mentors, milestones and
check-ins, loaded for many mentees with a fixed number of queries (export, `import --update`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import CheckIn, Mentee, MentorAssignment, Milestone, Person
from bot.profile.store import load_profiles
from bot.roster.schema import CheckInEntry, MenteeRecord, MilestoneEntry

RowT = TypeVar("RowT", Milestone, CheckIn)


def mentee_records(session: Session, mentees: Sequence[Mentee]) -> list[MenteeRecord]:
    """The mentees' roster entries, in the order given (mentors sorted, lists in date order)."""
    profiles = load_profiles(session, mentees)
    ids = [m.id for m in mentees]
    assignments = active_mentors(session, ids)
    milestones = _by_mentee(
        session.scalars(
            select(Milestone)
            .where(Milestone.mentee_id.in_(ids))
            .order_by(Milestone.due_on, Milestone.id)
        )
    )
    check_ins = _by_mentee(
        session.scalars(
            select(CheckIn).where(CheckIn.mentee_id.in_(ids)).order_by(CheckIn.at, CheckIn.id)
        )
    )
    slack_of = dict(session.execute(select(Person.id, Person.slack_user_id)).all())
    return [
        MenteeRecord(
            **profiles[mentee.id].model_dump(),
            slack_user_id=mentee.person.slack_user_id,
            tz=mentee.person.tz,
            mentors=sorted(assignments.get(mentee.id, [])),
            status=mentee.status,
            checkpoint_cadence_days=mentee.checkpoint_cadence_days,
            notes=mentee.notes,
            milestones=[
                MilestoneEntry.model_validate(m, from_attributes=True)
                for m in milestones.get(mentee.id, [])
            ],
            checkins=[
                CheckInEntry(
                    mentor=slack_of.get(c.mentor_id) if c.mentor_id else None,
                    at=c.at,
                    notes=c.notes,
                    wellbeing_asked=c.wellbeing_asked,
                )
                for c in check_ins.get(mentee.id, [])
            ],
        )
        for mentee in mentees
    ]


def active_mentors(session: Session, mentee_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(MentorAssignment.mentee_id, Person.slack_user_id)
        .join(Person, Person.id == MentorAssignment.mentor_id)
        .where(MentorAssignment.mentee_id.in_(mentee_ids), MentorAssignment.until.is_(None))
    )
    out: dict[int, list[str]] = {}
    for mentee_id, slack_id in rows:
        out.setdefault(mentee_id, []).append(slack_id)
    return out


def _by_mentee(rows: Iterable[RowT]) -> dict[int, list[RowT]]:
    out: dict[int, list[RowT]] = {}
    for row in rows:
        out.setdefault(row.mentee_id, []).append(row)
    return out
