"""Each installed workspace's bot token (serving many workspaces), from slack_sdk's installation
store in our database (bot/workspaces/models.py): rotated before it expires, as Bolt does for the
requests, so that the ticker and the link check send with a token Slack accepts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.config import Settings
from bot.db.engine import Database
from bot.workspaces.models import BOTS, INSTALLATIONS
from handlers.notifier import TRANSPORT

log = logging.getLogger("matchpath.install")
# A token is rotated when it has less than this left (Slack's rotating tokens last 12 hours).
ROTATE_MINUTES = 120


def installation_store(settings: Settings, db: Database) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=str(settings.slack_client_id),
        engine=db.engine,
        bots_table_name=BOTS.name,
        installations_table_name=INSTALLATIONS.name,
        logger=logging.getLogger("matchpath.bolt.installations"),
    )


class WorkspaceTokens:
    """The bot token to send with in a workspace: the installation store's, rotated first when
    it is close to expiring (the same rule Bolt applies to requests)."""

    def __init__(self, settings: Settings, db: Database, client: WebClient) -> None:
        self._store = installation_store(settings, db)
        self._rotator = TokenRotator(
            client_id=str(settings.slack_client_id),
            client_secret=str(settings.slack_client_secret),
            client=client,
        )

    def stored_token(self, team_id: str) -> str | None:
        """The token as stored, when it has not expired (no rotation: a check only looks)."""
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        return None if bot is None else _unexpired(bot.bot_token, bot.bot_token_expires_at)

    def bot_token(self, team_id: str) -> str | None:
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            return None
        try:
            rotated = self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_MINUTES
            )
        except (SlackTokenRotationError, SlackApiError, *TRANSPORT) as exc:
            # The token may still have time left: try with it; the next tick rotates again.
            log.warning("could not rotate workspace %s's token (%s)", team_id, type(exc).__name__)
            return _unexpired(bot.bot_token, bot.bot_token_expires_at)
        if rotated is not None:
            self._store.save_bot(rotated)
            bot = rotated
        return bot.bot_token


def _unexpired(token: str | None, expires_at: int | None) -> str | None:
    if token is None or expires_at is None:
        return token
    left = datetime.fromtimestamp(expires_at, UTC) - datetime.now(UTC)
    return token if left > timedelta(0) else None
