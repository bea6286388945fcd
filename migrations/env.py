"""Alembic environment: the models' metadata, and the URL from the caller or the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import bot.models  # noqa: F401  (registers every table on the metadata)
from bot.db.base import Base
from bot.db.engine import make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


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
