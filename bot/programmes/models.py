"""Programme data as imported: one dataset per import (its version), one row per programme
and track. A NULL fact is unknown, never "no": the list says which facts to verify."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, enum_column
from bot.programmes.vocab import ProgrammeSetting, ProgrammeTrack


class ProgrammeDataset(Base):
    """One import of a programme file. Rows are never changed after it: a saved list names the
    version it was built from, and that version keeps meaning the same data."""

    __tablename__ = "programme_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    # The file's name as imported (never its path: that may name a person's folders).
    source: Mapped[str] = mapped_column(String(200))
    # The oldest as-of date among its rows: the data is no fresher than this.
    as_of: Mapped[date]
    rows: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(32))

    __table_args__ = ({"sqlite_autoincrement": True},)


class Programme(Base):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("programme_dataset.id", ondelete="CASCADE"))
    # Its place in the file (1-based), so an export gives the rows back in the file's order.
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    track: Mapped[ProgrammeTrack] = mapped_column(enum_column(ProgrammeTrack))
    sponsors_j1: Mapped[bool | None] = mapped_column(Boolean)
    sponsors_h1b: Mapped[bool | None] = mapped_column(Boolean)
    img_share: Mapped[int | None] = mapped_column(SmallInteger)
    step2_screen: Mapped[int | None] = mapped_column(SmallInteger)
    first_attempt_only: Mapped[bool | None] = mapped_column(Boolean)
    max_years_since_graduation: Mapped[int | None] = mapped_column(SmallInteger)
    usce_required: Mapped[bool | None] = mapped_column(Boolean)
    setting: Mapped[ProgrammeSetting | None] = mapped_column(enum_column(ProgrammeSetting))
    positions: Mapped[int | None] = mapped_column(SmallInteger)
    # Match years after which it had unfilled positions; [] = known to have filled each year.
    # none_as_null: unknown is SQL NULL, not the JSON value null.
    unfilled_after_match: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    source: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date]

    __table_args__ = (
        UniqueConstraint("dataset_id", "track", "name", "state", "city"),
        CheckConstraint("img_share BETWEEN 0 AND 100", name="img_share_percent"),
        CheckConstraint("step2_screen BETWEEN 150 AND 300", name="step2_screen_score"),
        CheckConstraint("max_years_since_graduation BETWEEN 0 AND 60", name="graduation_years"),
        CheckConstraint("positions BETWEEN 0 AND 500", name="positions_count"),
        {"sqlite_autoincrement": True},
    )
