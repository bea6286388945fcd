"""Who may do what to which mentee, enforced in the service layer, and audited.

Roles are relative to one mentee: an admin may do everything; a mentor of that mentee may do
everything but administration; the mentee may read and edit their own profile, log their own
items and manage their own milestones; anyone else may do nothing. A denial reads the same
whether or not the mentee exists.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

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
    # Two columns, not the whole person: this runs before every ack.
    person = session.execute(_person_by_id(), {"slack_user_id": slack_user_id}).first()
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
    assigned = session.scalar(_assignment(), {"mentee_id": mentee.id, "mentor_id": actor.person_id})
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


def find_mentee(session: Session, slack_user_id: str) -> Mentee | None:
    return session.scalar(_mentee_by_id(), {"slack_user_id": slack_user_id})


# The statements every command runs, built once and reused with the Slack id as a parameter:
# building one costs more CPU than the database's answer to it.
USER_PARAM: BindParameter[str] = bindparam("slack_user_id")


@cache
def _person_by_id() -> Select[int, bool]:
    return select(Person.id, Person.is_admin).where(Person.slack_user_id == USER_PARAM)


@cache
def _assignment() -> Select[int]:
    return select(MentorAssignment.id).where(
        MentorAssignment.mentee_id == bindparam("mentee_id"),
        MentorAssignment.mentor_id == bindparam("mentor_id"),
        MentorAssignment.until.is_(None),
    )


@cache
def _mentee_by_id() -> Select[Mentee]:
    return select(Mentee).join(Mentee.person).where(Person.slack_user_id == USER_PARAM)


def mentee_for(
    session: Session, actor: Actor, slack_user_id: str, capability: Capability, action: str
) -> Mentee:
    """The mentee named by a Slack id, if the actor may act on them this way (audited)."""
    mentee = find_mentee(session, slack_user_id)
    return authorize(session, actor, mentee, capability, action, subject_slack_id=slack_user_id)


def require_admin(
    session: Session,
    actor: Actor,
    action: str,
    *,
    subject_slack_id: str | None = None,
    **detail: Any,
) -> None:
    if not actor.is_admin:
        raise AccessDeniedAudited(
            audit_event(actor, action, None, subject_slack_id, AuditOutcome.DENIED, detail),
            "Only a MatchPath admin can do that.",
        )
    audit(session, actor, action, subject_slack_id=subject_slack_id, **detail)


FORGOTTEN = "forgotten-"
SLACK_ID = re.compile(r"^[UWCG][A-Z0-9]{2,}$")


def pseudonymise_audit(
    session: Session, *, slack_user_id: str, mentee_id: int, pseudonym: str, as_actor: bool
) -> int:
    """After a forget, the person's audit rows keep what was done, when, by whom and how it
    ended, under a pseudonym: their Slack id becomes `pseudonym` wherever it stood, and `detail`
    keeps only numbers, the denial's role and other people's Slack ids (text that could name
    them is dropped). Rows where they acted on others become the pseudonym's too unless they
    stay on as a mentor or admin (`as_actor` False). Returns the rows changed."""
    session.flush()
    about = or_(AuditEvent.mentee_id == mentee_id, AuditEvent.subject_slack_id == slack_user_id)
    theirs = or_(about, AuditEvent.actor_slack_id == slack_user_id) if as_actor else about
    rows = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.actor_slack_id,
            AuditEvent.mentee_id,
            AuditEvent.subject_slack_id,
            AuditEvent.detail,
        ).where(theirs)
    ).all()
    changes = [
        {
            "id": row_id,
            "actor_slack_id": pseudonym if actor == slack_user_id else actor,
            "subject_slack_id": (
                pseudonym if row_mentee == mentee_id or subject == slack_user_id else subject
            ),
            "detail": scrub_detail(detail or {}, slack_user_id, pseudonym),
        }
        for row_id, actor, row_mentee, subject, detail in rows
    ]
    if changes:
        session.execute(update(AuditEvent), changes)
    return len(changes)


def scrub_detail(detail: dict[str, Any], slack_user_id: str, pseudonym: str) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, list) and all(_is_slack_id(v) for v in value):
            kept[key] = [pseudonym if v == slack_user_id else v for v in value]
        elif value == slack_user_id:
            kept[key] = pseudonym
        elif key == "role" or _is_slack_id(value) or _is_number(value):
            kept[key] = value
    return kept


def _is_slack_id(value: object) -> bool:
    return isinstance(value, str) and SLACK_ID.match(value) is not None


def _is_number(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float)


class AccessDeniedAudited(AccessDenied):
    """An access denial that carries its audit row, to be written after the rollback."""

    def __init__(self, record: AuditEvent, message: str | None = None) -> None:
        self.after_rollback = (record,)
        super().__init__(*([message] if message else []))
