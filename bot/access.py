"""Who may do what to which mentee, enforced in the service layer, and audited.

Roles are relative to one mentee: an admin may do everything; a mentor of that mentee may do
everything but administration; the mentee may read and edit their own profile, log their own
items and manage their own milestones; anyone else may do nothing. A denial reads the same
whether or not the mentee exists.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import AccessDenied
from bot.models import AuditEvent, Mentee, MentorAssignment, Person
from bot.vocab import AuditOutcome


class Capability(StrEnum):
    READ = "read"
    EDIT_PROFILE = "edit_profile"
    LOG_ITEM = "log_item"
    MILESTONES = "milestones"
    CHECKIN = "checkin"
    FLAGS = "flags"
    PLAN = "plan"
    ADMINISTER = "administer"


class Role(StrEnum):
    ADMIN = "admin"
    MENTOR = "mentor"
    SELF = "self"
    NONE = "none"


POLICY: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.MENTOR: frozenset(Capability) - {Capability.ADMINISTER},
    Role.SELF: frozenset(
        {Capability.READ, Capability.EDIT_PROFILE, Capability.LOG_ITEM, Capability.MILESTONES}
    ),
    Role.NONE: frozenset(),
}


class Actor(BaseModel):
    """The person acting, and the instant they act at (the injected clock's now)."""

    model_config = ConfigDict(frozen=True)

    slack_user_id: str
    person_id: int | None
    is_admin: bool
    now: datetime

    @classmethod
    def system(cls, now: datetime) -> Actor:
        return cls(slack_user_id="system", person_id=None, is_admin=True, now=now)


def resolve_actor(
    session: Session, *, slack_user_id: str, admin_ids: frozenset[str], now: datetime
) -> Actor:
    person = session.scalar(select(Person).where(Person.slack_user_id == slack_user_id))
    is_admin = slack_user_id in admin_ids or bool(person and person.is_admin)
    return Actor(
        slack_user_id=slack_user_id,
        person_id=person.id if person else None,
        is_admin=is_admin,
        now=now,
    )


def role_for(session: Session, actor: Actor, mentee: Mentee | None) -> Role:
    if actor.is_admin:
        return Role.ADMIN
    if mentee is None or actor.person_id is None:
        return Role.NONE
    if mentee.person_id == actor.person_id:
        return Role.SELF
    assigned = session.scalar(
        select(MentorAssignment.id).where(
            MentorAssignment.mentee_id == mentee.id,
            MentorAssignment.mentor_id == actor.person_id,
            MentorAssignment.until.is_(None),
        )
    )
    return Role.MENTOR if assigned is not None else Role.NONE


def is_mentor(session: Session, actor: Actor) -> bool:
    """Whether the actor is a mentor (flagged as one, or mentoring someone now)."""
    if actor.person_id is None:
        return False
    flagged = session.scalar(select(Person.is_mentor).where(Person.id == actor.person_id))
    if flagged:
        return True
    active = select(MentorAssignment.id).where(
        MentorAssignment.mentor_id == actor.person_id, MentorAssignment.until.is_(None)
    )
    return session.scalar(active.limit(1)) is not None


def audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    mentee: Mentee | None = None,
    subject_slack_id: str | None = None,
    outcome: AuditOutcome = AuditOutcome.OK,
    **detail: Any,
) -> None:
    session.add(audit_event(actor, action, mentee, subject_slack_id, outcome, detail))


def audit_event(
    actor: Actor,
    action: str,
    mentee: Mentee | None,
    subject_slack_id: str | None,
    outcome: AuditOutcome,
    detail: dict[str, Any],
) -> AuditEvent:
    return AuditEvent(
        at=actor.now,
        actor_slack_id=actor.slack_user_id,
        mentee_id=mentee.id if mentee else None,
        subject_slack_id=subject_slack_id or (mentee.person.slack_user_id if mentee else None),
        action=action,
        outcome=outcome,
        detail=detail,
    )


def authorize(
    session: Session,
    actor: Actor,
    mentee: Mentee | None,
    capability: Capability,
    action: str,
    *,
    subject_slack_id: str | None = None,
    **detail: Any,
) -> Mentee:
    """Return the mentee if the actor holds the capability on them, else raise `AccessDenied`.

    Both outcomes are audited. The denial's audit row rides on the exception, because the unit
    of work rolls back everything else the failed request did.
    """
    role = role_for(session, actor, mentee)
    if mentee is None or capability not in POLICY[role]:
        record = audit_event(
            actor, action, mentee, subject_slack_id, AuditOutcome.DENIED, {"role": role.value}
        )
        raise AccessDeniedAudited(record)
    audit(session, actor, action, mentee=mentee, **detail)
    return mentee


def require_admin(session: Session, actor: Actor, action: str, **detail: Any) -> None:
    if not actor.is_admin:
        raise AccessDeniedAudited(
            audit_event(actor, action, None, None, AuditOutcome.DENIED, detail),
            "Only a MatchPath admin can do that.",
        )
    audit(session, actor, action, **detail)


class AccessDeniedAudited(AccessDenied):
    """An access denial that carries its audit row, to be written after the rollback."""

    def __init__(self, record: AuditEvent, message: str | None = None) -> None:
        self.after_rollback = (record,)
        super().__init__(*([message] if message else []))
