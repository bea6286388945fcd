"""Import a roster all-or-nothing, and export one that imports back to the same JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, audit, require_admin
from bot.errors import InvalidInput, Problem, problems_from_validation
from bot.mentees.checkpoints import refresh_checkpoint
from bot.mentees.service import find_mentee
from bot.models import CheckIn, Mentee, MentorAssignment, Milestone, Person
from bot.people import ensure_person, valid_tz
from bot.profile.store import PROFILE_FIELDS, add_profile_items, load_profiles
from bot.roster.schema import (
    CheckInEntry,
    MenteeRecord,
    MentorEntry,
    MilestoneEntry,
    Roster,
)
from bot.vocab import plural

RowT = TypeVar("RowT", Milestone, CheckIn)


def parse_roster(text: str | bytes) -> Roster:
    """Parse and validate a roster file; every problem is listed, by entry and field."""
    try:
        roster = Roster.model_validate_json(text)
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        raise InvalidInput([Problem(_pretty(p.where), p.message) for p in problems]) from None
    return roster


def _pretty(where: str) -> str:
    parts = where.split(".")
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def import_roster(session: Session, *, actor: Actor, roster: Roster) -> int:
    """Write the roster, or nothing if any entry has a problem. Returns the mentees added."""
    require_admin(session, actor, "roster.import", mentees=len(roster.mentees))
    problems = _cross_check(session, roster)
    if problems:
        raise InvalidInput(problems)
    now = actor.now
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
    for record in roster.mentees:
        _import_mentee(session, actor, record)
    session.flush()
    return len(roster.mentees)


def _cross_check(session: Session, roster: Roster) -> list[Problem]:
    problems: list[Problem] = []
    mentor_ids = {m.slack_user_id for m in roster.mentors}
    seen: set[str] = set()
    for i, mentor in enumerate(roster.mentors):
        where = f"mentors[{i}] ({mentor.slack_user_id})"
        if mentor.slack_user_id in seen:
            problems.append(Problem(where, "listed twice"))
        seen.add(mentor.slack_user_id)
        problems += _tz_problem(where, mentor.tz)
    mentee_ids: set[str] = set()
    enrolled: list[str] = []
    for i, record in enumerate(roster.mentees):
        where = f"mentees[{i}] ({record.slack_user_id or 'no id'})"
        if record.slack_user_id is None:
            problems.append(Problem(f"mentees[{i}].slack_user_id", "missing"))
            continue
        if record.slack_user_id in mentee_ids:
            problems.append(Problem(where, "listed twice"))
        mentee_ids.add(record.slack_user_id)
        if find_mentee(session, record.slack_user_id) is not None:
            problems.append(Problem(where, "already enrolled in this database"))
            enrolled.append(record.slack_user_id)
        problems += _tz_problem(where, record.tz)
        for mentor_id in record.mentors:
            if mentor_id not in mentor_ids:
                problems.append(Problem(f"{where}.mentors", f"{mentor_id} is not in mentors"))
        for j, check_in in enumerate(record.checkins):
            if check_in.mentor and check_in.mentor not in mentor_ids:
                problems.append(
                    Problem(f"{where}.checkins[{j}].mentor", f"{check_in.mentor} is not in mentors")
                )
    if enrolled:
        problems.append(_enrolled_advice(enrolled))
    return problems


def _enrolled_advice(enrolled: list[str]) -> Problem:
    """What to do instead: an import only adds people; it does not update them (yet)."""
    those = "is already enrolled" if len(enrolled) == 1 else "are already enrolled"
    return Problem(
        "",
        f"{plural(len(enrolled), 'entry', 'entries')} {those} ({', '.join(enrolled)}): "
        "an import only adds new mentees, so remove them from the file and import again, "
        "or change those mentees in Slack (`/matchpath profile @name`, then Edit profile). "
        "Updating mentees from a file (`matchpath import --update`) is not available yet.",
    )


def _tz_problem(where: str, tz: str | None) -> list[Problem]:
    try:
        valid_tz(tz)
    except InvalidInput as exc:
        return [Problem(f"{where}.tz", str(exc.problems[0].message))]
    return []


def _import_mentee(session: Session, actor: Actor, record: MenteeRecord) -> None:
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
    people = {
        p.slack_user_id: p.id
        for p in session.scalars(
            select(Person).where(
                Person.slack_user_id.in_(
                    record.mentors + [c.mentor for c in record.checkins if c.mentor]
                )
            )
        )
    }
    for mentor_id in record.mentors:
        session.add(MentorAssignment(mentor_id=people[mentor_id], mentee_id=mentee.id, since=now))
    for m in record.milestones:
        session.add(Milestone(mentee_id=mentee.id, **m.model_dump(), created_at=now))
    for c in record.checkins:
        session.add(
            CheckIn(
                mentee_id=mentee.id,
                mentor_id=people[c.mentor] if c.mentor else None,
                at=c.at,
                notes=c.notes,
                wellbeing_asked=c.wellbeing_asked,
                created_at=now,
            )
        )
    refresh_checkpoint(session, mentee)
    audit(session, actor, "mentee.import", mentee=mentee)


def export_roster(session: Session, *, actor: Actor, mentee_slack_id: str | None = None) -> Roster:
    """The programme (or one mentee with their mentors) as a roster, in a canonical order."""
    require_admin(session, actor, "roster.export", subject_slack_id=mentee_slack_id)
    query = select(Mentee).join(Mentee.person).order_by(Person.slack_user_id)
    if mentee_slack_id is not None:
        query = query.where(Person.slack_user_id == mentee_slack_id)
    mentees = list(session.scalars(query))
    if mentee_slack_id is not None and not mentees:
        raise InvalidInput.single("mentee", f"{mentee_slack_id} is not enrolled")
    profiles = load_profiles(session, mentees)
    ids = [m.id for m in mentees]
    assignments = _active_mentors(session, ids)
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
    records = []
    for mentee in mentees:
        audit(session, actor, "mentee.export", mentee=mentee)
        records.append(
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
        )
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


def _active_mentors(session: Session, mentee_ids: list[int]) -> dict[int, list[str]]:
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
