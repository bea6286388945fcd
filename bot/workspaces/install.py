"""A workspace installed or uninstalled through Slack's OAuth flow (docs/deploy.md, "Many
workspaces"): the registry, the workspace's own schema, and its first admin.

Each step is a transaction of its own, in the order a retry can repeat: the registry row first
(a reinstall finds it), then the schema's migrations (Alembic records how far it got), then the
installing user as the workspace's admin.
"""

from __future__ import annotations

from datetime import datetime

from bot.access import Actor, audit
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.db.scope import within
from bot.people import ensure_person
from bot.workspaces import registry
from bot.workspaces.registry import WorkspaceView


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
