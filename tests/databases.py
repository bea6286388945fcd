"""Test databases: a migrated SQLite file, and (when configured) a fresh PostgreSQL database.

`MATCHPATH_TEST_DATABASE_URL` names a PostgreSQL server database to connect through; each test
session creates its own database beside it, so parallel workers and e2e processes never collide.
With `MATCHPATH_REQUIRE_POSTGRES=1` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.db.migrate import upgrade

PG_ENV = "MATCHPATH_TEST_DATABASE_URL"
REQUIRE_PG_ENV = "MATCHPATH_REQUIRE_POSTGRES"


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get(PG_ENV) or os.environ.get(REQUIRE_PG_ENV) == "1":
        names.append("postgresql")
    return names


def _admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{REQUIRE_PG_ENV}=1 but {PG_ENV} is not set")
        pytest.skip(f"{PG_ENV} not set")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_postgres_database(prefix: str = "mp_test") -> str:
    """A new, empty PostgreSQL database; returns its URL."""
    admin_url = _admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    admin_url = _admin_url()
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


class DatabaseFactory:
    """Hands out migrated databases of one backend; SQLite copies a template migrated once."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        self._template: Path | None = None
        self._created: list[str] = []

    def new(self) -> str:
        if self.backend == "sqlite":
            if self._template is None:
                self._template = self.workdir / "template.db"
                upgrade(f"sqlite:///{self._template}")
            path = self.workdir / f"db-{uuid.uuid4().hex[:10]}.db"
            shutil.copyfile(self._template, path)
            return f"sqlite:///{path}"
        url = create_postgres_database()
        self._created.append(url)
        upgrade(url)
        return url

    def empty(self) -> str:
        """A database with no schema at all (migration tests)."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / f'empty-{uuid.uuid4().hex[:10]}.db'}"
        url = create_postgres_database()
        self._created.append(url)
        return url

    def close(self) -> None:
        for url in self._created:
            drop_postgres_database(url)
