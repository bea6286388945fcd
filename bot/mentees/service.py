"""Enrol mentees, read and edit their profiles, log profile items, list and forget them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.access import (
    FORGOTTEN,
    Actor,
    Capability,
    Role,
    audit,
    audit_event,
    authorize,
    is_mentor,
    pseudonymise_audit,
    require_admin,
    role_for,
)
from bot.dashboards import outbox as dashboard
from bot.errors import AccessDenied, Conflict, DomainError, InvalidInput
from bot.mentees.checkpoints import refresh_checkpoint
from bot.mentees.dto import (
    ItemLogged,
    MenteeChoice,
    MenteeRead,
    MenteeSummary,
    PersonRef,
    ProfileFields,
)
from bot.models import (
    AuditEvent,
    CheckIn,
    Mentee,
    MentorAssignment,
    Person,
    PlannedExam,
)
from bot.people import ensure_person, find_person, valid_tz
from bot.profile.schema import (
    CycleIn,
    ExamIn,
    LetterIn,
    PlannedExamIn,
    PracticeScoreIn,
    ProfileIn,
    ResearchIn,
    UsceIn,
)
from bot.profile.store import PROFILE_FIELDS, add_profile_items, item_row, load_profiles
from bot.vocab import AuditOutcome, Pathway, label

ProfileItem = ExamIn | PlannedExamIn | PracticeScoreIn | UsceIn | LetterIn | ResearchIn | CycleIn


def find_mentee(session: Session, slack_user_id: str) -> Mentee | None:
    return session.scalar(
        select(Mentee).join(Mentee.person).where(Person.slack_user_id == slack_user_id)
    )


def mentee_for(
    session: Session, actor: Actor, slack_user_id: str, capability: Capability, action: str
) -> Mentee:
    """The mentee named by a Slack id, if the actor may act on them this way (audited)."""
    mentee = find_mentee(session, slack_user_id)
    return authorize(session, actor, mentee, capability, action, subject_slack_id=slack_user_id)


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
    dashboard.record(
        session, mentee_id=mentee.id, text="Enrolled in MatchPath", key="enrolled", actor=actor
    )
    return read_mentee(session, mentee)


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
    dashboard.record(
        session,
        mentee_id=mentee.id,
        text="Profile updated",
        key=f"profile:{actor.now.isoformat()}",
        actor=actor,
    )
    return read_mentee(session, mentee)


def log_item(
    session: Session, *, actor: Actor, slack_user_id: str, item: ProfileItem
) -> ItemLogged:
    """Add one item (exam, letter, USCE, research, cycle, practice score, planned exam)."""
    kind = type(item).__name__.removesuffix("In").lower()
    mentee = mentee_for(session, actor, slack_user_id, Capability.LOG_ITEM, f"item.add.{kind}")
    item = _check_item(session, mentee, item)
    if isinstance(item, ExamIn | PlannedExamIn):
        # Sitting an exam settles its plan; a new plan replaces the old one.
        session.execute(
            delete(PlannedExam).where(
                PlannedExam.mentee_id == mentee.id, PlannedExam.exam == item.exam
            )
        )
    row: Any = item_row(item, mentee_id=mentee.id, now=actor.now)
    session.add(row)
    mentee.updated_at = actor.now
    session.flush()
    dashboard.record(
        session,
        mentee_id=mentee.id,
        text=f"Logged: {describe_item(item)}",
        key=f"item:{kind}:{row.id}",
        actor=actor,
    )
    return ItemLogged(
        mentee_id=mentee.id,
        kind=kind,
        id=row.id,
        summary=describe_item(item),
        confirmation=confirm_item(item),
    )


def _check_item(session: Session, mentee: Mentee, item: ProfileItem) -> ProfileItem:
    """The item as it will be stored (an exam gets its attempt number), or a refusal."""
    profile = load_profiles(session, [mentee])[mentee.id]
    if isinstance(item, ExamIn):
        return numbered_attempt([e for e in profile.exams if e.exam is item.exam], item)
    if isinstance(item, CycleIn) and any(c.season == item.season for c in profile.cycles):
        raise InvalidInput.single("season", f"the {item.season} season is already recorded")
    return item


def numbered_attempt(sat: list[ExamIn], exam: ExamIn) -> ExamIn:
    """A result without an attempt number is the next attempt; one given must be free, and a
    day already on record is the same sitting logged twice."""
    name = label(exam.exam)
    after = max((e.attempt for e in sat), default=0) + 1
    twice = next((e for e in sat if e.taken_on == exam.taken_on), None)
    if twice is not None:
        raise InvalidInput.single(
            "taken_on",
            f"{name} taken on {exam.taken_on} is already recorded (attempt {twice.attempt})",
        )
    if "attempt" in exam.model_fields_set:
        if any(e.attempt == exam.attempt for e in sat):
            raise InvalidInput.single(
                "attempt",
                f"{name} attempt {exam.attempt} is already recorded; the next is attempt {after}",
            )
        return exam
    if after > 9:
        raise InvalidInput.single("attempt", f"{name} already has 9 attempts on record")
    return exam.model_copy(update={"attempt": after})


def confirm_item(item: ProfileItem) -> str:
    """What was stored, for the person who logged it: with the score and the attempt."""
    match item:
        case ExamIn():
            return (
                f"{label(item.exam)} {item.result_text()} (attempt {item.attempt}, {item.taken_on})"
            )
        case PracticeScoreIn():
            return (
                f"{label(item.source)} practice score {item.score} for {label(item.exam)} "
                f"({item.taken_on})"
            )
    return describe_item(item)


def describe_item(item: ProfileItem) -> str:
    """One line naming the item, for confirmations and the dashboard thread (no scores)."""
    match item:
        case ExamIn():
            return f"{label(item.exam)} result (attempt {item.attempt}, {item.taken_on})"
        case PlannedExamIn():
            return f"{label(item.exam)} planned for {item.planned_on}"
        case PracticeScoreIn():
            return f"{label(item.source)} practice score for {label(item.exam)} ({item.taken_on})"
        case UsceIn():
            return f"{label(item.kind)} in {label(item.specialty)}"
        case LetterIn():
            strength = "strong " if item.strong else ""
            return f"{strength}letter from {item.writer}"
        case ResearchIn():
            return f"{label(item.kind)}: {item.title}"
        case CycleIn():
            return f"{item.season} application cycle ({label(item.outcome)})"


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
    erased = dashboard.erase_posts(session, mentee_id=mentee.id, now=actor.now)
    forgotten = audit_event(
        actor, "mentee.forgotten", mentee, None, AuditOutcome.OK, {"slack_posts_erased": erased}
    )
    session.add(forgotten)
    session.flush()
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
    )
