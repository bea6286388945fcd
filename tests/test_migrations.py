"""Migrations build the schema from nothing, match the models exactly, and go back to nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

import bot.tables  # noqa: F401
from bot.access import Actor, Capability, mentee_for, resolve_actor
from bot.db.base import Base
from bot.db.engine import Database, make_engine
from bot.db.migrate import current_is_head, downgrade, upgrade
from bot.mentees.enrolment import enroll
from bot.models import AuditEvent, Mentee, Person
from bot.profile.schema import ProfileIn
from bot.roster.schema import Roster
from bot.roster.service import import_roster, parse_roster
from bot.vocab import AuditOutcome
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]


def test_upgrade_matches_models_and_downgrades_to_base(db_factory: DatabaseFactory) -> None:
    url = db_factory.empty()
    assert not current_is_head(url)
    upgrade(url)
    assert current_is_head(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
            tables = set(inspect(conn).get_table_names())
        assert diff == []
        assert set(Base.metadata.tables) <= tables
        downgrade(url)
        with engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
    finally:
        engine.dispose()


# -- 20261123_0006: ids never reused, past forgets pseudonymised --------------------------------

BEFORE_IDS = "20261122_0005"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sqlite_schema(url: str) -> dict[tuple[str, str], set[str] | str]:
    """Each table as the set of its clauses (columns and constraints; their order is not
    meaningful), each index as its statement."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            ).all()
    finally:
        engine.dispose()
    schema: dict[tuple[str, str], set[str] | str] = {}
    for kind, name, sql in rows:
        flat = re.sub(r"\s+", " ", sql.replace('"', "")).strip()
        schema[(kind, name)] = clauses(flat) if kind == "table" else flat
    return schema


def clauses(create_table: str) -> set[str]:
    body = create_table[create_table.index("(") + 1 : create_table.rindex(")")]
    parts, depth, current = set(), 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.add(current.strip())
            current = ""
        else:
            current += char
    return parts | {current.strip()}


def test_sqlite_schema_matches_the_models_clause_for_clause(
    db_factory: DatabaseFactory, tmp_path: Path
) -> None:
    """compare_metadata sees neither table options (AUTOINCREMENT) nor a partial index's WHERE:
    on SQLite the migrated schema is compared with the models' own DDL."""
    if db_factory.backend != "sqlite":
        pytest.skip("SQLite only")
    migrated = db_factory.empty()
    upgrade(migrated)
    models = f"sqlite:///{tmp_path / 'models.db'}"
    engine = make_engine(models)
    Base.metadata.create_all(engine)
    engine.dispose()
    got, want = sqlite_schema(migrated), sqlite_schema(models)
    assert set(got) == set(want)
    assert {k: got[k] for k in want if got[k] != want[k]} == {}
    autoincrement = {name for (kind, name), sql in got.items() if "AUTOINCREMENT" in str(sql)}
    assert autoincrement == {
        "person",
        "mentee",
        "milestone",
        "flag",
        "audit_event",
        # a saved list names its dataset and programmes by id
        "programme_dataset",
        "programme",
        # thread lines and reminders name an application or a change by id
        "saved_list",
        "application",
        "application_change",
    }


def legacy_forget(db: Database, slack_user_id: str, at: datetime) -> None:
    """What `forget` did before 20261123_0006: the audit kept the Slack id, and the rows went."""
    with db.unit_of_work() as s:
        mentee = s.scalars(
            select(Mentee).join(Person).where(Person.slack_user_id == slack_user_id)
        ).one()
        s.add_all(
            [
                AuditEvent(
                    at=at,
                    actor_slack_id="UADMIN01",
                    mentee_id=None,
                    subject_slack_id=None,
                    action="mentee.forget",
                    outcome=AuditOutcome.OK,
                    detail={"subject": slack_user_id},
                ),
                AuditEvent(
                    at=at,
                    actor_slack_id="UADMIN01",
                    mentee_id=mentee.id,
                    subject_slack_id=slack_user_id,
                    action="mentee.forgotten",
                    outcome=AuditOutcome.OK,
                    detail={"slack_posts_erased": 0},
                ),
            ]
        )
        person = mentee.person
        s.delete(mentee)
        s.flush()
        s.delete(person)


def counts(db: Database) -> dict[str, int]:
    """Rows per table, for the tables of the models that the database has (later revisions
    add tables of their own)."""
    with db.read_only() as s:
        present = set(inspect(s.connection()).get_table_names())
        return {
            name: s.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
            if name in present
        }


def test_upgrade_keeps_every_row_and_pseudonymises_past_forgets(
    db_factory: DatabaseFactory,
) -> None:
    url = db_factory.empty()
    upgrade(url, BEFORE_IDS)
    db = Database(url)
    try:
        roster = (ROOT / "examples" / "roster.json").read_text()
        with db.unit_of_work() as s:
            import_roster(s, actor=Actor.system(NOW), roster=parse_roster(roster))
        with db.unit_of_work() as s:  # the last mentee reads their own profile (audited)
            me = resolve_actor(s, slack_user_id="UMENTEE04", admin_ids=frozenset(), now=NOW)
            # The access check alone: today's profile view also reads tables this old
            # revision does not have yet (the applications).
            forgotten_id = mentee_for(s, me, "UMENTEE04", Capability.READ, "profile.read").id
        legacy_forget(db, "UMENTEE04", NOW + timedelta(hours=1))
        with db.unit_of_work() as s:  # before this revision, SQLite gave them the same id
            # Enrolled as the roster import does it: today's `enroll` also plans a dashboard
            # card, which reads tables this old revision does not have yet (the applications).
            newcomer = {
                "slack_user_id": "UNEWBIE01",
                "name": "Nadia New",
                "applicant_type": "non_us_img",
                "visa": "j1",
            }
            import_roster(
                s,
                actor=Actor.system(NOW + timedelta(hours=2)),
                roster=Roster.model_validate({"mentees": [newcomer]}),
            )
        before = counts(db)
        assert before["check_in"] >= 3  # rows that a cascade would take with their mentee
        db.dispose()

        upgrade(url)

        db = Database(url)
        after = counts(db)
        assert {name: after[name] for name in before} == before
        assert not any(after[name] for name in set(after) - set(before))  # new tables start empty
        with db.read_only() as s:
            rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            if db.is_sqlite:
                assert s.execute(text("PRAGMA foreign_key_check")).all() == []
                assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        forgotten = next(r for r in rows if r.action == "mentee.forgotten")
        pseudonym = f"forgotten-{forgotten.id}"
        named = [r for r in rows if "UMENTEE04" in (r.actor_slack_id, r.subject_slack_id)]
        assert named == []
        assert "UMENTEE04" not in json.dumps([r.detail for r in rows])
        theirs = [(r.action, r.actor_slack_id) for r in rows if r.subject_slack_id == pseudonym]
        assert theirs == [
            ("mentee.import", "system"),
            ("profile.read", pseudonym),
            ("mentee.forget", "UADMIN01"),
            ("mentee.forgotten", "UADMIN01"),
        ]
        newbie = [r for r in rows if r.subject_slack_id == "UNEWBIE01"]
        assert [r.action for r in newbie] == ["mentee.import"]
        with db.unit_of_work() as s:
            enroll(
                s,
                actor=Actor.system(NOW + timedelta(hours=3)),
                slack_user_id="UNEWBIE02",
                profile=ProfileIn(name="Nia Newer", applicant_type="non_us_img", visa="j1"),
            )
            newest = s.scalars(
                select(Mentee.id).join(Person).where(Person.slack_user_id == "UNEWBIE02")
            ).one()
        assert newest > max(forgotten_id, *(r.mentee_id or 0 for r in rows))
    finally:
        db.dispose()
