"""Import a roster all-or-nothing, and export one that imports back to the same roster."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, audit, find_mentee, require_admin
from bot.errors import InvalidInput, Problem, problems_from_validation
from bot.mentees.checkpoints import refresh_checkpoint
from bot.models import CheckIn, Mentee, MentorAssignment, Milestone, Person
from bot.people import ensure_person, valid_tz
from bot.profile.store import PROFILE_FIELDS, add_profile_items
from bot.roster.places import ParsedRoster, Places
from bot.roster.records import mentee_records
from bot.roster.schema import CheckInEntry, MenteeRecord, MentorEntry, Roster
from bot.vocab import plural


def parse_roster(text: str | bytes) -> Roster:
    """Parse and validate a roster file; every problem is listed, by entry and field."""
    try:
        roster = Roster.model_validate_json(text)
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        raise InvalidInput([Problem(_pretty(p.where), p.message) for p in problems]) from None
    return roster


def parse_json_roster(text: str | bytes) -> ParsedRoster:
    roster = parse_roster(text)
    return ParsedRoster(roster, Places(roster))


def _pretty(where: str) -> str:
    parts = where.split(".")
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def import_roster(
    session: Session, *, actor: Actor, roster: Roster, places: Places | None = None
) -> int:
    """Write the roster, or nothing if any entry has a problem. Returns the mentees added."""
    require_admin(session, actor, "roster.import", mentees=len(roster.mentees))
    problems = cross_check(session, roster, places or Places(roster))
    if problems:
        raise InvalidInput(problems)
    add_people(session, roster, now=actor.now)
    for record in roster.mentees:
        import_mentee(session, actor, record)
    session.flush()
    return len(roster.mentees)


def add_people(session: Session, roster: Roster, *, now: datetime) -> None:
    """The roster's admins and mentors, created or refreshed (name and zone, when given)."""
    for admin_id in roster.admins:
        ensure_person(session, slack_user_id=admin_id, now=now).is_admin = True
    for mentor in roster.mentors:
        person = ensure_person(
            session,
            slack_user_id=mentor.slack_user_id,
            display_name=mentor.name,
            tz=mentor.tz,
            now=now,
        )
        person.is_mentor = True
    session.flush()


def cross_check(
    session: Session, roster: Roster, places: Places, *, update: bool = False
) -> list[Problem]:
    """What the schema alone cannot see: a person listed twice, an unknown zone, a mentor who
    is not among the mentors, and (unless `update`) a mentee enrolled already."""
    problems: list[Problem] = []
    mentor_ids = {m.slack_user_id for m in roster.mentors}
    seen: set[str] = set()
    for i, mentor in enumerate(roster.mentors):
        if mentor.slack_user_id in seen:
            problems.append(Problem(places.mentor(i), "listed twice"))
        seen.add(mentor.slack_user_id)
        problems += _tz_problem(places.mentor(i, "tz"), mentor.tz)
    mentee_ids: set[str] = set()
    enrolled: list[str] = []
    for i, record in enumerate(roster.mentees):
        if record.slack_user_id is None:
            problems.append(Problem(places.mentee(i), "missing"))
            continue
        if record.slack_user_id in mentee_ids:
            problems.append(Problem(places.mentee(i), "listed twice"))
        mentee_ids.add(record.slack_user_id)
        if not update and find_mentee(session, record.slack_user_id) is not None:
            problems.append(Problem(places.mentee(i), "already enrolled in this database"))
            enrolled.append(record.slack_user_id)
        problems += _tz_problem(places.mentee(i, "tz"), record.tz)
        for mentor_id in record.mentors:
            if mentor_id not in mentor_ids:
                problems.append(
                    Problem(places.mentee(i, "mentors"), f"{mentor_id} is not in mentors")
                )
        for j, check_in in enumerate(record.checkins):
            if check_in.mentor and check_in.mentor not in mentor_ids:
                problems.append(
                    Problem(places.check_in(i, j, "mentor"), f"{check_in.mentor} is not in mentors")
                )
    if enrolled:
        problems.append(_enrolled_advice(enrolled))
    return problems


def _enrolled_advice(enrolled: list[str]) -> Problem:
    """What to do instead: an import only adds people; `--update` changes them."""
    those = "is already enrolled" if len(enrolled) == 1 else "are already enrolled"
    return Problem(
        "",
        f"{plural(len(enrolled), 'entry', 'entries')} {those} ({', '.join(enrolled)}): "
        "an import only adds new mentees, so remove them from the file and import again, "
        "or change those mentees in Slack (`/matchpath profile @name`, then Edit profile), "
        "or update the roster from the file with `matchpath import --update FILE` "
        "(add --dry-run to see what would change first).",
    )


def _tz_problem(where: str, tz: str | None) -> list[Problem]:
    try:
        valid_tz(tz)
    except InvalidInput as exc:
        return [Problem(where, str(exc.problems[0].message))]
    return []


def import_mentee(session: Session, actor: Actor, record: MenteeRecord) -> Mentee:
    """A new mentee with everything the record holds (their mentors are people already)."""
    assert record.slack_user_id is not None
    now = actor.now
    person = ensure_person(
        session,
        slack_user_id=record.slack_user_id,
        display_name=record.name,
        tz=record.tz,
        now=now,
    )
    profile = record.profile()
    mentee = Mentee(
        person=person,
        **{name: getattr(profile, name) for name in PROFILE_FIELDS},
        status=record.status,
        checkpoint_cadence_days=record.checkpoint_cadence_days,
        notes=record.notes,
        created_at=now,
        updated_at=now,
    )
    mentee.targets = [str(t) for t in profile.targets]
    session.add(mentee)
    session.flush()
    add_profile_items(session, profile, mentee_id=mentee.id, now=now)
    people = people_ids(session, record.mentors + [c.mentor for c in record.checkins if c.mentor])
    for mentor_id in record.mentors:
        session.add(MentorAssignment(mentor_id=people[mentor_id], mentee_id=mentee.id, since=now))
    for m in record.milestones:
        session.add(Milestone(mentee_id=mentee.id, **m.model_dump(), created_at=now))
    for c in record.checkins:
        session.add(check_in_row(c, mentee_id=mentee.id, people=people, now=now))
    refresh_checkpoint(session, mentee)
    audit(session, actor, "mentee.import", mentee=mentee)
    return mentee


def people_ids(session: Session, slack_ids: list[str]) -> dict[str, int]:
    query = select(Person.slack_user_id, Person.id).where(Person.slack_user_id.in_(slack_ids))
    return dict(session.execute(query).all())


def check_in_row(
    entry: CheckInEntry, *, mentee_id: int, people: dict[str, int], now: datetime
) -> CheckIn:
    return CheckIn(
        mentee_id=mentee_id,
        mentor_id=people[entry.mentor] if entry.mentor else None,
        at=entry.at,
        notes=entry.notes,
        wellbeing_asked=entry.wellbeing_asked,
        created_at=now,
    )


def export_roster(session: Session, *, actor: Actor, mentee_slack_id: str | None = None) -> Roster:
    """The programme (or one mentee with their mentors) as a roster, in a canonical order."""
    require_admin(session, actor, "roster.export", subject_slack_id=mentee_slack_id)
    query = select(Mentee).join(Mentee.person).order_by(Person.slack_user_id)
    if mentee_slack_id is not None:
        query = query.where(Person.slack_user_id == mentee_slack_id)
    mentees = list(session.scalars(query))
    if mentee_slack_id is not None and not mentees:
        raise InvalidInput.single("mentee", f"{mentee_slack_id} is not enrolled")
    for mentee in mentees:
        audit(session, actor, "mentee.export", mentee=mentee)
    records = mentee_records(session, mentees)
    mentor_ids = sorted({m for r in records for m in r.mentors}) if mentee_slack_id else None
    mentor_query = select(Person).where(Person.is_mentor).order_by(Person.slack_user_id)
    if mentor_ids is not None:
        mentor_query = mentor_query.where(Person.slack_user_id.in_(mentor_ids))
    return Roster(
        admins=list(
            session.scalars(
                select(Person.slack_user_id).where(Person.is_admin).order_by(Person.slack_user_id)
            )
        ),
        mentors=[
            MentorEntry(slack_user_id=p.slack_user_id, name=p.display_name, tz=p.tz)
            for p in session.scalars(mentor_query)
        ],
        mentees=records,
    )
