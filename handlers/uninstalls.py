"""Slack's word that the app left a workspace (serving many): `app_uninstalled`, or
`tokens_revoked` for the bot's token. The workspace's tokens leave the installation store at
once, nothing more is sent to it, and its rows are kept as docs/deploy.md says (until
`matchpath workspaces forget`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.workspaces.install import uninstall_workspace
from handlers.runtime import Deps

log = logging.getLogger("matchpath.install")


def register(app: App, deps: Deps, store: InstallationStore) -> None:
    def gone(team_id: str | None) -> None:
        if not team_id:
            return
        store.delete_all(enterprise_id=None, team_id=team_id)
        uninstall_workspace(deps.db, team_id=team_id, now=deps.clock.now())
        log.info("uninstalled from workspace %s: its tokens are deleted, its rows kept", team_id)

    @app.event("app_uninstalled")
    def on_app_uninstalled(context: BoltContext) -> None:
        gone(context.team_id)

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        # A user's token alone is not ours (the app asks for none); the bot's is the install.
        if event.get("tokens", {}).get("bot"):
            gone(context.team_id)
