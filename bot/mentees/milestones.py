"""Milestones: dated goals on a mentee's way, added by hand or saved from a plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, authorize, mentee_for
from bot.errors import InvalidInput
from bot.events import MilestoneAdded, MilestoneStatusChanged, emit
from bot.inputs import DueDay, Line
from bot.mentees.dto import MilestoneRead
from bot.models import Mentee, Milestone
from bot.vocab import MilestoneStatus

# A due date further out is a typo more often than a plan; one long past is too.
DUE_AHEAD = timedelta(days=10 * 366)
DUE_BEHIND = timedelta(days=366)


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    title: Annotated[Line, Field(min_length=1, max_length=200)]
    due_on: DueDay
    kind: Annotated[Line, Field(min_length=1, max_length=64)] = "free"
    rule: Annotated[Line, Field(max_length=32)] | None = None


def add_milestones(
    session: Session, *, actor: Actor, slack_user_id: str, milestones: list[MilestoneCreate]
) -> list[MilestoneRead]:
    mentee = mentee_for(
        session,
        actor,
        slack_user_id,
        Capability.MILESTONES,
        "milestone.add",
    )
    for m in milestones:
        _check_due(m.due_on, actor.now.date())
    rows = [
        Milestone(
            mentee_id=mentee.id,
            title=m.title,
            kind=m.kind,
            rule=m.rule,
            due_on=m.due_on,
            created_by_id=actor.person_id,
            created_at=actor.now,
        )
        for m in milestones
    ]
    session.add_all(rows)
    session.flush()
    for row in rows:
        emit(
            session,
            MilestoneAdded(
                mentee_id=mentee.id,
                actor=actor,
                milestone_id=row.id,
                title=row.title,
                due_on=row.due_on,
            ),
        )
    return [milestone_read(row) for row in rows]


def _check_due(due_on: date, today: date) -> None:
    earliest, latest = today - DUE_BEHIND, today + DUE_AHEAD
    if not earliest <= due_on <= latest:
        raise InvalidInput.single(
            "due_on", f"the due date must be between {earliest} and {latest}, not {due_on}"
        )


def set_milestone_status(
    session: Session, *, actor: Actor, milestone_id: int, status: MilestoneStatus
) -> MilestoneRead:
    """Mark a milestone done or dropped (or reopen it)."""
    milestone = session.get(Milestone, milestone_id)
    mentee = session.get(Mentee, milestone.mentee_id) if milestone else None
    authorize(
        session, actor, mentee, Capability.MILESTONES, f"milestone.{status}", milestone=milestone_id
    )
    assert milestone is not None
    if milestone.status is status:
        raise InvalidInput.single("milestone", f"milestone {milestone_id} is already {status}")
    milestone.status = status
    milestone.completed_on = actor.now.date() if status is MilestoneStatus.DONE else None
    session.flush()
    emit(
        session,
        MilestoneStatusChanged(
            mentee_id=milestone.mentee_id,
            actor=actor,
            milestone_id=milestone.id,
            title=milestone.title,
            status=status,
        ),
    )
    return milestone_read(milestone)


def reschedule_milestone(
    session: Session, *, actor: Actor, milestone_id: int, due_on: date
) -> MilestoneRead:
    milestone = session.get(Milestone, milestone_id)
    mentee = session.get(Mentee, milestone.mentee_id) if milestone else None
    authorize(
        session,
        actor,
        mentee,
        Capability.MILESTONES,
        "milestone.reschedule",
        milestone=milestone_id,
    )
    assert milestone is not None
    if due_on != milestone.due_on:
        milestone.due_on = due_on
        milestone.due_version += 1
    session.flush()
    return milestone_read(milestone)


def milestone_by_id(session: Session, *, actor: Actor, milestone_id: int) -> MilestoneRead:
    milestone = session.get(Milestone, milestone_id)
    mentee = session.get(Mentee, milestone.mentee_id) if milestone else None
    authorize(session, actor, mentee, Capability.READ, "milestone.read", milestone=milestone_id)
    assert milestone is not None
    return milestone_read(milestone)


def list_milestones(
    session: Session, *, actor: Actor, slack_user_id: str, include_closed: bool = False
) -> list[MilestoneRead]:
    mentee = mentee_for(session, actor, slack_user_id, Capability.READ, "milestone.list")
    query = select(Milestone).where(Milestone.mentee_id == mentee.id)
    if not include_closed:
        query = query.where(Milestone.status == MilestoneStatus.OPEN)
    rows = session.scalars(query.order_by(Milestone.due_on, Milestone.id))
    return [milestone_read(row) for row in rows]


def milestone_read(row: Milestone) -> MilestoneRead:
    return MilestoneRead.model_validate(row, from_attributes=True)
