"""Between profile files and rows: load many profiles with a fixed number of queries, write items.

Every item table has the same column names as its item model, so one table of correspondences
serves loading, writing and export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Select,
    Table,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import union_all

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

CHUNK = 500  # mentees per query: 7 x 500 parameters stay under both databases' limits


def load_profiles(session: Session, mentees: Sequence[Mentee]) -> dict[int, ProfileIn]:
    """Profiles of these mentees: one query for all their items (per 500 mentees).

    This runs on every profile, assessment and card, so the items of all seven tables come back
    in one round trip, each row as a JSON object keyed by the item's field names, in the order
    each table defines (its rank within its mentee). The statement is built once per dialect.
    """
    items: dict[int, dict[str, list[BaseModel]]] = defaultdict(lambda: defaultdict(list))
    ids = [m.id for m in mentees]
    query = _items_query(session.get_bind().dialect.name)
    for start in range(0, len(ids), CHUNK):
        for tag, mentee_id, values in session.execute(query, {"ids": ids[start : start + CHUNK]}):
            table = ITEM_TABLES[tag]
            items[mentee_id][table.field].append(table.item.model_validate(values))
    return {m.id: profile_of(m, items[m.id]) for m in mentees}


@cache
def _items_query(dialect: str) -> Select[tuple[int, int, Any]]:
    """UNION ALL of the item tables: (table's index, mentee id, the item as JSON)."""
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    branches = []
    for tag, table in enumerate(ITEM_TABLES):
        columns = cast(Table, table.model.__table__).c
        fields = list(table.item.model_fields)
        rank = func.row_number().over(
            partition_by=columns.mentee_id, order_by=[columns[name] for name in table.order]
        )
        branches.append(
            select(
                literal_column(str(tag)).label("tag"),
                columns.mentee_id.label("mentee_id"),
                rank.label("rank"),
                _json_object(dialect, [(name, columns[name]) for name in fields]).label("item"),
            ).where(columns.mentee_id.in_(ids))
        )
    rows = union_all(*branches).subquery("items")
    return select(rows.c.tag, rows.c.mentee_id, rows.c.item).order_by(
        rows.c.tag, rows.c.mentee_id, rows.c.rank
    )


def _json_object(dialect: str, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
    """A JSON object built by the database. The keys are our own field names, written into
    the SQL as literals: PostgreSQL cannot type a bound parameter inside json_build_object."""
    args: list[ColumnElement[Any]] = []
    for name, column in pairs:
        args.append(literal_column(f"'{name}'"))
        # SQLite keeps a JSON column as text: json() embeds it as an object, not a string.
        nested = dialect == "sqlite" and isinstance(column.type, JSON)
        args.append(func.json(column) if nested else column)
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    return build(*args, type_=JSON)


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
