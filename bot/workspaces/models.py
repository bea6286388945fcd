"""The tables every workspace shares, in the default schema: the registry of workspaces and the
tables of slack_sdk's installation and OAuth state stores (handlers/ hands those to the library's
stores; here they are on our metadata, so that Alembic makes and checks them like ours)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


def _store_columns(*, installation: bool) -> list[Column[object]]:
    """The columns slack_sdk's SQLAlchemy installation store gives its two tables (3.x, token
    rotation included); tests/test_workspaces.py holds them against the library's own."""
    columns: list[Column[object]] = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]
    if installation:
        columns.append(Column("enterprise_url", String(200)))
    for name, length in [("team_id", 32), ("team_name", 200), ("bot_token", 200)]:
        columns.append(Column(name, String(length)))
    for name, length in [("bot_id", 32), ("bot_user_id", 32), ("bot_scopes", 1000)]:
        columns.append(Column(name, String(length)))
    columns += [Column("bot_refresh_token", String(200)), Column("bot_token_expires_at", DateTime)]
    if installation:
        columns += [
            Column("user_id", String(32), nullable=False),
            Column("user_token", String(200)),
            Column("user_scopes", String(1000)),
            Column("user_refresh_token", String(200)),
            Column("user_token_expires_at", DateTime),
            Column("incoming_webhook_url", String(200)),
            Column("incoming_webhook_channel", String(200)),
            Column("incoming_webhook_channel_id", String(200)),
            Column("incoming_webhook_configuration_url", String(200)),
        ]
    columns.append(Column("is_enterprise_install", Boolean, default=False, nullable=False))
    if installation:
        columns.append(Column("token_type", String(32)))
    columns.append(Column("installed_at", DateTime, nullable=False, default=func.now()))
    return columns


INSTALLATIONS = Table(
    "slack_installations",
    Base.metadata,
    *_store_columns(installation=True),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)
BOTS = Table(
    "slack_bots",
    Base.metadata,
    *_store_columns(installation=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
OAUTH_STATES = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
SHARED_TABLES = frozenset({"workspace", INSTALLATIONS.name, BOTS.name, OAUTH_STATES.name})


class Workspace(Base):
    """A Slack workspace this database serves, and where its rows are (bot/db/scope.py)."""

    __tablename__ = "workspace"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # None: the default schema (the workspace the database held before it served several).
    schema_name: Mapped[str | None] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    installed_by: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[datetime]
    # Set when Slack says the app was uninstalled (its tokens are then revoked): nothing is
    # sent there, and its rows are erased after the retention period (docs/operations.md).
    uninstalled_at: Mapped[datetime | None]
