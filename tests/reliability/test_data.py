"""Data: a 1,000-mentee roster survives export → import → export unchanged, and `forget` removes
every row of a mentee, table by table; the audit keeps what was done, under a pseudonym."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, inspect, or_, select

from bot.access import Actor
from bot.db.base import Base
from bot.db.engine import Database
from bot.mentees.service import forget
from bot.models import AuditEvent, Mentee, Person
from bot.roster.service import export_roster, import_roster, parse_roster
from tests.databases import DatabaseFactory

SPECIALTIES = ["plastic_surgery", "general_surgery", "other_surgery", "other"]


def big_roster(count: int, seed: int = 7) -> dict[str, Any]:
    r = random.Random(seed)
    mentors = [
        {"slack_user_id": f"UM{i:04d}", "name": f"Mentor {i}", "tz": "America/Chicago"}
        for i in range(50)
    ]
    mentees = []
    for i in range(count):
        start = date(2024, 1, 1) + timedelta(days=r.randint(0, 600))
        mentees.append(
            {
                "slack_user_id": f"UE{i:05d}",
                "name": f"Mentee {i}",
                "tz": "Asia/Kolkata",
                "mentors": [mentors[i % 50]["slack_user_id"]],
                "applicant_type": r.choice(["us_img", "non_us_img"]),
                "visa": r.choice(["none", "j1", "h1b", "j1_or_h1b"]),
                "ecfmg": r.choice(["certified", "in_progress", "not_started"]),
                "graduation_year": r.randint(2015, 2026),
                "targets": r.sample(
                    ["general_surgery", "preliminary_surgery", "integrated_plastics"], 2
                ),
                "exams": [
                    {
                        "exam": "step2ck",
                        "score": r.randint(205, 260),
                        "attempt": 1,
                        "taken_on": start.isoformat(),
                    }
                ],
                "letters": [
                    {
                        "writer": f"Dr. {j}",
                        "specialty": r.choice(SPECIALTIES),
                        "us": r.random() < 0.8,
                        "strong": r.random() < 0.5,
                        "received_on": (start + timedelta(days=30 * j)).isoformat(),
                    }
                    for j in range(r.randint(0, 3))
                ],
                "research": [
                    {
                        "kind": "poster",
                        "specialty": r.choice(SPECIALTIES),
                        "title": f"Study {j} of mentee {i}",
                        "date": (start + timedelta(days=40 * j)).isoformat(),
                    }
                    for j in range(r.randint(0, 4))
                ],
                "milestones": [{"title": "Book Step 3", "due_on": "2027-01-15", "status": "open"}],
                "checkins": [
                    {
                        "mentor": mentors[i % 50]["slack_user_id"],
                        "at": "2026-05-01T15:00:00Z",
                        "notes": f"Check-in {i}",
                    }
                ],
            }
        )
    return {"admins": ["UADMIN01"], "mentors": mentors, "mentees": mentees}


def test_thousand_mentee_round_trip(db_factory: DatabaseFactory, system: Actor) -> None:
    first, second = Database(db_factory.new()), Database(db_factory.new())
    try:
        with first.unit_of_work() as s:
            import_roster(s, actor=system, roster=parse_roster(json.dumps(big_roster(1000))))
        with first.unit_of_work() as s:
            exported = export_roster(s, actor=system).model_dump_json()
        with second.unit_of_work() as s:
            assert import_roster(s, actor=system, roster=parse_roster(exported)) == 1000
        with second.unit_of_work() as s:
            assert export_roster(s, actor=system).model_dump_json() == exported
    finally:
        first.dispose()
        second.dispose()


def test_forget_removes_every_row(fresh_db: Database, system: Actor) -> None:
    with fresh_db.unit_of_work() as s:
        import_roster(s, actor=system, roster=parse_roster(json.dumps(big_roster(3))))
    with fresh_db.read_only() as s:
        mentee_id = s.scalar(
            select(Mentee.id).join(Person).where(Person.slack_user_id == "UE00001")
        )
        person_id = s.scalar(select(Person.id).where(Person.slack_user_id == "UE00001"))
    assert mentee_id is not None
    with fresh_db.unit_of_work() as s:
        forget(s, actor=system, slack_user_id="UE00001")
    with fresh_db.read_only() as s:
        left = {}
        for name, table in Base.metadata.tables.items():
            columns = set(table.c.keys())
            for column, value in (
                ("mentee_id", mentee_id),
                ("person_id", person_id),
                ("recipient_id", person_id),
            ):
                if column in columns and name != "audit_event":
                    left[f"{name}.{column}"] = s.scalar(
                        select(func.count()).select_from(table).where(table.c[column] == value)
                    )
        assert s.get(Person, person_id) is None
        forgotten = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "mentee.forgotten")
        ).one()
        trail = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject_slack_id == forgotten.subject_slack_id
            )
        ).all()
        named = s.scalar(
            select(func.count(AuditEvent.id)).where(
                or_(
                    AuditEvent.subject_slack_id == "UE00001",
                    AuditEvent.actor_slack_id == "UE00001",
                )
            )
        )
    assert {k: v for k, v in left.items() if v} == {}
    assert len(left) >= 10  # the check really visited every table that holds mentee rows
    assert forgotten.subject_slack_id == f"forgotten-{forgotten.id}"
    assert {"mentee.import", "mentee.forget", "mentee.forgotten"} <= set(trail)
    assert named == 0  # the audit keeps what was done, under the pseudonym only
    names = set(inspect(fresh_db.engine).get_table_names())
    assert names >= set(Base.metadata.tables)
