"""Dedupe keys: one string per business event, written the same way in Python and in SQL.

Each kind has one function that builds its key (next to its courier or its planner) and
returns a `Key`; planning set-based renders it with `.sql()` over columns, planning one row
renders it with `.text()` over values, and both spell the same string. A key is only ever
compared whole: the ids a courier needs are columns of the row, never parsed out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, literal
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import ColumnElement

from bot.db.sqldates import as_text

Value = str | int | date
Part = Value | ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Key:
    parts: tuple[Part, ...]

    def text(self) -> str:
        """The key from values; refuses a part that is a column."""
        out = []
        for part in self.parts:
            if not isinstance(part, Value):
                raise TypeError("a key with columns in it is SQL: use .sql()")
            out.append(_spell(part))
        return "".join(out)

    def sql(self) -> ColumnElement[str]:
        """The key as a SQL expression (columns concatenated as text)."""
        expr: ColumnElement[str] = literal("", String)
        for part in self.parts:
            expr = expr + (
                literal(_spell(part), String) if isinstance(part, Value) else as_text(part)
            )
        return expr


def key(*parts: Part) -> Key:
    return Key(parts)


def _spell(part: Value) -> str:
    # A date the way both databases print one as text (ISO 8601), so that .text() and .sql()
    # give the same string.
    return part.isoformat() if isinstance(part, date) else str(part)
