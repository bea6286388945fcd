"""Many workspaces (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set): Slack's OAuth install flow,
Bolt's `OAuthFlow` over slack_sdk's SQLAlchemy stores in our database, and what an install and an
uninstall change (bot/workspaces/install.py).

Bolt finds each request's bot token in the installation store and rotates it when it is close to
expiring (token rotation on); the ticker asks `WorkspaceTokens` for the same token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.errors import CliError
from bot.workspaces.install import install_workspace, unclaimed_default_rows
from bot.workspaces.models import OAUTH_STATES
from handlers.runtime import incident_id
from handlers.workspace_tokens import ROTATE_MINUTES, installation_store

log = logging.getLogger("matchpath.install")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes of manifest.yml (tests/test_manifest.py holds them equal): an install asks for
# exactly what the app is allowed.
BOT_SCOPES = (
    "app_mentions:read",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "reactions:write",
    "users:read",
)
STATE_SECONDS = 600  # an install begun and not finished within ten minutes starts again


def require_many_workspaces(settings: Settings, db: Database) -> None:
    """What serving many workspaces needs, refused at start with one line each."""
    if settings.slack_bot_token:
        raise CliError(
            "cannot serve: set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (many workspaces, installed through /slack/install), not both",
            code=2,
        )
    if settings.slack_app_token:
        raise CliError(
            "cannot serve: Socket Mode serves one workspace; many workspaces are served over "
            "HTTP (unset SLACK_APP_TOKEN)",
            code=2,
        )
    if db.is_sqlite:
        raise CliError(
            "cannot serve many workspaces on SQLite: each workspace keeps its rows in a "
            "PostgreSQL schema of its own (set MATCHPATH_DATABASE_URL to PostgreSQL)",
            code=2,
        )
    if unclaimed_default_rows(db):
        raise CliError(
            "cannot serve many workspaces yet: this database holds the rows of the workspace it "
            "served until now; run `matchpath workspaces adopt TEAM_ID` with that workspace's "
            "team id first, so that they stay its own",
            code=2,
        )


def oauth_settings(settings: Settings, db: Database, clock: Clock) -> OAuthSettings:
    redirect_uri = f"{settings.public_url}{REDIRECT_PATH}" if settings.public_url else None
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installation_store(settings, db),
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS,
            engine=db.engine,
            table_name=OAUTH_STATES.name,
            logger=logging.getLogger("matchpath.bolt.oauth_states"),
        ),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=_on_installed(db, clock), failure=_on_failed),
        logger=logging.getLogger("matchpath.bolt.oauth"),
    )


def _on_installed(db: Database, clock: Clock) -> Callable[[SuccessArgs], BoltResponse]:
    def installed(args: SuccessArgs) -> BoltResponse:
        found = args.installation
        if found.is_enterprise_install or not found.team_id:
            log.warning("refused an organisation-wide install: MatchPath installs per workspace")
            return _failure_page(args, "MatchPath is installed into one workspace at a time.")
        try:
            install_workspace(
                db,
                team_id=found.team_id,
                name=found.team_name or found.team_id,
                installer=found.user_id,
                now=clock.now(),
            )
        except (SQLAlchemyError, ValueError) as exc:
            incident = incident_id()
            log.error(
                "could not set up workspace %s (incident %s): %s",
                found.team_id,
                incident,
                type(exc).__name__,
                extra={"incident": incident},
            )
            return _failure_page(
                args, f"MatchPath could not finish the install (incident {incident}); try again."
            )
        log.info("installed into workspace %s", found.team_id)
        return args.default.success(args)

    return installed


def _failure_page(args: SuccessArgs, reason: str) -> BoltResponse:
    failed = FailureArgs(
        request=args.request,
        reason=reason,
        suggested_status_code=500,
        settings=args.settings,
        default=args.default,
    )
    return args.default.failure(failed)


def _on_failed(args: FailureArgs) -> BoltResponse:
    # The reason is Slack's or Bolt's (a state expired, access denied): no token, no profile.
    log.info("an install did not complete: %s", args.reason)
    return args.default.failure(args)
