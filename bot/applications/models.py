"""Saved lists and the applications they became, with a history row per change.

An application keeps its programme's name, place and track as saved, so that it reads the
same whatever happens to programme data later, and the report and the name search need no
join; `programme_id` still points at the row of the data version the list was built from.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.applications.vocab import ApplicationStatus, ChangeVia
from bot.db.base import Base, enum_column
from bot.programmes.vocab import ProgrammeTrack, Tier


def _mentee_fk() -> ForeignKey:
    return ForeignKey("mentee.id", ondelete="CASCADE")


def _status(name: str) -> Enum:
    # enum_column names each CHECK after its enum; two status columns in one table need two
    # names (a table's constraint names must differ on PostgreSQL).
    return Enum(
        ApplicationStatus,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
        name=name,
    )


class SavedList(Base):
    """One save of a built list as a mentee's list for a season. Saving again adds a row: the
    earlier saves stay, so which data and ruleset each list came from is never lost."""

    __tablename__ = "saved_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(_mentee_fk())
    season: Mapped[int] = mapped_column(SmallInteger)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("programme_dataset.id", ondelete="RESTRICT"))
    dataset_version: Mapped[int] = mapped_column(Integer)
    ruleset_version: Mapped[str] = mapped_column(String(32))
    tracks: Mapped[list[str]] = mapped_column(JSON)
    programmes: Mapped[int] = mapped_column(Integer)
    saved_by: Mapped[str] = mapped_column(String(32))
    saved_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_saved_list_mentee_season", "mentee_id", "season"),
        {"sqlite_autoincrement": True},
    )


class Application(Base):
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(_mentee_fk())
    season: Mapped[int] = mapped_column(SmallInteger)
    saved_list_id: Mapped[int] = mapped_column(ForeignKey("saved_list.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    track: Mapped[ProgrammeTrack] = mapped_column(enum_column(ProgrammeTrack))
    tier: Mapped[Tier | None] = mapped_column(enum_column(Tier))
    # The list's reasons for its place: [{"rule": "APPLY-TIERS", "text": "..."}].
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    status: Mapped[ApplicationStatus] = mapped_column(_status("status"))
    furthest: Mapped[ApplicationStatus] = mapped_column(_status("furthest"))
    applied_on: Mapped[date | None]
    invited_on: Mapped[date | None]
    interviewed_on: Mapped[date | None]
    ranked_on: Mapped[date | None]
    outcome_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("mentee_id", "season", "track", "name", "state", "city"),
        # Covers the funnel and the report (they read no other column): a season's counts
        # come from the index alone, in the order they group.
        Index("ix_application_funnel", "season", "mentee_id", "track", "status", "furthest"),
        {"sqlite_autoincrement": True},
    )


class ApplicationChange(Base):
    """A change of one application's status: who, when, from what to what. Append-only; the
    dashboards post a thread line per row, and the audit of what was done is complete."""

    __tablename__ = "application_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(_mentee_fk())
    at: Mapped[datetime]
    happened_on: Mapped[date]
    changed_by: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[ApplicationStatus | None] = mapped_column(_status("from_status"))
    to_status: Mapped[ApplicationStatus] = mapped_column(_status("to_status"))
    via: Mapped[ChangeVia] = mapped_column(enum_column(ChangeVia))
    correction: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_application_change_mentee_at", "mentee_id", "at"),
        Index("ix_application_change_application", "application_id"),
        {"sqlite_autoincrement": True},
    )
