"""Which workspace's tables a unit of work reads and writes (docs/architecture.md, "Workspaces").

On PostgreSQL, each workspace installed through Slack's OAuth flow keeps its rows in a schema of
its own, named from its team id; the workspace a database held before it served several, and
single-workspace mode, keep theirs in the default schema. No statement of ours names a schema:
the workspace's schema is put in when a statement is executed (SQLAlchemy's
`schema_translate_map`), so a query cannot reach another workspace's rows by forgetting a filter,
and two workspaces may hold the same Slack user id.

The scope is set once where a piece of work starts (a request from a workspace, one workspace's
turn in a sweep) and read by `Database` whenever it opens a session.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# Slack's team ids: a T (an E for an Enterprise Grid organisation) and upper-case letters and
# digits; the schema name is derived from it, so only those characters may reach SQL.
TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,30}")
SCHEMA_PREFIX = "ws_"
SCHEMA = re.compile(r"ws_[te][a-z0-9]{2,30}")
# The schema a temporary table names (bot/reminders/instants.py): a transaction that uses one
# sends it to the dialect's own schema for temporary tables (bot/db/engine.py
# `with_temporary_tables`), since PostgreSQL refuses a temporary table in a workspace's schema.
TEMPORARY = "matchpath_temporary"


class NoWorkspace(RuntimeError):
    """A database that serves several workspaces was used outside any workspace's scope."""


@dataclass(frozen=True)
class WorkspaceScope:
    team_id: str
    schema: str | None  # None: the default schema


_scope: ContextVar[WorkspaceScope | None] = ContextVar("matchpath_workspace", default=None)


def schema_for(team_id: str) -> str:
    """The schema of a workspace installed through OAuth: `ws_` and its team id, lower-cased."""
    if not TEAM_ID.fullmatch(team_id):
        raise ValueError(f"{team_id!r} is not a Slack team id")
    return SCHEMA_PREFIX + team_id.lower()


@contextmanager
def within(scope: WorkspaceScope | None) -> Iterator[WorkspaceScope | None]:
    """Every session opened inside the block (and in tasks started from a copy of this context)
    reads and writes this workspace's tables (None: the only workspace's, the default schema)."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> WorkspaceScope | None:
    return _scope.get()


def enter(scope: WorkspaceScope | None) -> None:
    """Set the scope for the rest of this context (a request's own copy of the context, whose
    follow-up runs in a copy of it): no block to leave, the context ends with the request."""
    _scope.set(scope)
