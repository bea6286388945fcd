"""Engines for SQLite (the embedded default) and PostgreSQL, and the unit of work.

SQLite is made safe for a server with threads and several processes: WAL so readers never block
the writer, a busy timeout instead of instant `database is locked`, foreign keys on, and writes
that start with `BEGIN IMMEDIATE` so two transactions can never deadlock upgrading a read lock.

On PostgreSQL every session of ours has limits (`SessionTimeouts`): a wait for a row lock, one
statement, and a transaction left idle (a process frozen or stuck mid-transaction) all end, so
one stalled instance can never stall the others for longer than that. Such an ending is a race
the database settled, not a failure: `contention` says so, and the step is tried again later.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.scope import TEMPORARY, NoWorkspace, current_scope
from bot.errors import DomainError
from bot.private_files import create_private

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "matchpath_read_only"
# PostgreSQL's answers that mean "not now": another transaction held on to what this one needed.
CONTENTION = {
    "55P03": "a row lock was held by another instance (lock timeout)",
    "40P01": "a deadlock with another instance",
    "40001": "a conflicting concurrent update",
    "57014": "a statement ran past the statement timeout",
    "25P03": "this transaction was idle too long and the server ended it",
}
SQLITE_BUSY = "SQLITE_BUSY"


@dataclass(frozen=True)
class SessionTimeouts:
    """Limits on each PostgreSQL session of ours, in seconds (MATCHPATH_DB_*_TIMEOUT)."""

    lock: float = 5.0  # waiting for a row lock another transaction holds
    statement: float = 60.0  # one statement (the longest planning statements take seconds)
    idle_in_transaction: float = 30.0  # a transaction with no statement running

    def options(self) -> str:
        """libpq `options`: set once per connection, no round trip per transaction."""
        limits = {
            "lock_timeout": self.lock,
            "statement_timeout": self.statement,
            "idle_in_transaction_session_timeout": self.idle_in_transaction,
        }
        # In milliseconds, at least one: zero would turn the limit off.
        return " ".join(
            f"-c {name}={max(1, round(seconds * 1000))}" for name, seconds in limits.items()
        )


def contention(exc: BaseException) -> str | None:
    """Why the database turned this transaction away for now (a lock or statement timeout, a
    deadlock, a session it ended, SQLite busy), or None when the error is something else."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        # Mid-transaction, the session was gone: the server ended it (idle too long, or while
        # this process was frozen) or the link broke. Nothing of the step was committed.
        return "the database ended this session mid-transaction"
    cause = exc.orig
    if isinstance(cause, sqlite3.OperationalError):
        busy = getattr(cause, "sqlite_errorname", "") == SQLITE_BUSY
        return "the database was locked by another process (busy timeout)" if busy else None
    return CONTENTION.get(str(getattr(cause, "sqlstate", "") or ""))


def make_engine(url: str, *, timeouts: SessionTimeouts | None = None, **kwargs: Any) -> Engine:
    # A failed statement's parameters are a mentee's notes, names and scores: never in an
    # error's text, which ends up in logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        _create_database_file(url)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # The server's threads (waitress, Bolt's listeners, the ticker) share one pool: big enough
    # that a busy minute never opens and closes a connection per request.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    if timeouts is not None:
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "options": timeouts.options()}
    return create_engine(url, **kwargs)


def _create_database_file(url: str) -> None:
    """Create a new SQLite database file 0600 before SQLite does: SQLite would create it 0644
    under the usual umask, and it gives the -wal and -shm files the database file's mode."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        create_private(Path(database))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so that BEGIN below is ours, not pysqlite's.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = "DEFERRED" if connection.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")


class FirstWrite(Protocol):
    """A step the next unit of work in this context takes first, inside its transaction (the
    replay guard's record that a request was served: bot/replay.py `Claim`)."""

    def within(self, session: Session) -> None: ...

    def after_rollback(self, db: Database) -> None:
        """The transaction it was taken in was rolled back: keep what must outlive that."""


_first_write: ContextVar[FirstWrite | None] = ContextVar("matchpath_first_write", default=None)


def leave_for_next_write(step: FirstWrite | None) -> None:
    """Have the next unit of work in this context (or in a copy of it: a request's follow-up
    on another thread) take `step` first; None clears what an earlier caller left. The caller
    runs in a context of its own for the purpose (a request's: handlers/http_server.py)."""
    _first_write.set(step)


def pending_first_write() -> FirstWrite | None:
    """The step no unit of work in this context has taken yet, if any."""
    return _first_write.get()


def with_temporary_tables(session: Session) -> None:
    """The rest of this transaction may name a temporary table (its schema the marker
    `TEMPORARY`): the marker is sent to where the dialect keeps a connection's temporary tables,
    beside whatever workspace schema the session's statements go to. Named outright, since a
    schema left to the translate map becomes the default schema in DDL, and PostgreSQL refuses a
    temporary table in a workspace's schema. Only the transactions that need it pay for it."""
    connection = session.connection()
    translated = dict(connection.get_execution_options().get("schema_translate_map") or {})
    if TEMPORARY not in translated:
        translated[TEMPORARY] = "temp" if connection.dialect.name == "sqlite" else "pg_temp"
        # Every translate map names None (here: the default schema, unchanged), as SQLAlchemy
        # requires of the maps that share its statement cache.
        translated.setdefault(None, None)
        connection.execution_options(schema_translate_map=translated)  # this connection only


class Database:
    """Owns the engine and hands out units of work: one transaction, committed at the end."""

    def __init__(
        self,
        url: str,
        *,
        timeouts: SessionTimeouts | None = None,
        per_workspace: bool = False,
        **engine_kwargs: Any,
    ) -> None:
        self.url = url
        self.engine = make_engine(url, timeouts=timeouts or SessionTimeouts(), **engine_kwargs)
        # Serving several workspaces, every session belongs to one (bot/db/scope.py): a session
        # opened outside any workspace's scope is refused rather than given the default schema.
        self.per_workspace = per_workspace
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._binds: dict[tuple[str | None, bool], Engine] = {}
        # SQLite has one write lock, and its busy handler sleeps in growing steps while
        # waiting for it. Threads of this process queue on a lock of ours instead, which
        # wakes the next one the moment it is free; other processes still meet the busy timeout.
        self._write_lock: threading.RLock | None = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else None
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A write transaction: commits when the block ends, rolls back on any exception.

        An access denial is still audited: its audit row is written in a transaction of its
        own after the rollback. A step left for this context's next write (`before_next_write`)
        is taken first, inside the transaction.
        """
        first = _first_write.get()
        if first is not None:
            _first_write.set(None)
        try:
            bind = self._bind(read_only=False)
            with self._writing(), self._sessions(bind=bind) as session, session.begin():
                if first is not None:
                    first.within(session)
                yield session
        except BaseException as exc:
            if isinstance(exc, DomainError) and exc.after_rollback:
                bind = self._bind(read_only=False)
                with self._writing(), self._sessions(bind=bind) as session, session.begin():
                    session.add_all(exc.after_rollback)
            if first is not None:
                first.after_rollback(self)
            raise

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        """A read transaction that never takes SQLite's write lock. Closing the session hands
        the connection back to the pool, which rolls it back; loaded rows stay readable."""
        with self._sessions(bind=self._bind(read_only=True)) as session:
            yield session

    @contextmanager
    def dry_run(self) -> Iterator[Session]:
        """A write transaction that is always rolled back (`sweep --dry-run`)."""
        with self._writing(), self._sessions(bind=self._bind(read_only=False)) as session:
            session.begin()
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def shared(self) -> Iterator[Session]:
        """A write transaction on what every workspace shares (the registry of workspaces and
        Slack's installations), in the default schema whatever the scope."""
        with self._writing(), self._sessions() as session, session.begin():
            yield session

    def _bind(self, *, read_only: bool) -> Engine:
        """The engine a session of the current workspace's scope is bound to: its schema put
        into every statement, and the read-only mark for read sessions."""
        scope = current_scope()
        if scope is None and self.per_workspace:
            raise NoWorkspace("this database serves several workspaces: a session needs one")
        schema = scope.schema if scope is not None else None
        bind = self._binds.get((schema, read_only))
        if bind is None:
            options: dict[str, Any] = {READ_ONLY: True} if read_only else {}
            if schema is not None:
                options["schema_translate_map"] = {None: schema}
            # One workspace: the engine as it is (a translate map costs every statement).
            bind = self.engine.execution_options(**options) if options else self.engine
            self._binds[(schema, read_only)] = bind
        return bind

    def dispose(self) -> None:
        self.engine.dispose()
