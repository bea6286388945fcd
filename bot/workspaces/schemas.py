"""Migrating every schema a database holds: the default one (the registry, Slack's installations
and the first workspace's rows) and each installed workspace's (bot/db/scope.py)."""

from __future__ import annotations

from sqlalchemy import inspect, select

from bot.db.engine import make_engine
from bot.db.migrate import SchemaState, schema_state, upgrade
from bot.workspaces.models import Workspace


def workspace_schemas(url: str) -> list[str]:
    """The schemas of the workspaces installed through OAuth, in a stable order; none on a
    database without the registry yet (before this release's migrations)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(Workspace.__tablename__):
                return []
            chosen = select(Workspace.schema_name).where(Workspace.schema_name.is_not(None))
            return sorted(name for name in conn.scalars(chosen) if name)
    finally:
        engine.dispose()


def upgrade_everywhere(url: str) -> list[str | None]:
    """`matchpath migrate`: the default schema first (it holds the registry), then every
    workspace's schema; what was upgraded, in order (None for the default schema)."""
    upgrade(url)
    schemas = workspace_schemas(url)
    for schema in schemas:
        upgrade(url, schema=schema)
    return [None, *schemas]


State = tuple[SchemaState, tuple[str, ...]]


def states_everywhere(url: str) -> dict[str | None, State]:
    """Each schema's state against this release (None for the default schema): a process
    starts only when every one is current."""
    states: dict[str | None, State] = {None: schema_state(url)}
    if states[None][0] is SchemaState.CURRENT:
        states.update({schema: schema_state(url, schema) for schema in workspace_schemas(url)})
    return states
