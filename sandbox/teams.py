"""The fake's teams: the default workspace, and one per team installed through the OAuth flow
(`sandbox/installs.py`), each serving the calls made with its tokens. They share one id mint,
so that a response_url or an upload names one workspace only."""

from __future__ import annotations

import threading
from typing import Any

from sandbox.ids import IdMint
from sandbox.installs import Installs
from sandbox.records import TEAM_ID
from sandbox.workspace import Workspace


class Teams:
    def __init__(self, default: Workspace, public_url: str, mint: IdMint, **options: Any) -> None:
        self.default = default
        self.installs = Installs()
        self._public_url, self._mint, self._options = public_url, mint, options
        self._workspaces: dict[str, Workspace] = {TEAM_ID: default}
        self._lock = threading.Lock()

    def workspace(self, team_id: str, team_name: str | None = None) -> Workspace:
        """The team's workspace, created on first use."""
        with self._lock:
            found = self._workspaces.get(team_id)
            if found is None:
                found = Workspace(
                    self._public_url,
                    mint=self._mint,
                    team_id=team_id,
                    team_name=team_name or f"Team {team_id}",
                    **self._options,
                )
                self._workspaces[team_id] = found
            return found

    def serving(self, token: str | None) -> Workspace:
        """The workspace a call is served by: its token's team's, or the default one for a token
        not issued by `oauth.v2.access` (SlackError once the team revoked it)."""
        team = self.installs.team_of(token) if token else None
        return self._workspaces[team] if team is not None else self.default

    def holding(self, object_id: str, *, response: bool) -> Workspace:
        """The workspace that issued a response_url or an upload; the default one when none did,
        which answers as Slack does for an unknown id."""
        with self._lock:
            workspaces = list(self._workspaces.values())
        for workspace in workspaces:
            if workspace.holds_response(object_id) if response else workspace.holds_file(object_id):
                return workspace
        return self.default
