"""`INSERT … ON CONFLICT`, which SQLite and PostgreSQL both have but SQLAlchemy spells per
dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Any) -> Any:
    """An INSERT for this session's database that supports `.on_conflict_do_nothing()`."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
