"""A realistic programme written in bulk: mentors, and mentees with exams, letters, US clinical
experience, research, cycles, milestones, check-ins and a few open flags.

Rows get explicit ids and go in with one executemany per table on SQLite and COPY on
PostgreSQL (whose id sequences are moved past them afterwards), so 100,000 mentees take
seconds to a minute, not hours. Profiles vary with a seeded random generator, so the
assessment engine does real work and the planner finds every kind of reminder.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, Table, text

from bot.db.engine import Database
from bot.models import (
    ApplicationCycle,
    CheckIn,
    ClinicalExperience,
    ExamResult,
    Flag,
    Letter,
    Mentee,
    MentorAssignment,
    Milestone,
    Person,
    PlannedExam,
    PracticeScore,
    ResearchOutput,
)

Row = dict[str, Any]
ZONES = (
    "Asia/Kolkata",
    "Asia/Karachi",
    "Africa/Cairo",
    "Africa/Lagos",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "Asia/Manila",
)
TARGETS = (
    "general_surgery",
    "preliminary_surgery",
    "integrated_plastics",
    "independent_plastics",
    "research_year",
)
SPECIALTIES = ("general_surgery", "plastic_surgery", "other_surgery")
MILESTONE_TITLES = (
    "Book Step 2 CK",
    "Ask Dr. Reyes for a letter",
    "Submit the abstract",
    "Apply for a sub-internship",
    "Draft the personal statement",
    "Update the CV",
)


@dataclass
class Programme:
    """Who was seeded: Slack ids, and each mentee's first mentor."""

    admin: str
    mentors: list[str]
    mentees: list[str]
    mentor_of: dict[str, str]
    rows: dict[str, int] = field(default_factory=dict)

    def caseload(self, mentor: str) -> list[str]:
        return [m for m, who in self.mentor_of.items() if who == mentor]


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class _Builder:
    def __init__(self, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.today = now.date()
        self.rng = rng
        self.tables: dict[Table, list[Row]] = defaultdict(list)
        self.next_id: dict[Table, int] = defaultdict(lambda: 1)

    def add(self, model: Any, **values: Any) -> int:
        table: Table = model.__table__
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.tables[table].append({"id": row_id, **values})
        return row_id

    def rows_of(self, model: Any) -> list[Row]:
        table: Table = model.__table__
        return self.tables[table]

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def person(self, slack_id: str, name: str, *, mentor: bool = False, admin: bool = False) -> int:
        r = self.rng
        return self.add(
            Person,
            slack_user_id=slack_id,
            team_id="T0MATCHPATH",
            display_name=name,
            tz=r.choice(ZONES),
            tz_override=None,
            tz_checked_at=None,
            quiet_start_minute=20 * 60,
            quiet_end_minute=8 * 60,
            quiet_weekends=r.random() < 0.7,
            is_admin=admin,
            is_mentor=mentor,
            dm_channel_id=None,
            created_at=_at(self.days_ago(400, 900)),
        )

    def mentee(self, index: int, slack_id: str, mentors: Sequence[int], flags_checked: Any) -> int:
        r = self.rng
        person = self.person(slack_id, f"Mentee {index:06d}")
        non_us = r.random() < 0.85
        graduated = r.randint(2014, 2024)
        created = self.now - timedelta(days=r.randint(120, 900))
        cadence = r.choice((90, 180, 180, 180))
        mentee = self.add(
            Mentee,
            person_id=person,
            applicant_type="non_us_img" if non_us else "us_img",
            visa=r.choice(("j1", "j1", "j1_or_h1b", "h1b", "none")) if non_us else "none",
            ecfmg=r.choices(("certified", "in_progress", "not_started"), (75, 20, 5))[0],
            graduation_year=graduated,
            targets=r.sample(TARGETS, r.randint(1, 3)),
            mentor_advocate=r.random() < 0.3,
            distinctive_story=r.random() < 0.2,
            checkpoint_cadence_days=cadence,
            status=r.choices(("active", "paused", "matched"), (95, 3, 2))[0],
            notes="",
            created_at=created,
            updated_at=min(self.now, created + timedelta(days=r.randint(0, 100))),
            flags_checked_at=flags_checked,
        )
        for n, mentor in enumerate(mentors):
            self.add(
                MentorAssignment,
                mentor_id=mentor,
                mentee_id=mentee,
                since=created + timedelta(days=n),
                until=None,
            )
        self._exams(mentee, graduated)
        self._experience(mentee)
        self._cycles(mentee)
        self._milestones(mentee, mentors[0])
        last = self._checkins(mentee, mentors[0], created)
        row = self.rows_of(Mentee)[-1]  # its next check-in, as the services keep it
        row["checkpoint_due_on"] = (last or created).date() + timedelta(days=cadence)
        if r.random() < 0.05:
            self.add(
                Flag,
                mentee_id=mentee,
                rule="STAG-NO-PROGRESS",
                detail="No new item, exam or completed milestone for 180 days",
                raised_at=self.now - timedelta(hours=r.randint(1, 72)),
                state="open",
                snoozed_until=None,
                resolved_at=None,
                resolved_reason=None,
                resolved_by_id=None,
                cleared_at=None,
            )
        return mentee

    def _exam(self, mentee: int, exam: str, attempt: int, day: date, **score: Any) -> None:
        values = {"score": None, "result": None, **score}
        self.add(
            ExamResult,
            mentee_id=mentee,
            exam=exam,
            attempt=attempt,
            taken_on=day,
            created_at=_at(day),
            **values,
        )

    def _exams(self, mentee: int, graduated: int) -> None:
        r = self.rng
        step1 = date(graduated - 1, r.randint(1, 12), 10)
        attempt = 1
        if r.random() < 0.08:
            self._exam(mentee, "step1", 1, step1, result="fail")
            step1 += timedelta(days=120)
            attempt = 2
        if graduated >= 2022:
            self._exam(mentee, "step1", attempt, step1, result="pass")
        else:
            self._exam(mentee, "step1", attempt, step1, score=r.randint(200, 250))
        if r.random() < 0.8:
            score = max(200, min(270, round(r.gauss(235, 12))))
            self._exam(mentee, "step2ck", 1, step1 + timedelta(days=300), score=score)
            if r.random() < 0.2:
                self._exam(
                    mentee, "step3", 1, step1 + timedelta(days=700), score=r.randint(200, 240)
                )
        else:
            self.add(
                PlannedExam,
                mentee_id=mentee,
                exam="step2ck",
                planned_on=self.today + timedelta(days=r.randint(10, 120)),
                created_at=self.now - timedelta(days=30),
            )
            for _ in range(r.randint(1, 3)):
                day = self.days_ago(5, 60)
                self.add(
                    PracticeScore,
                    mentee_id=mentee,
                    exam="step2ck",
                    score=r.randint(205, 245),
                    taken_on=day,
                    source=r.choice(("NBME", "UWorld", "Free120")),
                    created_at=_at(day),
                )

    def _experience(self, mentee: int) -> None:
        r = self.rng
        for _ in range(r.randint(1, 3)):
            start = self.days_ago(60, 1000)
            self.add(
                ClinicalExperience,
                mentee_id=mentee,
                kind=r.choice(("elective", "sub_internship", "observership", "externship")),
                specialty=r.choices(SPECIALTIES, (60, 25, 15))[0],
                institution="Mercy General Hospital",
                us=r.random() < 0.9,
                start=start,
                end=start + timedelta(weeks=r.randint(4, 12)),
                created_at=_at(start),
            )
        if r.random() < 0.1:
            start = self.days_ago(90, 360)
            self.add(
                ClinicalExperience,
                mentee_id=mentee,
                kind="research_fellowship",
                specialty="plastic_surgery",
                institution="University Hospital",
                us=True,
                start=start,
                end=None,
                created_at=_at(start),
            )
        for n in range(r.randint(1, 4)):
            day = self.days_ago(30, 700)
            self.add(
                Letter,
                mentee_id=mentee,
                writer=f"Dr. Writer {n}",
                specialty=r.choices(SPECIALTIES, (70, 20, 10))[0],
                us=r.random() < 0.8,
                strong=r.random() < 0.6,
                received_on=day,
                created_at=_at(day),
            )
        for n in range(r.randint(0, 6)):
            day = self.days_ago(10, 1000)
            self.add(
                ResearchOutput,
                mentee_id=mentee,
                kind=r.choice(("abstract", "poster", "publication", "case_report")),
                specialty=r.choices(SPECIALTIES, (50, 40, 10))[0],
                first_author=r.random() < 0.3,
                title=f"Outcomes of procedure {n}",
                date=day,
                created_at=_at(day),
            )

    def _cycles(self, mentee: int) -> None:
        r = self.rng
        cycles = r.choices((0, 1, 2), (45, 40, 15))[0]
        for season in range(self.today.year + 1 - cycles, self.today.year + 1):
            submitted = date(season - 1, 9, r.randint(1, 20))
            self.add(
                ApplicationCycle,
                mentee_id=mentee,
                season=season,
                submitted_on=submitted,
                applications={"general_surgery": r.randint(30, 90), "preliminary_surgery": 40},
                interviews=r.randint(0, 4),
                outcome=r.choices(("unmatched", "soap", "matched_prelim"), (70, 15, 15))[0],
                created_at=_at(submitted),
            )

    def _milestones(self, mentee: int, mentor: int) -> None:
        r = self.rng
        for _ in range(3):
            due = self.today + timedelta(days=r.randint(-45, 60))
            if due < self.today:
                status = r.choices(("done", "open", "dropped"), (50, 40, 10))[0]
            else:
                status = r.choices(("open", "done"), (85, 15))[0]
            self.add(
                Milestone,
                mentee_id=mentee,
                title=r.choice(MILESTONE_TITLES),
                kind="free",
                rule=None,
                due_on=due,
                due_version=1,
                status=status,
                completed_on=min(self.today, due - timedelta(days=2)) if status == "done" else None,
                created_by_id=mentor,
                created_at=min(self.now, _at(due - timedelta(days=r.randint(14, 90)))),
            )

    def _checkins(self, mentee: int, mentor: int, created: datetime) -> datetime | None:
        """0-3 check-ins, 120 days apart; returns the last one."""
        r = self.rng
        last = self.now - timedelta(days=r.randint(3, 260), hours=r.randint(0, 23))
        count = 0
        for n in range(r.randint(0, 3)):
            at = last - timedelta(days=120 * n)
            if at < created:
                break
            count += 1
            self.add(
                CheckIn,
                mentee_id=mentee,
                mentor_id=mentor,
                at=at,
                notes="Discussed letters and the application list.",
                wellbeing_asked=r.random() < 0.5,
                created_at=at,
            )
        return last if count else None


def seed_programme(
    db: Database,
    *,
    mentees: int,
    mentors: int,
    now: datetime,
    caseloads: Sequence[int] = (),
    flags_checked: datetime | None = None,
    prefix: str = "",
    seed: int = 8,
) -> Programme:
    """Seed `mentees` mentees under `mentors` mentors (and one admin).

    The first mentors get exactly `caseloads` mentees each; the rest are shared round-robin by
    the other mentors, one in ten with a second mentor. `flags_checked` is every mentee's last
    flag check (None: never, so the flag evaluator wants them all).
    """
    rng = random.Random(seed)
    b = _Builder(now, rng)
    admin = f"U{prefix}ADMIN01"
    b.person(admin, "Programme Admin", admin=True)
    mentor_ids = [f"U{prefix}MR{i:05d}" for i in range(mentors)]
    mentor_pks = [b.person(m, f"Dr. Mentor {i:05d}", mentor=True) for i, m in enumerate(mentor_ids)]
    fixed = [i for i, size in enumerate(caseloads) for _ in range(size)]
    pool = list(range(len(caseloads), mentors))
    mentee_ids = [f"U{prefix}ME{i:06d}" for i in range(mentees)]
    mentor_of: dict[str, str] = {}
    for i, slack_id in enumerate(mentee_ids):
        if i < len(fixed):
            chosen = [fixed[i]]
        else:
            k = i - len(fixed)
            chosen = [pool[k % len(pool)]]
            if rng.random() < 0.1 and len(pool) > 1:
                chosen.append(pool[(k + 1) % len(pool)])
        mentor_of[slack_id] = mentor_ids[chosen[0]]
        b.mentee(i, slack_id, [mentor_pks[c] for c in chosen], flags_checked)
    for table, rows in b.tables.items():
        bulk_insert(db, table, rows)
    return Programme(
        admin=admin,
        mentors=mentor_ids,
        mentees=mentee_ids,
        mentor_of=mentor_of,
        rows={t.name: len(rows) for t, rows in b.tables.items()},
    )


def bulk_insert(db: Database, table: Table, rows: list[Row]) -> None:
    """Insert rows with explicit ids: executemany on SQLite, COPY on PostgreSQL."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    names = ", ".join(f'"{c}"' for c in columns)
    with db.engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        if db.is_sqlite:
            marks = ", ".join("?" for _ in columns)
            raw.executemany(
                f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                ([_sqlite(row[c], c in as_json) for c in columns] for row in rows),
            )
            return
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), MAX(id)) "
                f"FROM {table.name}"
            )
        )


def _sqlite(value: Any, as_json: bool) -> Any:
    """A value as SQLAlchemy stores it in SQLite (naive UTC datetimes, ISO dates, JSON text)."""
    if as_json:
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def analyze(db: Database) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (autovacuum would, a minute
    later); SQLite is left as the product leaves it (no ANALYZE)."""
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
