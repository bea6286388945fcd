"""Check-ins: a mentor's conversation with a mentee (STAG-CHECKPOINT, WELLBEING)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, mentee_for
from bot.events import CheckInRecorded, emit
from bot.inputs import Prose
from bot.mentees.checkpoints import refresh_checkpoint
from bot.mentees.dto import CheckInRead, PersonRef
from bot.models import CheckIn, Person


class CheckInCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    notes: Annotated[Prose, Field(max_length=3000)] = ""
    wellbeing_asked: bool = False
    at: datetime | None = None


def record_check_in(
    session: Session, *, actor: Actor, slack_user_id: str, check_in: CheckInCreate
) -> CheckInRead:
    mentee = mentee_for(session, actor, slack_user_id, Capability.CHECKIN, "checkin.add")
    row = CheckIn(
        mentee_id=mentee.id,
        mentor_id=actor.person_id,
        at=check_in.at or actor.now,
        notes=check_in.notes,
        wellbeing_asked=check_in.wellbeing_asked,
        created_at=actor.now,
    )
    session.add(row)
    refresh_checkpoint(session, mentee)
    emit(
        session,
        CheckInRecorded(
            mentee_id=mentee.id,
            actor=actor,
            check_in_id=row.id,
            wellbeing_asked=row.wellbeing_asked,
        ),
    )
    return check_in_read(session, row)


def list_check_ins(session: Session, *, actor: Actor, slack_user_id: str) -> list[CheckInRead]:
    mentee = mentee_for(session, actor, slack_user_id, Capability.CHECKIN, "checkin.list")
    rows = session.scalars(
        select(CheckIn).where(CheckIn.mentee_id == mentee.id).order_by(CheckIn.at, CheckIn.id)
    )
    return [check_in_read(session, row) for row in rows]


def check_in_read(session: Session, row: CheckIn) -> CheckInRead:
    mentor = session.get(Person, row.mentor_id) if row.mentor_id else None
    return CheckInRead(
        id=row.id,
        mentee_id=row.mentee_id,
        mentor=PersonRef(slack_user_id=mentor.slack_user_id, name=mentor.display_name)
        if mentor
        else None,
        at=row.at,
        notes=row.notes,
        wellbeing_asked=row.wellbeing_asked,
    )
