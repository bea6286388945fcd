"""Database plumbing: declarative base, column types, engines and the unit of work."""

from bot.db.base import Base, UTCDateTime
from bot.db.engine import Database, make_engine

__all__ = ["Base", "Database", "UTCDateTime", "make_engine"]
