"""What every process does first with the database, whichever command started it (a server, a
sweep, an import): open it migrated, and say in one line what is wrong when it cannot."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.clock import runtime_clock
from bot.config import Settings
from bot.dashboards.outbox import adopt_channel
from bot.db.engine import Database, SessionTimeouts
from bot.db.migrate import SchemaState, upgrade
from bot.db.scope import enter
from bot.errors import EXIT_USAGE, CliError
from bot.subscriptions import install as install_subscribers
from bot.workspaces import registry
from bot.workspaces.schemas import states_everywhere

log = logging.getLogger("matchpath")


def open_database(settings: Settings) -> Database:
    """The database, migrated on SQLite (the embedded default); PostgreSQL must be migrated.

    A database that is missing or unreachable stops the command with one line naming it."""
    url = settings.database_url
    with database_named(url):
        states = states_everywhere(url).values()
        for state, revisions in states:
            if state is SchemaState.UNKNOWN:
                raise CliError(newer_schema(revisions))
        if url.startswith("sqlite"):
            upgrade(url)
        elif any(state is SchemaState.BEHIND for state, _revisions in states):
            raise CliError("the database schema is not up to date: run `matchpath migrate` first")
        db = connect_database(settings)
        if settings.many_workspaces:
            _enter_named_workspace(db, settings.workspace)
            if settings.mentors_channel:
                log.warning(
                    "MATCHPATH_MENTORS_CHANNEL is not used when serving many workspaces: each "
                    "workspace's admin sets its own with /matchpath dashboard channel"
                )
        elif settings.mentors_channel:
            _adopt_mentors_channel(db, settings.mentors_channel)
        return db


def _enter_named_workspace(db: Database, team_id: str | None) -> None:
    """Serving many workspaces, a command on one workspace's data (an import, an export, a
    sweep) names it with MATCHPATH_WORKSPACE; the rest of the process is in its scope."""
    if team_id is None:
        return
    with db.shared() as session:
        found = registry.find(session, team_id=team_id)
    if found is None:
        raise CliError(
            f"setting MATCHPATH_WORKSPACE: no workspace {team_id} has installed MatchPath here",
            EXIT_USAGE,
        )
    enter(found.scope)


def newer_schema(revisions: tuple[str, ...]) -> str:
    """Why this release refuses a database a later release has migrated (docs/deploy.md)."""
    return (
        f"the database schema ({', '.join(revisions)}) is from a later release of MatchPath "
        "than this one: run that release, or restore the backup taken before the upgrade"
    )


def connect_database(settings: Settings) -> Database:
    """The database as a process uses it once someone has checked the schema (a serving worker
    forked after its supervisor did): the session bounds set, the event subscribers installed."""
    install_subscribers()  # what the services emit in this process reaches the dashboards
    timeouts = SessionTimeouts(
        lock=settings.db_lock_timeout,
        statement=settings.db_statement_timeout,
        idle_in_transaction=settings.db_idle_in_transaction_timeout,
    )
    return Database(
        settings.database_url, timeouts=timeouts, per_workspace=settings.many_workspaces
    )


def _adopt_mentors_channel(db: Database, configured: str) -> None:
    # Here, not in `serve`: a scheduler, a sweep or an import run on their own must post
    # dashboards to the same channel (the next sweep creates every missing card).
    with db.unit_of_work() as session:
        in_force = adopt_channel(session, configured, runtime_clock().now())
    if in_force != configured:
        log.warning(
            "MATCHPATH_MENTORS_CHANNEL=%s is not used: dashboards go to %s, the channel "
            "already recorded (an admin changes it with /matchpath dashboard channel)",
            configured,
            in_force,
        )


@contextmanager
def database_named(url: str) -> Iterator[None]:
    """Turn the driver's failure to connect into one line naming the database (no password)."""
    try:
        yield
    except ArgumentError as exc:
        raise CliError(
            f"setting MATCHPATH_DATABASE_URL: cannot use {shown_url(url)}: {exc}", EXIT_USAGE
        ) from None
    except DBAPIError as exc:
        raise CliError(f"cannot open the database {shown_url(url)}: {driver_reason(exc)}") from None


def shown_url(url: str) -> str:
    """The database URL as it may be printed: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def driver_reason(exc: DBAPIError) -> str:
    """The driver's own words, short: 'database "x" does not exist', 'Connection refused'."""
    first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    reason = first.rsplit("failed: ", 1)[-1].removeprefix("FATAL:")
    return " ".join(reason.split()) or type(exc.orig).__name__
