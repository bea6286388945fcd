"""Between profile files and rows: load many profiles with a fixed number of queries, write items.

Every item table has the same column names as its item model, so one table of correspondences
serves loading, writing and export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db.base import Base
from bot.models import (
    ApplicationCycle,
    ClinicalExperience,
    ExamResult,
    Letter,
    Mentee,
    PlannedExam,
    PracticeScore,
    ResearchOutput,
)
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


@dataclass(frozen=True)
class ItemTable:
    field: str  # the ProfileIn list it fills
    model: type[Base]
    item: type[BaseModel]
    order: tuple[str, ...]


ITEM_TABLES: tuple[ItemTable, ...] = (
    ItemTable("exams", ExamResult, ExamIn, ("taken_on", "exam", "attempt")),
    ItemTable("planned_exams", PlannedExam, PlannedExamIn, ("planned_on", "exam")),
    ItemTable("practice_scores", PracticeScore, PracticeScoreIn, ("taken_on", "id")),
    ItemTable("usce", ClinicalExperience, UsceIn, ("start", "id")),
    ItemTable("letters", Letter, LetterIn, ("received_on", "id")),
    ItemTable("research", ResearchOutput, ResearchIn, ("date", "id")),
    ItemTable("cycles", ApplicationCycle, CycleIn, ("season",)),
)
TABLE_BY_ITEM: dict[type[BaseModel], ItemTable] = {t.item: t for t in ITEM_TABLES}
PROFILE_FIELDS = (
    "applicant_type",
    "visa",
    "ecfmg",
    "graduation_year",
    "targets",
    "mentor_advocate",
    "distinctive_story",
)

CHUNK = 500


def load_profiles(session: Session, mentees: Sequence[Mentee]) -> dict[int, ProfileIn]:
    """Profiles of these mentees: one query per item table (per 500 mentees).

    Plain column rows, not ORM objects: this runs on every profile, assessment and card, and the
    rows are only read.
    """
    items: dict[int, dict[str, list[BaseModel]]] = defaultdict(lambda: defaultdict(list))
    ids = [m.id for m in mentees]
    for table in ITEM_TABLES:
        for mentee_id, values in _rows(session, table, ids):
            items[mentee_id][table.field].append(table.item.model_validate(values))
    return {m.id: profile_of(m, items[m.id]) for m in mentees}


def _rows(
    session: Session, table: ItemTable, ids: list[int]
) -> Iterable[tuple[int, dict[str, Any]]]:
    model: Any = table.model
    fields = list(table.item.model_fields)
    columns = [getattr(model, name) for name in fields]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = (
            select(model.mentee_id, *columns)
            .where(model.mentee_id.in_(chunk))
            .order_by(*_order(table))
        )
        for row in session.execute(query):
            yield row[0], dict(zip(fields, row[1:], strict=True))


def _order(table: ItemTable) -> list[InstrumentedAttribute[Any]]:
    return [getattr(table.model, name) for name in table.order]


def profile_of(mentee: Mentee, items: dict[str, list[BaseModel]]) -> ProfileIn:
    fields = {name: getattr(mentee, name) for name in PROFILE_FIELDS}
    return ProfileIn(name=mentee.person.display_name, **fields, **items)


def item_row(item: BaseModel, *, mentee_id: int, now: datetime) -> Base:
    table = TABLE_BY_ITEM[type(item)]
    values = item.model_dump()
    if isinstance(item, CycleIn):
        values["applications"] = {str(k): v for k, v in item.applications.items()}
    return table.model(**values, mentee_id=mentee_id, created_at=now)


def add_profile_items(
    session: Session, profile: ProfileIn, *, mentee_id: int, now: datetime
) -> None:
    for table in ITEM_TABLES:
        for item in getattr(profile, table.field):
            session.add(item_row(item, mentee_id=mentee_id, now=now))
