"""The fake's side of Slack's OAuth install flow with token rotation: a user's approval becomes a
one-time code, `oauth.v2.access` trades it for a bot token that expires and a refresh token, and
the refresh token for the next pair. Each token belongs to one team, which serves its calls."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from sandbox.records import APP_ID, BOT_USER_ID, JsonObject
from sandbox.wire import SlackError, text_arg

TOKEN_SECONDS = 43_200  # Slack's rotating tokens last 12 hours
BOT_SCOPE = "chat:write,commands,im:write,users:read"


@dataclass(frozen=True)
class Grant:
    team_id: str
    team_name: str
    user_id: str


class Installs:
    def __init__(self) -> None:
        # How long a bot token lasts: a test shortens it below the two hours before expiry at
        # which Bolt and the scheduler rotate, so that every use rotates.
        self.token_seconds = TOKEN_SECONDS
        self._lock = threading.Lock()
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, str] = {}  # access token -> team id
        self._refresh: dict[str, Grant] = {}
        self._revoked: set[str] = set()  # teams whose tokens are refused

    def grant(self, team_id: str, team_name: str, user_id: str) -> str:
        code = "code-" + secrets.token_hex(8)
        with self._lock:
            self._codes[code] = Grant(team_id, team_name, user_id)
            self._revoked.discard(team_id)
        return code

    def revoke(self, team_id: str) -> None:
        with self._lock:
            self._revoked.add(team_id)

    def issued(self, team_id: str) -> list[str]:
        """The bot tokens issued to the team, oldest first (install, then each rotation)."""
        with self._lock:
            return [token for token, team in self._tokens.items() if team == team_id]

    def team_of(self, token: str) -> str | None:
        """The team a token issued here belongs to; `token_revoked` once the team revoked it."""
        with self._lock:
            team = self._tokens.get(token)
            if team is not None and team in self._revoked:
                raise SlackError("token_revoked")
            return team

    def exchange(self, params: dict[str, Any], authorization: str | None) -> JsonObject:
        """`oauth.v2.access`: a code, or (token rotation) a refresh token, for a new bot token."""
        _client_credentials(params, authorization)
        with self._lock:
            if text_arg(params, "grant_type") == "refresh_token":
                # A refresh token stays good after use: several processes (each serving worker
                # and the scheduler) may rotate the same installation at once.
                grant = self._refresh.get(text_arg(params, "refresh_token") or "")
                if grant is None or grant.team_id in self._revoked:
                    raise SlackError("invalid_refresh_token")
            else:
                grant = self._codes.pop(text_arg(params, "code") or "", None)
                if grant is None:
                    raise SlackError("invalid_code")
            return self._issue(grant)

    def _issue(self, grant: Grant) -> JsonObject:
        token = "xoxe.xoxb-" + secrets.token_hex(12)
        refresh = "xoxe-1-" + secrets.token_hex(12)
        self._tokens[token] = grant.team_id
        self._refresh[refresh] = grant
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": grant.user_id},
            "scope": BOT_SCOPE,
            "token_type": "bot",  # nosec B105  # a kind of token, not a secret
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "refresh_token": refresh,
            "expires_in": self.token_seconds,
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def _client_credentials(params: dict[str, Any], authorization: str | None) -> None:
    """The app's client id and secret, as form fields or HTTP Basic (slack_sdk sends the
    latter); Slack answers `invalid_client_id` without them."""
    client_id, client_secret = text_arg(params, "client_id"), text_arg(params, "client_secret")
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_client_id") from None
        client_id, _, client_secret = decoded.partition(":")
    if not client_id or not client_secret:
        raise SlackError("invalid_client_id")
