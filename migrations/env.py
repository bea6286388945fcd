"""Alembic environment: the models' metadata, and the URL from the caller or the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import bot.tables  # noqa: F401  (registers every table on the metadata)
from bot.db.base import Base
from bot.db.engine import make_engine
from bot.db.scope import SCHEMA

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    schema = config.attributes.get("schema")
    if schema is not None:
        _into_schema(connection, schema)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        version_table_schema=schema,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # Batch mode rebuilds a table by dropping it, and with foreign keys on SQLite would delete
    # every row referring to it (ON DELETE CASCADE). The pragma is ignored inside a transaction,
    # so it is set on the driver's connection before one begins, and the keys are checked at
    # the end instead: a migration that breaks one rolls back.
    _foreign_keys(connection, on=False)
    try:
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left {len(broken)} broken foreign keys")
    finally:
        _foreign_keys(connection, on=True)


def _into_schema(connection: Connection, schema: str) -> None:
    """A workspace's schema (PostgreSQL; bot/db/scope.py): created if new, and first on the
    search path, so that the migrations' unqualified tables are made and altered in it (Alembic's
    recipe for a schema per tenant)."""
    if not SCHEMA.fullmatch(schema):
        raise ValueError(f"{schema!r} is not a workspace schema")
    connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    connection.exec_driver_sql(f'SET search_path TO "{schema}"')
    connection.commit()  # the schema exists and the path holds for the migrations' transaction
    connection.dialect.default_schema_name = schema


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url")
    if url is None:
        from bot.config import load_settings

        url = load_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `matchpath migrate`")
run_migrations_online()
