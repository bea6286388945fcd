"""A workspace installed or uninstalled through Slack's OAuth flow (docs/deploy.md, "Many
workspaces"): the registry, the workspace's own schema, and its first admin.

Each step is a transaction of its own, in the order a retry can repeat: the registry row first
(a reinstall finds it), then the schema's migrations (Alembic records how far it got), then the
installing user as the workspace's admin.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, text

from bot.access import Actor, audit
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.scope import SCHEMA, TEAM_ID, within
from bot.errors import DomainError
from bot.models import Person
from bot.people import ensure_person
from bot.workspaces import registry
from bot.workspaces.models import BOTS, INSTALLATIONS
from bot.workspaces.registry import DefaultSchemaTaken, WorkspaceView


def install_workspace(
    db: Database, *, team_id: str, name: str, installer: str, now: datetime
) -> WorkspaceView:
    """Register the workspace, bring its schema to this release, and make the installing user
    its admin (more admins: `assign`). A reinstall keeps every row the workspace had."""
    with db.shared() as session:
        view = registry.register(
            session, team_id=team_id, name=name, installed_by=installer, now=now
        )
    if view.schema_name is not None:
        upgrade(db.url, schema=view.schema_name)
    with within(view.scope), db.unit_of_work() as session:
        ensure_person(session, slack_user_id=installer, now=now, team_id=team_id).is_admin = True
        audit(session, Actor.system(now), "workspace.install", subject_slack_id=installer)
    return view


def uninstall_workspace(db: Database, *, team_id: str, now: datetime) -> WorkspaceView | None:
    """Slack says the app is gone from the workspace (or its tokens are revoked): nothing is
    sent to it any more, and its rows stay until `matchpath workspaces forget` or the
    retention period (docs/deploy.md says why they are kept)."""
    with db.shared() as session:
        view = registry.mark_uninstalled(session, team_id=team_id, now=now)
    if view is not None:
        with within(view.scope), db.unit_of_work() as session:
            audit(session, Actor.system(now), "workspace.uninstall")
    return view


class WorkspaceRefused(DomainError):
    """A workspace whose rows cannot be erased (or adopted) as asked, and why."""


def forget_workspace(db: Database, *, team_id: str) -> WorkspaceView:
    """Erase an uninstalled workspace: its schema with every row in it, its tokens and its
    registry entry, in one transaction. The workspace that keeps its rows in the default
    schema (served before there were many) is erased per mentee with `forget` instead."""
    with db.shared() as session:
        view = registry.find(session, team_id=team_id)
        if view is None:
            raise WorkspaceRefused(f"no workspace {team_id} is registered here")
        if view.uninstalled_at is None:
            raise WorkspaceRefused(
                f"workspace {team_id} still has MatchPath installed: it is erased after it "
                "removes the app"
            )
        if view.schema_name is None or not SCHEMA.fullmatch(view.schema_name):
            raise WorkspaceRefused(
                f"workspace {team_id} keeps its rows in the default schema (it was served "
                "before there were many): erase its mentees with `forget`"
            )
        session.execute(text(f'DROP SCHEMA "{view.schema_name}" CASCADE'))
        for table in (INSTALLATIONS, BOTS):
            session.execute(delete(table).where(table.c.team_id == team_id))
        registry.remove(session, team_id=team_id)
    return view


def adopt_default_schema(db: Database, *, team_id: str, name: str, now: datetime) -> WorkspaceView:
    """The workspace a database served before it served many keeps its rows where they are:
    its team id is registered for the default schema (before it installs through OAuth, which
    then finds it and moves nothing)."""
    if not TEAM_ID.fullmatch(team_id):
        raise WorkspaceRefused(f"{team_id!r} is not a Slack team id (like T0123ABCD)")
    with db.shared() as session:
        if registry.find(session, team_id=team_id) is not None:
            raise DefaultSchemaTaken(f"workspace {team_id} is registered already")
        return registry.register(
            session, team_id=team_id, name=name, installed_by=None, now=now, in_default_schema=True
        )


def unclaimed_default_rows(db: Database) -> bool:
    """Whether the default schema holds people that no workspace claims (a database that served
    one workspace, not yet adopted)."""
    with db.shared() as session:
        if any(w.schema_name is None for w in registry.every(session)):
            return False
        return session.scalar(select(Person.id).limit(1)) is not None
