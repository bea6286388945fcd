"""Run Alembic migrations programmatically (the CLI, `serve` on SQLite, and the tests)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str, schema: str | None = None) -> Config:
    """Alembic's configuration for the default schema, or for one workspace's (bot/db/scope.py;
    its own version table in it)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    config.attributes["schema"] = schema
    return config


def upgrade(url: str, revision: str = "head", *, schema: str | None = None) -> None:
    command.upgrade(alembic_config(url, schema), revision)


def downgrade(url: str, revision: str = "base", *, schema: str | None = None) -> None:
    command.downgrade(alembic_config(url, schema), revision)


class SchemaState(StrEnum):
    """Where a database's schema stands against this release's migrations."""

    CURRENT = "current"  # at this release's head
    BEHIND = "behind"  # empty, or at an earlier revision of this release: `migrate` upgrades it
    UNKNOWN = "unknown"  # at a revision this release does not have: a later release migrated it


def schema_state(url: str, schema: str | None = None) -> tuple[SchemaState, tuple[str, ...]]:
    """The schema's state, and the revision(s) the database (or a workspace's schema in it)
    records."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.db.engine import make_engine

    script = ScriptDirectory.from_config(alembic_config(url, schema))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            options = {"version_table_schema": schema}
            current = tuple(MigrationContext.configure(conn, opts=options).get_current_heads())
    finally:
        engine.dispose()
    known = {revision.revision for revision in script.walk_revisions()}
    if set(current) == set(script.get_heads()):
        return SchemaState.CURRENT, current
    if set(current) <= known:
        return SchemaState.BEHIND, current
    return SchemaState.UNKNOWN, current


def current_is_head(url: str) -> bool:
    return schema_state(url)[0] is SchemaState.CURRENT
