"""Every table of the schema, for what needs them all at once (Alembic's autogenerate and the
tests that compare the migrations with the models). A domain's tables live with the domain;
`bot/models.py` keeps the core ones."""

from __future__ import annotations

import bot.applications.models  # saved lists and applications
import bot.calendar.models  # calendar feeds
import bot.models
import bot.programmes.models  # programme data
import bot.workspaces.models  # noqa: F401  (the workspaces served, Slack's installations)
from bot.db.base import Base

metadata = Base.metadata
