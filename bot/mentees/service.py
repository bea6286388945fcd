"""Read and edit mentees' profiles, list and forget them (finding one by Slack id, with the
access check, is bot/access.py's `mentee_for`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import (
    FORGOTTEN,
    Actor,
    Capability,
    Role,
    audit,
    audit_event,
    find_mentee,
    is_mentor,
    mentee_for,
    pseudonymise_audit,
    require_admin,
    role_for,
)
from bot.applications.funnel import latest_funnels
from bot.errors import AccessDenied, InvalidInput
from bot.events import MenteeForgotten, ProfileUpdated, emit, publish
from bot.mentees.checkpoints import refresh_checkpoint
from bot.mentees.dto import (
    MenteeChoice,
    MenteeRead,
    MenteeSummary,
    PersonRef,
    ProfileFields,
)
from bot.models import (
    CheckIn,
    Mentee,
    MentorAssignment,
    Person,
)
from bot.profile.store import PROFILE_FIELDS, load_profiles
from bot.vocab import AuditOutcome, Pathway


def mentee_choice(session: Session, *, actor: Actor) -> MenteeChoice:
    """Whom a subcommand that names nobody means. An enrolled mentee means themself; a mentor
    or an admin picks one of the mentees they may see. Anyone else also "means themself", so
    the access check that follows refuses them exactly as it refuses any name they could give.
    """
    own = MenteeChoice(own=actor.slack_user_id)
    if find_mentee(session, actor.slack_user_id) is not None:
        return own
    if not actor.is_admin and not is_mentor(session, actor):
        return own
    return MenteeChoice(own=None, mentees=[m.person for m in list_mentees(session, actor=actor)])


def get_mentee(session: Session, *, actor: Actor, slack_user_id: str) -> MenteeRead:
    mentee = mentee_for(session, actor, slack_user_id, Capability.READ, "profile.read")
    return read_mentee(session, mentee)


def update_profile(
    session: Session, *, actor: Actor, slack_user_id: str, fields: ProfileFields
) -> MenteeRead:
    mentee = mentee_for(session, actor, slack_user_id, Capability.EDIT_PROFILE, "profile.update")
    managed = (fields.status != mentee.status) or (
        fields.checkpoint_cadence_days != mentee.checkpoint_cadence_days
    )
    if managed and role_for(session, actor, mentee) is Role.SELF:
        raise AccessDenied("Only your mentors can change your status or check-in cadence.")
    for name in PROFILE_FIELDS:
        setattr(mentee, name, getattr(fields, name))
    mentee.targets = [str(t) for t in fields.targets]
    mentee.checkpoint_cadence_days = fields.checkpoint_cadence_days
    mentee.status = fields.status
    mentee.notes = fields.notes
    refresh_checkpoint(session, mentee)
    if fields.name:
        mentee.person.display_name = fields.name
    mentee.updated_at = actor.now
    session.flush()
    emit(session, ProfileUpdated(mentee_id=mentee.id, actor=actor))
    return read_mentee(session, mentee)


def list_mentees(session: Session, *, actor: Actor) -> list[MenteeSummary]:
    """An admin's whole programme, or a mentor's own mentees, by name."""
    query = select(Mentee).join(Mentee.person).order_by(Person.display_name, Mentee.id)
    if not actor.is_admin:
        query = query.join(MentorAssignment, MentorAssignment.mentee_id == Mentee.id).where(
            MentorAssignment.mentor_id == (actor.person_id or -1),
            MentorAssignment.until.is_(None),
        )
    mentees = list(session.scalars(query))
    audit(session, actor, "roster.read", count=len(mentees))
    return [
        MenteeSummary(
            id=m.id,
            person=PersonRef(slack_user_id=m.person.slack_user_id, name=m.person.display_name),
            status=m.status,
            applicant_type=m.applicant_type,
            targets=[Pathway(t) for t in m.targets],
        )
        for m in mentees
    ]


def forget(session: Session, *, actor: Actor, slack_user_id: str) -> str:
    """Delete every row of a mentee's data for good. The audit keeps the fact of it and what
    was done with their data, under a pseudonym (`forgotten-<id of the mentee.forgotten row>`),
    which is returned; ids are never handed out again, so no one else inherits that history."""
    require_admin(session, actor, "mentee.forget", subject_slack_id=slack_user_id)
    mentee = find_mentee(session, slack_user_id)
    if mentee is None:
        raise InvalidInput.single("mentee", f"<@{slack_user_id}> is not enrolled")
    person = mentee.person
    stays = person.is_mentor or person.is_admin
    forgotten = audit_event(actor, "mentee.forgotten", mentee, None, AuditOutcome.OK, {})
    session.add(forgotten)
    session.flush()
    # Published now, not at commit: the subscribers erase what they keep of the mentee
    # elsewhere (Slack posts) while the rows that say where it is still exist, and note it on
    # the audit row above before it is pseudonymised.
    emit(session, MenteeForgotten(mentee_id=mentee.id, actor=actor, audit_id=forgotten.id))
    publish(session)
    pseudonym = f"{FORGOTTEN}{forgotten.id}"
    pseudonymise_audit(
        session,
        slack_user_id=slack_user_id,
        mentee_id=mentee.id,
        pseudonym=pseudonym,
        as_actor=not stays,
    )
    session.delete(mentee)
    session.flush()
    if not stays:
        session.delete(person)
    session.flush()
    return pseudonym


def read_mentee(session: Session, mentee: Mentee) -> MenteeRead:
    profile = load_profiles(session, [mentee])[mentee.id]
    mentors = session.execute(
        select(Person.slack_user_id, Person.display_name)
        .join(MentorAssignment, MentorAssignment.mentor_id == Person.id)
        .where(MentorAssignment.mentee_id == mentee.id, MentorAssignment.until.is_(None))
        .order_by(Person.display_name)
    ).all()
    last = session.scalar(select(func.max(CheckIn.at)).where(CheckIn.mentee_id == mentee.id))
    return MenteeRead(
        id=mentee.id,
        person=PersonRef(
            slack_user_id=mentee.person.slack_user_id, name=mentee.person.display_name
        ),
        tz=mentee.person.tz,
        status=mentee.status,
        checkpoint_cadence_days=mentee.checkpoint_cadence_days,
        notes=mentee.notes,
        profile=profile,
        mentors=[PersonRef(slack_user_id=s, name=n) for s, n in mentors],
        last_check_in=last,
        created_at=mentee.created_at,
        applications=latest_funnels(session, mentees=[mentee.id]).get(mentee.id),
    )
