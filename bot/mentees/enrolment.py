"""Enrol mentees and give them mentors: who may, what an enrolment writes, and what a mentor
who may not know that someone is enrolled is told."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import (
    Actor,
    Role,
    audit,
    audit_event,
    find_mentee,
    is_mentor,
    require_admin,
    role_for,
)
from bot.errors import AccessDenied, Conflict, DomainError, InvalidInput
from bot.events import MenteeEnrolled, emit
from bot.mentees.checkpoints import refresh_checkpoint
from bot.mentees.dto import MenteeRead, ProfileFields
from bot.mentees.service import read_mentee
from bot.models import AuditEvent, Mentee, MentorAssignment
from bot.people import ensure_person, find_person, valid_tz
from bot.profile.schema import ProfileIn
from bot.profile.store import PROFILE_FIELDS, add_profile_items
from bot.vocab import AuditOutcome


class EnrolmentWithheld(DomainError):
    """The person is enrolled already and the actor may not know it: the caller answers as it
    answers a new enrolment, and nothing was written (but the audit row of the attempt)."""

    def __init__(self, record: AuditEvent) -> None:
        super().__init__()
        self.after_rollback = (record,)


def may_enrol(session: Session, actor: Actor) -> bool:
    return actor.is_admin or is_mentor(session, actor)


def enrolment_check(session: Session, *, actor: Actor, slack_user_id: str) -> bool:
    """Before the enrolment form opens. True: the person is enrolled and the actor may be told
    (an admin, or one of their mentors). False: open the form, whether or not they are enrolled,
    so the answer reads the same to anyone else. A mentee or a stranger may not enrol anyone."""
    if not may_enrol(session, actor):
        raise AccessDenied("Only admins and mentors can enrol mentees.")
    mentee = find_mentee(session, slack_user_id)
    told = mentee is not None and role_for(session, actor, mentee) in (Role.ADMIN, Role.MENTOR)
    audit(
        session,
        actor,
        "mentee.enroll.form",
        mentee=mentee if told else None,
        subject_slack_id=slack_user_id,
        already_enrolled=told,
    )
    return told


def enroll(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    profile: ProfileIn,
    mentor_ids: list[str] = [],  # noqa: B006 (never mutated)
    tz: str | None = None,
    fields: ProfileFields | None = None,
) -> MenteeRead:
    """Create a mentee with their profile; a mentor who enrols someone becomes their mentor.

    Someone enrolled already: `Conflict` for an admin or one of their mentors, who may know it;
    `EnrolmentWithheld` for any other mentor, who must not learn it from the answer."""
    if not may_enrol(session, actor):
        raise AccessDenied("Only admins and mentors can enrol mentees.")
    acting_mentor = not actor.is_admin
    if slack_user_id in mentor_ids:
        raise InvalidInput.single("mentors", "a mentee cannot be their own mentor")
    existing = find_mentee(session, slack_user_id)
    if existing is not None:
        if role_for(session, actor, existing) in (Role.ADMIN, Role.MENTOR):
            raise Conflict(f"<@{slack_user_id}> is already enrolled.")
        raise EnrolmentWithheld(
            audit_event(actor, "mentee.enroll", existing, None, AuditOutcome.DENIED, {})
        )
    person = ensure_person(
        session,
        slack_user_id=slack_user_id,
        display_name=profile.name,
        tz=valid_tz(tz),
        now=actor.now,
    )
    mentee = Mentee(
        person=person,
        **{name: getattr(profile, name) for name in PROFILE_FIELDS},
        created_at=actor.now,
        updated_at=actor.now,
    )
    if fields is not None:
        mentee.checkpoint_cadence_days = fields.checkpoint_cadence_days
        mentee.status = fields.status
        mentee.notes = fields.notes
    session.add(mentee)
    session.flush()
    add_profile_items(session, profile, mentee_id=mentee.id, now=actor.now)
    mentors = set(mentor_ids) | ({actor.slack_user_id} if acting_mentor else set())
    for mentor_id in sorted(mentors):
        _assign(session, actor, mentee, mentor_id)
    audit(session, actor, "mentee.enroll", mentee=mentee, mentors=sorted(mentors))
    refresh_checkpoint(session, mentee)
    emit(session, MenteeEnrolled(mentee_id=mentee.id, actor=actor))
    return read_mentee(session, mentee)


def assign(
    session: Session, *, actor: Actor, mentee_slack_id: str, mentor_slack_id: str
) -> MenteeRead:
    require_admin(session, actor, "mentor.assign", subject_slack_id=mentee_slack_id)
    mentee = find_mentee(session, mentee_slack_id)
    if mentee is None:
        raise InvalidInput.single("mentee", f"<@{mentee_slack_id}> is not enrolled")
    if mentee_slack_id == mentor_slack_id:
        raise InvalidInput.single("mentor", "a mentee cannot be their own mentor")
    _assign(session, actor, mentee, mentor_slack_id)
    session.flush()
    return read_mentee(session, mentee)


def unassign(
    session: Session, *, actor: Actor, mentee_slack_id: str, mentor_slack_id: str
) -> MenteeRead:
    require_admin(session, actor, "mentor.unassign", subject_slack_id=mentee_slack_id)
    mentee = find_mentee(session, mentee_slack_id)
    mentor = find_person(session, mentor_slack_id)
    active = None
    if mentee is not None and mentor is not None:
        active = session.scalar(
            select(MentorAssignment).where(
                MentorAssignment.mentee_id == mentee.id,
                MentorAssignment.mentor_id == mentor.id,
                MentorAssignment.until.is_(None),
            )
        )
    if mentee is None or active is None:
        raise InvalidInput.single(
            "mentor", f"<@{mentor_slack_id}> is not a mentor of <@{mentee_slack_id}>"
        )
    active.until = actor.now
    audit(session, actor, "mentor.unassigned", mentee=mentee, mentor=mentor_slack_id)
    session.flush()
    return read_mentee(session, mentee)


def _assign(session: Session, actor: Actor, mentee: Mentee, mentor_slack_id: str) -> None:
    mentor = ensure_person(session, slack_user_id=mentor_slack_id, now=actor.now)
    mentor.is_mentor = True
    existing = session.scalar(
        select(MentorAssignment.id).where(
            MentorAssignment.mentee_id == mentee.id,
            MentorAssignment.mentor_id == mentor.id,
            MentorAssignment.until.is_(None),
        )
    )
    if existing is None:
        session.add(MentorAssignment(mentor_id=mentor.id, mentee_id=mentee.id, since=actor.now))
        audit(session, actor, "mentor.assigned", mentee=mentee, mentor=mentor_slack_id)
