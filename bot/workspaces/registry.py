"""The registry of workspaces a database serves: where each one's rows are, and which are
still installed. Services: the session first, flush, never commit (the caller's unit of work is
`Database.shared()`, outside any workspace's scope)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.scope import WorkspaceScope, schema_for
from bot.errors import DomainError
from bot.workspaces.models import Workspace


class WorkspaceView(BaseModel):
    model_config = ConfigDict(frozen=True)

    team_id: str
    name: str
    schema_name: str | None
    installed_at: datetime
    uninstalled_at: datetime | None

    @property
    def scope(self) -> WorkspaceScope:
        return WorkspaceScope(team_id=self.team_id, schema=self.schema_name)


class DefaultSchemaTaken(DomainError):
    """The default schema already holds another workspace's rows."""


def _view(row: Workspace) -> WorkspaceView:
    return WorkspaceView(
        team_id=row.team_id,
        name=row.name,
        schema_name=row.schema_name,
        installed_at=row.installed_at,
        uninstalled_at=row.uninstalled_at,
    )


def register(
    session: Session,
    *,
    team_id: str,
    name: str,
    installed_by: str | None,
    now: datetime,
    in_default_schema: bool = False,
) -> WorkspaceView:
    """Record an installation: a new workspace gets a schema named from its team id (the
    caller migrates it), or, `in_default_schema`, keeps the rows the database already holds
    (the one workspace it served before). A reinstall keeps the workspace where it was."""
    row = session.get(Workspace, team_id)
    if row is None:
        if in_default_schema:
            taken = session.scalar(select(Workspace).where(Workspace.schema_name.is_(None)))
            if taken is not None:
                raise DefaultSchemaTaken(
                    f"the default schema already holds workspace {taken.team_id}'s rows"
                )
        schema = None if in_default_schema else schema_for(team_id)
        row = Workspace(team_id=team_id, schema_name=schema, name=name, installed_at=now)
        session.add(row)
    row.name = name
    row.installed_by = installed_by
    row.uninstalled_at = None
    session.flush()
    return _view(row)


def find(session: Session, *, team_id: str) -> WorkspaceView | None:
    row = session.get(Workspace, team_id)
    return _view(row) if row is not None else None


def installed(session: Session) -> list[WorkspaceView]:
    """The workspaces still installed, in a stable order (the sweep takes them in turn)."""
    rows = session.scalars(
        select(Workspace).where(Workspace.uninstalled_at.is_(None)).order_by(Workspace.team_id)
    )
    return [_view(row) for row in rows]


def mark_uninstalled(session: Session, *, team_id: str, now: datetime) -> WorkspaceView | None:
    row = session.get(Workspace, team_id)
    if row is None:
        return None
    if row.uninstalled_at is None:
        row.uninstalled_at = now
        session.flush()
    return _view(row)


def remove(session: Session, *, team_id: str) -> None:
    """The workspace is erased (bot/workspaces/install.py `forget_workspace`)."""
    row = session.get(Workspace, team_id)
    if row is not None:
        session.delete(row)
        session.flush()


def every(session: Session) -> list[WorkspaceView]:
    """Every workspace registered, installed or not (`matchpath workspaces`)."""
    return [_view(row) for row in session.scalars(select(Workspace).order_by(Workspace.team_id))]
