"""Each request's workspace, from its team id: looked up in the registry once per process and
kept (a workspace's schema never changes once it is registered; an uninstalled one is refused
before this by Bolt, whose installation store no longer holds its token)."""

from __future__ import annotations

import threading

from bot.db.engine import Database
from bot.db.scope import WorkspaceScope
from bot.workspaces import registry


class WorkspaceScopes:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[str, WorkspaceScope] = {}
        self._lock = threading.Lock()

    def of(self, team_id: str | None) -> WorkspaceScope | None:
        """The workspace's scope, or None for a team this database does not serve."""
        if not team_id:
            return None
        scope = self._known.get(team_id)
        if scope is not None:
            return scope
        with self._db.shared() as session:
            found = registry.find(session, team_id=team_id)
        if found is None or found.uninstalled_at is not None:
            return None
        with self._lock:
            self._known[team_id] = found.scope
        return found.scope


def every_workspace(db: Database) -> list[WorkspaceScope | None]:
    """What a process-wide read goes through (/healthz, /metrics): the one workspace (None, the
    default scope), or, serving many, each installed workspace's scope."""
    if not db.per_workspace:
        return [None]
    with db.shared() as session:
        return [workspace.scope for workspace in registry.installed(session)]
