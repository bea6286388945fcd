"""List, snooze and resolve flags (mentors and admins)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, authorize, mentee_for
from bot.errors import InvalidInput
from bot.events import FlagResolved, emit
from bot.inputs import Prose
from bot.mentees.dto import PersonRef
from bot.models import Flag, Mentee, MentorAssignment, Person
from bot.vocab import FlagState

SNOOZE_DAYS = (7, 30, 90)


class FlagRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    mentee: PersonRef
    rule: str
    detail: str
    state: FlagState
    raised_at: datetime
    snoozed_until: datetime | None


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    reason: Annotated[Prose, Field(min_length=1, max_length=500)]


def list_flags(
    session: Session, *, actor: Actor, slack_user_id: str | None = None
) -> list[FlagRead]:
    """Unresolved flags of one mentee, or of all the actor's mentees (every mentee for admins)."""
    query = (
        select(Flag, Person)
        .join(Mentee, Mentee.id == Flag.mentee_id)
        .join(Person, Person.id == Mentee.person_id)
        .where(Flag.state != FlagState.RESOLVED)
        .order_by(Flag.raised_at, Flag.id)
    )
    if slack_user_id is not None:
        mentee = mentee_for(session, actor, slack_user_id, Capability.FLAGS, "flags.read")
        query = query.where(Flag.mentee_id == mentee.id)
    elif not actor.is_admin:
        query = query.join(MentorAssignment, MentorAssignment.mentee_id == Mentee.id).where(
            MentorAssignment.mentor_id == (actor.person_id or -1),
            MentorAssignment.until.is_(None),
        )
    return [_read(flag, person) for flag, person in session.execute(query)]


def snooze_flag(session: Session, *, actor: Actor, flag_id: int, days: int) -> FlagRead:
    if days not in SNOOZE_DAYS:
        raise InvalidInput.single("days", f"snooze for {', '.join(map(str, SNOOZE_DAYS))} days")
    flag = _flag(session, actor, flag_id, "flag.snooze")
    flag.state = FlagState.SNOOZED
    flag.snoozed_until = actor.now + timedelta(days=days)
    session.flush()
    return _read(flag, _person(session, flag))


def resolve_flag(
    session: Session, *, actor: Actor, flag_id: int, resolution: Resolution
) -> FlagRead:
    flag = _flag(session, actor, flag_id, "flag.resolve")
    flag.state = FlagState.RESOLVED
    flag.resolved_at = actor.now
    flag.resolved_reason = resolution.reason
    flag.resolved_by_id = actor.person_id
    session.flush()
    emit(
        session,
        FlagResolved(
            mentee_id=flag.mentee_id,
            actor=actor,
            flag_id=flag.id,
            rule=flag.rule,
            reason=resolution.reason,
        ),
    )
    return _read(flag, _person(session, flag))


def _flag(session: Session, actor: Actor, flag_id: int, action: str) -> Flag:
    flag = session.get(Flag, flag_id)
    mentee = session.get(Mentee, flag.mentee_id) if flag else None
    authorize(session, actor, mentee, Capability.FLAGS, action, flag=flag_id)
    assert flag is not None
    if flag.state is FlagState.RESOLVED:
        raise InvalidInput.single("flag", f"flag {flag_id} is already resolved")
    return flag


def _person(session: Session, flag: Flag) -> Person:
    person = session.scalar(
        select(Person)
        .join(Mentee, Mentee.person_id == Person.id)
        .where(Mentee.id == flag.mentee_id)
    )
    assert person is not None
    return person


def _read(flag: Flag, person: Person) -> FlagRead:
    return FlagRead(
        id=flag.id,
        mentee=PersonRef(slack_user_id=person.slack_user_id, name=person.display_name),
        rule=flag.rule,
        detail=flag.detail,
        state=flag.state,
        raised_at=flag.raised_at,
        snoozed_until=flag.snoozed_until,
    )


def own_flags(session: Session, *, actor: Actor) -> list[FlagRead]:
    """The actor's own unresolved flags, as a mentee sees them."""
    mentee = mentee_for(session, actor, actor.slack_user_id, Capability.READ, "flags.own")
    rows = session.scalars(
        select(Flag)
        .where(Flag.mentee_id == mentee.id, Flag.state != FlagState.RESOLVED)
        .order_by(Flag.raised_at, Flag.id)
    )
    return [_read(flag, mentee.person) for flag in rows]
