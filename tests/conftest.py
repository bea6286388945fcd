"""Shared fixtures: migrated databases per backend, a transaction per test, actors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.db.engine import Database
from bot.subscriptions import install
from tests.botproc import WRITTEN_LOGS, assert_log_is_clean
from tests.databases import DatabaseFactory, backends

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def bot_logs_hold_no_secrets() -> Iterator[None]:
    """After the session, every log of every bot process it started: none holds a token, the
    signing secret or planted profile text (each is also checked when its bot stops)."""
    yield
    for path, planted in WRITTEN_LOGS.items():
        assert_log_is_clean(path, planted)


@pytest.fixture(scope="session", autouse=True)
def domain_event_subscribers() -> None:
    """The subscribers every process of the bot installs at start-up (the dashboards)."""
    install()


@pytest.fixture(scope="session", params=backends())
def db_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(request.param, tmp_path_factory.mktemp(request.param))
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def shared_db(db_factory: DatabaseFactory) -> Iterator[Database]:
    db = Database(db_factory.new())
    yield db
    db.dispose()


@pytest.fixture
def fresh_db(db_factory: DatabaseFactory) -> Iterator[Database]:
    """A database of its own, for tests that commit."""
    db = Database(db_factory.new())
    yield db
    db.dispose()


@pytest.fixture
def session(shared_db: Database) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    with shared_db.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def system(now: datetime) -> Actor:
    return Actor.system(now)
