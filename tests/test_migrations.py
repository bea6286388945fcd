"""Migrations build the schema from nothing, match the models exactly, and go back to nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import bot.models  # noqa: F401
from bot.db.base import Base
from bot.db.engine import make_engine
from bot.db.migrate import current_is_head, downgrade, upgrade
from tests.databases import DatabaseFactory


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
