"""`matchpath import --update`: bring the database to the roster file, all or nothing.

The file is the truth for everyone it lists: a mentee in it is added, or changed to what it
says (each field that differs), or left as it is. Nobody is deleted: a mentee, mentor or admin
the file does not list is kept as they are, and said to be (`kept`); deleting someone is
`/matchpath forget`, on purpose. What changes is returned as `RosterChanges`, so that a dry run
(the same call in a transaction that is rolled back) can print it.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from bot.access import Actor, audit, require_admin
from bot.errors import InvalidInput
from bot.events import ProfileUpdated, emit
from bot.mentees.checkpoints import refresh_checkpoint
from bot.models import CheckIn, Mentee, MentorAssignment, Milestone, Person
from bot.people import ensure_person, find_person
from bot.profile.store import ITEM_TABLES, PROFILE_FIELDS, item_row
from bot.roster.places import Places
from bot.roster.records import mentee_records
from bot.roster.schema import CheckInEntry, MenteeRecord, MilestoneEntry, Roster
from bot.roster.service import check_in_row, cross_check, import_mentee, people_ids

ITEM_FIELDS = {table.field: table for table in ITEM_TABLES}


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True)

    slack_user_id: str
    name: str
    fields: tuple[str, ...] = ()  # changed: the fields that differ


class Tally(BaseModel):
    model_config = ConfigDict(frozen=True)

    added: tuple[Entry, ...] = ()
    changed: tuple[Entry, ...] = ()
    unchanged: tuple[Entry, ...] = ()
    kept: tuple[Entry, ...] = ()  # in the database, not in the file: kept as they are


class RosterChanges(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentees: Tally
    mentors: Tally
    admins: Tally


def update_roster(
    session: Session, *, actor: Actor, roster: Roster, places: Places | None = None
) -> RosterChanges:
    """Add and change what the roster says; keep everyone it does not list."""
    require_admin(session, actor, "roster.update", mentees=len(roster.mentees))
    problems = cross_check(session, roster, places or Places(roster), update=True)
    if problems:
        raise InvalidInput(problems)
    admins = _admins(session, roster, actor)
    mentors = _mentors(session, roster, actor)
    mentees = _mentees(session, roster, actor)
    session.flush()
    return RosterChanges(mentees=mentees, mentors=mentors, admins=admins)


def _admins(session: Session, roster: Roster, actor: Actor) -> Tally:
    listed = set(roster.admins)
    added: list[Entry] = []
    unchanged: list[Entry] = []
    for slack_id in roster.admins:
        person = find_person(session, slack_id)
        entry = Entry(slack_user_id=slack_id, name=person.display_name if person else slack_id)
        (unchanged if person is not None and person.is_admin else added).append(entry)
        ensure_person(session, slack_user_id=slack_id, now=actor.now).is_admin = True
    kept = [
        Entry(slack_user_id=p.slack_user_id, name=p.display_name)
        for p in session.scalars(
            select(Person).where(Person.is_admin).order_by(Person.slack_user_id)
        )
        if p.slack_user_id not in listed
    ]
    return Tally(added=tuple(added), unchanged=tuple(unchanged), kept=tuple(kept))


def _mentors(session: Session, roster: Roster, actor: Actor) -> Tally:
    listed = {m.slack_user_id for m in roster.mentors}
    tally: dict[str, list[Entry]] = {"added": [], "changed": [], "unchanged": []}
    for mentor in roster.mentors:
        person = find_person(session, mentor.slack_user_id)
        fields: tuple[str, ...] = ()
        if person is None or not person.is_mentor:
            outcome = "added"
        else:
            now_is = {"name": person.display_name, "tz": person.tz}
            fields = tuple(f for f in ("name", "tz") if now_is[f] != getattr(mentor, f))
            outcome = "changed" if fields else "unchanged"
        tally[outcome].append(
            Entry(slack_user_id=mentor.slack_user_id, name=mentor.name, fields=fields)
        )
        person = ensure_person(session, slack_user_id=mentor.slack_user_id, now=actor.now)
        person.display_name, person.tz, person.is_mentor = mentor.name, mentor.tz, True
    kept = [
        Entry(slack_user_id=p.slack_user_id, name=p.display_name)
        for p in session.scalars(
            select(Person).where(Person.is_mentor).order_by(Person.slack_user_id)
        )
        if p.slack_user_id not in listed
    ]
    session.flush()
    return Tally(
        added=tuple(tally["added"]),
        changed=tuple(tally["changed"]),
        unchanged=tuple(tally["unchanged"]),
        kept=tuple(kept),
    )


def _mentees(session: Session, roster: Roster, actor: Actor) -> Tally:
    enrolled = {
        m.person.slack_user_id: m
        for m in session.scalars(select(Mentee).join(Mentee.person).order_by(Person.slack_user_id))
    }
    listed = [enrolled[r.slack_user_id] for r in roster.mentees if r.slack_user_id in enrolled]
    current = {
        m.person.slack_user_id: r
        for m, r in zip(listed, mentee_records(session, listed), strict=True)
    }
    tally: dict[str, list[Entry]] = {"added": [], "changed": [], "unchanged": []}
    for record in roster.mentees:
        assert record.slack_user_id is not None  # cross_check refused a record without one
        before = current.get(record.slack_user_id)
        fields = differing(before, record) if before is not None else ()
        entry = Entry(slack_user_id=record.slack_user_id, name=record.name, fields=fields)
        if before is None:
            import_mentee(session, actor, record)
            tally["added"].append(entry)
        elif fields:
            _change(session, actor, enrolled[record.slack_user_id], record, fields)
            tally["changed"].append(entry)
        else:
            tally["unchanged"].append(entry)
    in_file = {r.slack_user_id for r in roster.mentees}
    kept = [
        Entry(slack_user_id=slack_id, name=m.person.display_name)
        for slack_id, m in enrolled.items()
        if slack_id not in in_file
    ]
    return Tally(
        added=tuple(tally["added"]),
        changed=tuple(tally["changed"]),
        unchanged=tuple(tally["unchanged"]),
        kept=tuple(kept),
    )


def differing(before: MenteeRecord, after: MenteeRecord) -> tuple[str, ...]:
    """The fields whose values differ, lists compared as sets of items (the database keeps
    their order by date, not as the file had it), times as instants."""
    return tuple(
        name
        for name in MenteeRecord.model_fields
        if _comparable(name, getattr(before, name)) != _comparable(name, getattr(after, name))
    )


def _comparable(name: str, value: Any) -> Any:
    if name == "mentors":
        return sorted(value)
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return sorted(_item_key(item) for item in value)
    return value


def _item_key(item: BaseModel) -> str:
    if isinstance(item, CheckInEntry):
        item = item.model_copy(update={"at": item.at.astimezone(UTC)})
    return json.dumps(item.model_dump(mode="json"), sort_keys=True)


def _change(
    session: Session, actor: Actor, mentee: Mentee, record: MenteeRecord, fields: tuple[str, ...]
) -> None:
    now = actor.now
    if "name" in fields:
        mentee.person.display_name = record.name
    if "tz" in fields:
        mentee.person.tz = record.tz
    for name in set(fields) & {*PROFILE_FIELDS, "status", "checkpoint_cadence_days", "notes"}:
        setattr(mentee, name, getattr(record, name))
    mentee.targets = [str(t) for t in record.targets]
    for name in set(fields) & set(ITEM_FIELDS):
        table = ITEM_FIELDS[name]
        columns = cast(Table, table.model.__table__).c
        session.execute(delete(table.model).where(columns.mentee_id == mentee.id))
        session.add_all(
            item_row(item, mentee_id=mentee.id, now=now) for item in getattr(record, name)
        )
    if "mentors" in fields:
        _reassign(session, actor, mentee, record.mentors)
    if "milestones" in fields:
        _milestones(session, mentee, record.milestones, actor)
    if "checkins" in fields:
        _check_ins(session, mentee, record.checkins, actor)
    mentee.updated_at = now
    refresh_checkpoint(session, mentee)
    audit(session, actor, "mentee.update", mentee=mentee, fields=list(fields))
    emit(session, ProfileUpdated(mentee_id=mentee.id, actor=actor))


def _reassign(session: Session, actor: Actor, mentee: Mentee, wanted: list[str]) -> None:
    """Mentors the file adds are assigned; those it leaves out are unassigned (the history
    of who mentored whom is kept, as `/matchpath unassign` keeps it)."""
    active = {
        slack_id: assignment
        for assignment, slack_id in session.execute(
            select(MentorAssignment, Person.slack_user_id)
            .join(Person, Person.id == MentorAssignment.mentor_id)
            .where(MentorAssignment.mentee_id == mentee.id, MentorAssignment.until.is_(None))
        )
    }
    ids = people_ids(session, wanted)
    for slack_id in wanted:
        if slack_id not in active:
            session.add(
                MentorAssignment(mentor_id=ids[slack_id], mentee_id=mentee.id, since=actor.now)
            )
            audit(session, actor, "mentor.assigned", mentee=mentee, mentor=slack_id)
    for slack_id, assignment in active.items():
        if slack_id not in ids:
            assignment.until = actor.now
            audit(session, actor, "mentor.unassigned", mentee=mentee, mentor=slack_id)


def _milestones(
    session: Session, mentee: Mentee, wanted: list[MilestoneEntry], actor: Actor
) -> None:
    """Milestones the file keeps as they are stay untouched; one whose title and kind match an
    existing one changes it in place (its id, and so its reminders' history, stays; a new due
    date gets a new due version); the rest are added, and those the file dropped deleted."""
    rows = list(
        session.scalars(
            select(Milestone).where(Milestone.mentee_id == mentee.id).order_by(Milestone.id)
        )
    )
    left = list(rows)
    changed: list[MilestoneEntry] = []
    for entry in wanted:
        same = next((r for r in left if _milestone(r) == entry), None)
        if same is None:
            changed.append(entry)
        else:
            left.remove(same)
    for entry in changed:
        row = next((r for r in left if (r.title, r.kind) == (entry.title, entry.kind)), None)
        if row is None:
            session.add(Milestone(mentee_id=mentee.id, **entry.model_dump(), created_at=actor.now))
            continue
        left.remove(row)
        if row.due_on != entry.due_on:
            row.due_version += 1
        row.due_on, row.status = entry.due_on, entry.status
        row.completed_on, row.rule = entry.completed_on, entry.rule
    for row in left:
        session.delete(row)


def _milestone(row: Milestone) -> MilestoneEntry:
    return MilestoneEntry.model_validate(row, from_attributes=True)


def _check_ins(session: Session, mentee: Mentee, wanted: list[CheckInEntry], actor: Actor) -> None:
    """Check-ins the file keeps stay; new ones are added; those it dropped are deleted."""
    rows = session.execute(
        select(CheckIn, Person.slack_user_id)
        .outerjoin(Person, Person.id == CheckIn.mentor_id)
        .where(CheckIn.mentee_id == mentee.id)
        .order_by(CheckIn.id)
    )
    existing = [
        (
            row,
            _item_key(
                CheckInEntry(
                    mentor=mentor, at=row.at, notes=row.notes, wellbeing_asked=row.wellbeing_asked
                )
            ),
        )
        for row, mentor in rows
    ]
    people = people_ids(session, [c.mentor for c in wanted if c.mentor])
    for entry in wanted:
        key = _item_key(entry)
        same = next((n for n, (_, k) in enumerate(existing) if k == key), None)
        if same is None:
            session.add(check_in_row(entry, mentee_id=mentee.id, people=people, now=actor.now))
        else:
            existing.pop(same)
    for row, _ in existing:
        session.delete(row)
