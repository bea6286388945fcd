"""`matchpath import --update`: the file's people added or changed field by field, everyone else
kept, all or nothing; `--dry-run` says the same and writes nothing."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url

import bot.tables
from app.cli import main
from bot.access import Actor
from bot.db.engine import Database
from bot.errors import InvalidInput
from bot.models import AuditEvent, MentorAssignment, Milestone, Person
from bot.roster.schema import MenteeRecord, MentorEntry, Roster
from bot.roster.service import export_roster, import_roster, parse_roster
from bot.roster.update import RosterChanges, update_roster
from tests.databases import DatabaseFactory
from tests.roster_strategies import mentee_records

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "roster.json"


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def by_id(data: dict[str, Any], slack_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in data["mentees"] if m["slack_user_id"] == slack_id)
    return found


def edited(data: dict[str, Any]) -> dict[str, Any]:
    """The example as a coordinator might change it before `import --update`."""
    data = copy.deepcopy(data)
    tariq = by_id(data, "UMENTEE02")
    tariq["visa"] = "h1b"
    tariq["mentors"] = ["UMENTOR01", "UMENTOR02"]
    tariq["milestones"][0]["due_on"] = "2026-12-20"
    tariq["milestones"].append({"title": "Book Step 3", "due_on": "2027-02-01"})
    tariq["exams"].reverse()  # the order of a list is not a change
    maya = by_id(data, "UMENTEE01")
    maya["checkins"][0]["at"] = "2026-06-01T20:30:00+05:30"  # the same instant
    daniel = by_id(data, "UMENTEE04")
    daniel["name"] = "Daniel O. Okafor"
    daniel["mentors"] = ["UMENTOR02"]
    daniel["checkins"] = []
    data["mentees"] = [m for m in data["mentees"] if m["slack_user_id"] != "UMENTEE03"]
    data["mentees"].append(
        {"slack_user_id": "UMENTEE05", "name": "Ana Lima", "applicant_type": "us_img"}
    )
    data["mentors"][1]["tz"] = "Asia/Tokyo"
    data["mentors"].append({"slack_user_id": "UMENTOR03", "name": "Dr. New"})
    data["admins"].append("UADMIN02")
    return data


def summary(changes: RosterChanges) -> dict[str, Any]:
    return {
        what: {
            outcome: [
                (e.slack_user_id, *e.fields) for e in getattr(getattr(changes, what), outcome)
            ]
            for outcome in ("added", "changed", "unchanged", "kept")
        }
        for what in ("mentees", "mentors", "admins")
    }


def canonical(record: MenteeRecord) -> dict[str, Any]:
    """What the database keeps of a record: lists as sets of items, check-ins' times as
    instants, mentors by id."""
    checkins = [c.model_copy(update={"at": c.at.astimezone(UTC)}) for c in record.checkins]
    values = record.model_copy(update={"checkins": checkins}).model_dump(mode="json")
    for name, value in values.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            values[name] = sorted(json.dumps(v, sort_keys=True) for v in value)
    values["mentors"] = sorted(values["mentors"])
    return values


def exported(db: Database, system: Actor) -> Roster:
    with db.unit_of_work() as session:
        return export_roster(session, actor=system)


def rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order."""
    out = {}
    with db.read_only() as session:
        for name, table in bot.tables.metadata.tables.items():
            found = [tuple(row) for row in session.execute(select(table))]
            out[name] = sorted(found, key=repr)
    return out


def test_update_adds_changes_and_keeps(fresh_db: Database, system: Actor) -> None:
    with fresh_db.unit_of_work() as session:
        import_roster(session, actor=system, roster=parse_roster(EXAMPLE.read_text()))
    before = exported(fresh_db, system)
    with fresh_db.read_only() as session:
        milestone_id = session.scalar(
            select(Milestone.id).where(Milestone.title.startswith("Final tiered"))
        )
    data = edited(example())
    with fresh_db.unit_of_work() as session:
        changes = update_roster(session, actor=system, roster=Roster.model_validate(data))
    assert summary(changes) == {
        "mentees": {
            "added": [("UMENTEE05",)],
            "changed": [
                ("UMENTEE02", "visa", "mentors", "milestones"),
                ("UMENTEE04", "name", "mentors", "checkins"),
            ],
            "unchanged": [("UMENTEE01",)],
            "kept": [("UMENTEE03",)],
        },
        "mentors": {
            "added": [("UMENTOR03",)],
            "changed": [("UMENTOR02", "tz")],
            "unchanged": [("UMENTOR01",)],
            "kept": [],
        },
        "admins": {
            "added": [("UADMIN02",)],
            "changed": [],
            "unchanged": [("UADMIN01",)],
            "kept": [],
        },
    }
    after = exported(fresh_db, system)
    wanted = Roster.model_validate(data)
    for record in wanted.mentees:
        now = next(m for m in after.mentees if m.slack_user_id == record.slack_user_id)
        assert canonical(now) == canonical(record)
    lucia = [m for m in before.mentees + after.mentees if m.slack_user_id == "UMENTEE03"]
    assert lucia[0] == lucia[1]  # not in the file: kept exactly as it was
    assert {m.slack_user_id: m.tz for m in after.mentors}["UMENTOR02"] == "Asia/Tokyo"
    assert after.admins == ["UADMIN01", "UADMIN02"]
    with fresh_db.read_only() as session:
        moved = session.get(Milestone, milestone_id)
        assert moved is not None  # changed in place: its id, and its reminders' history, stay
        assert (str(moved.due_on), moved.due_version) == ("2026-12-20", 2)
        ended = session.execute(
            select(Person.slack_user_id, MentorAssignment.until)
            .join(Person, Person.id == MentorAssignment.mentor_id)
            .where(MentorAssignment.until.is_not(None))
        ).all()
        assert [(slack_id, until) for slack_id, until in ended] == [("UMENTOR01", system.now)]
        updates = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "mentee.update")
        ).all()
        assert sorted(u["fields"] for u in updates) == [
            ["name", "mentors", "checkins"],
            ["visa", "mentors", "milestones"],
        ]
    # The same file again, and the database's own export, change nothing.
    for again in (Roster.model_validate(data), after):
        with fresh_db.unit_of_work() as session:
            repeat = update_roster(session, actor=system, roster=again)
        assert summary(repeat)["mentees"]["added"] == []
        assert summary(repeat)["mentees"]["changed"] == []
        assert summary(repeat)["mentors"]["changed"] == []


def test_a_bad_entry_refuses_the_whole_update(fresh_db: Database, system: Actor) -> None:
    with fresh_db.unit_of_work() as session:
        import_roster(session, actor=system, roster=parse_roster(EXAMPLE.read_text()))
    snapshot = rows(fresh_db)
    data = edited(example())
    by_id(data, "UMENTEE05")["mentors"] = ["UNOBODY1"]
    with pytest.raises(InvalidInput) as refused, fresh_db.unit_of_work() as session:
        update_roster(session, actor=system, roster=Roster.model_validate(data))
    assert "mentees[3] (UMENTEE05).mentors: UNOBODY1 is not in mentors" in str(refused.value)
    assert "already enrolled" not in str(refused.value)
    assert rows(fresh_db) == snapshot


def sqlite_bytes(url: str) -> dict[str, str]:
    """The SQLite database's files, its write-ahead log first written into the main file."""
    path = Path(str(make_url(url).database))
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # An empty log left by a connection still open holds nothing: only frames would count.
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (path, path.with_name(path.name + "-wal"))
        if p.exists() and p.stat().st_size
    }


def test_dry_run_prints_the_changes_and_writes_nothing(
    db_factory: DatabaseFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = db_factory.new()
    edited_file = tmp_path / "roster.json"
    edited_file.write_text(json.dumps(edited(example())))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", url)
        assert main(["import", str(EXAMPLE)]) == 0
        db = Database(url)
        try:
            snapshot = rows(db)
        finally:
            db.dispose()
        files = sqlite_bytes(url) if url.startswith("sqlite") else {}
        capsys.readouterr()
        assert main(["import", "--update", "--dry-run", str(edited_file)]) == 0
        out = capsys.readouterr().out
        db = Database(url)
        try:
            assert rows(db) == snapshot  # row for row
        finally:
            db.dispose()
        if files:
            assert sqlite_bytes(url) == files  # byte for byte
        assert main(["import", "--update", str(edited_file)]) == 0
        applied = capsys.readouterr().out
    assert out.splitlines()[0] == "dry run: nothing was written"
    assert out.splitlines()[1:] == applied.splitlines()
    assert applied.splitlines() == [
        "mentees: 1 added, 2 changed, 1 unchanged, 1 not in the file (kept)",
        "  added    UMENTEE05 Ana Lima",
        "  changed  UMENTEE02 Tariq Haddad: visa, mentors, milestones",
        "  changed  UMENTEE04 Daniel O. Okafor: name, mentors, checkins",
        "  kept     UMENTEE03 Lucia Moreno",
        "mentors: 1 added, 1 changed, 1 unchanged, 0 not in the file (kept)",
        "  added    UMENTOR03 Dr. New",
        "  changed  UMENTOR02 Dr. Samuel Osei: tz",
        "admins: 1 added, 0 changed, 1 unchanged, 0 not in the file (kept)",
        "  added    UADMIN02 UADMIN02",
        "kept: not in the file, kept as they are (an import never deletes anyone; "
        "`/matchpath forget @name` deletes a mentee)",
    ]


def test_import_without_update_still_refuses_enrolled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
        assert main(["import", str(EXAMPLE)]) == 0
        assert main(["import", "--dry-run", str(EXAMPLE)]) == 2
        assert main(["import", "--update", "--dry-run", str(EXAMPLE)]) == 0
    out = capsys.readouterr()
    assert "already enrolled" in out.err
    assert "mentees: 0 added, 0 changed, 4 unchanged" in out.out


SEQUENCE = itertools.count()
MENTORS = [
    MentorEntry(slack_user_id="UMENTORA", name="Mentor A"),
    MentorEntry(slack_user_id="UMENTORB", name="Mentor B", tz="Europe/London"),
]


@pytest.fixture(scope="module")
def update_db(db_factory: DatabaseFactory) -> Iterator[Database]:
    """A database of this module's own, which the property below fills example by example."""
    db = Database(db_factory.new())
    yield db
    db.dispose()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_after_an_update_the_export_is_the_file(
    update_db: Database, system: Actor, data: st.DataObject
) -> None:
    """Whatever a mentee was, and whatever the file says they are now: after the update the
    database exports what the file says."""
    slack_id = f"UPROP{next(SEQUENCE)}"
    ids = [m.slack_user_id for m in MENTORS]
    first = data.draw(mentee_records(slack_id, ids))
    then = data.draw(mentee_records(slack_id, ids))
    with update_db.unit_of_work() as session:
        known = session.scalar(select(Person.id).where(Person.slack_user_id == "UMENTORA"))
        roster = Roster(mentors=MENTORS, mentees=[first])
        if known is None:
            import_roster(session, actor=system, roster=roster)
        else:
            update_roster(session, actor=system, roster=roster)
    with update_db.unit_of_work() as session:
        changes = update_roster(
            session, actor=system, roster=Roster(mentors=MENTORS, mentees=[then])
        )
    assert [e.slack_user_id for e in changes.mentees.changed + changes.mentees.unchanged] == [
        slack_id
    ]
    with update_db.unit_of_work() as session:
        now = export_roster(session, actor=system, mentee_slack_id=slack_id).mentees[0]
    assert canonical(now) == canonical(then)


def test_a_dry_run_of_a_first_import_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'first.db'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", url)
        assert main(["import", "--dry-run", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == (
        "dry run: nothing was written\nwould import 4 mentees, 2 mentors, 1 admin\n"
    )
    db = Database(url)
    try:
        assert {name: found for name, found in rows(db).items() if found} == {}
    finally:
        db.dispose()
