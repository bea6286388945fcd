"""Build the Bolt app: signature checks, the actor middleware, and every listener."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.access import resolve_actor
from bot.db.engine import Database, leave_for_next_write, pending_first_write
from bot.db.scope import enter
from bot.replay import Claim, Replayed, SeenSignatures, seen_before
from bot.workspaces.lookup import WorkspaceScopes
from handlers import actions, events, uninstalls, views
from handlers.commands import router
from handlers.runtime import Deps, incident_id
from handlers.shutdown import ListenerPool

log = logging.getLogger("matchpath.slack")
LISTENER_THREADS = 32


class _TokenComesWithClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and, given our client as well,
    warns on every start that the token will be unused. It is the client's token: drop that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _bolt_logger() -> logging.Logger:
    # Bolt copies this logger's level and filters onto each logger it makes (bot/logs.py keeps
    # its level at INFO or above, and the handlers keep request bodies out).
    logger = logging.getLogger("matchpath.bolt")
    if not any(isinstance(f, _TokenComesWithClient) for f in logger.filters):
        logger.addFilter(_TokenComesWithClient())
    return logger


def listener_pool(deps: Deps) -> ListenerPool:
    """Bolt's listener threads; each follow-up records its request's claim (bot/replay.py)."""
    return ListenerPool(LISTENER_THREADS, settle=partial(settle_claim, deps.db))


def settle_claim(db: Database) -> None:
    """The follow-up wrote nothing, so its request's signature is recorded on its own."""
    if pending_first_write() is None:
        return
    try:
        with db.unit_of_work():
            pass  # the unit of work takes the pending claim first
    except Replayed:
        log.warning("refused a replayed request (after its ack)")
    except SQLAlchemyError as exc:
        log.warning("could not record a served request (%s)", type(exc).__name__)


def build_app(
    deps: Deps,
    client: WebClient,
    *,
    listeners: ListenerPool | None = None,
    oauth: OAuthSettings | None = None,
) -> App:
    """One workspace: the token comes with the client. Many (`oauth`): Bolt finds each
    request's token in the installation store, and the guard sets the request's workspace."""
    settings = deps.settings
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client,
        oauth_settings=oauth,
        # Given here as well, Bolt's authorize rotates tokens with our client (its base URL,
        # MATCHPATH_SLACK_API_URL) rather than a default one of its own.
        installation_store=oauth.installation_store if oauth is not None else None,
        installation_store_bot_only=True if oauth is not None else None,
        user_facing_authorize_error_message=NOT_INSTALLED if oauth is not None else None,
        # `serve` checks the token itself, so that an unreachable Slack is not a crash at start.
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=_bolt_logger(),
        # Acks happen at the start of each listener: enough threads that an ack never waits
        # for a slower command's work to finish.
        listener_executor=listeners or listener_pool(deps),
    )
    app.use(_guard(deps, WorkspaceScopes(deps.db) if oauth is not None else None))
    router.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
    if oauth is not None and oauth.installation_store is not None:
        uninstalls.register(app, deps, oauth.installation_store)
    app.error(_on_unhandled)
    return app


# Serving many workspaces: a request from a workspace whose installation is gone (Bolt found no
# token for it) is answered with this, and nothing else is done.
NOT_INSTALLED = (
    "MatchPath is not installed in this workspace any more, so nothing was done. "
    "A workspace admin can install it again from the install link."
)
UNAVAILABLE = (
    "MatchPath cannot reach its database just now, so nothing was done. "
    "Please try again in a minute (incident {incident})."
)


def _unavailable(exc: Exception) -> BoltResponse:
    """The database is down: say so at once (an ephemeral reply), rather than time out."""
    incident = incident_id()
    log.error(
        "database unavailable (incident %s): %s",
        incident,
        type(exc).__name__,
        extra={"incident": incident},
    )
    body = {"response_type": "ephemeral", "text": UNAVAILABLE.format(incident=incident)}
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def _guard(deps: Deps, scopes: WorkspaceScopes | None) -> Callable[..., BoltResponse | None]:
    """After Bolt has checked the signature: set the request's workspace (serving many), refuse
    a replay (a valid signature is served once) and attach the actor (who, admin or not, and
    the clock's now). It only reads, and holds no session once the listener runs
    (bot/replay.py says how each database keeps the served signatures)."""
    memory = SeenSignatures(deps.db, datetime.now(UTC)) if deps.db.is_sqlite else None

    def guard(
        request: BoltRequest, context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        now = datetime.now(UTC)
        if scopes is not None:
            # The request's own context (handlers/http_server.py), copied into its follow-up:
            # every session of both is this workspace's.
            scope = scopes.of(context.team_id)
            if scope is None:
                log.warning("refused a request from a workspace this database does not serve")
                return BoltResponse(status=200, body="")
            enter(scope)
        try:
            with deps.db.read_only() as session:
                if signature and (
                    not memory.first_use(signature, signed_at=_signed_at(request), now=now)
                    if memory is not None
                    else seen_before(session, signature)
                ):
                    log.warning("refused a replayed request")
                    return BoltResponse(status=401, body="replayed request")
                if context.user_id:
                    context["actor"] = resolve_actor(
                        session,
                        slack_user_id=context.user_id,
                        admin_ids=deps.settings.admin_ids,
                        now=deps.clock.now(),
                    )
        except DBAPIError as exc:
            return _unavailable(exc)
        # On PostgreSQL the follow-up records the signature in its first write transaction: it
        # runs in a copy of this request's context (handlers/shutdown.py ListenerPool).
        leave_for_next_write(Claim(signature, now) if memory is None and signature else None)
        return next()

    return guard


def _signed_at(request: BoltRequest) -> int | None:
    """The request's signed timestamp (Bolt has checked it with the signature)."""
    text = (request.headers.get("x-slack-request-timestamp") or [""])[0]
    return int(text) if text.isdigit() else None


def _on_unhandled(error: Exception, body: dict[str, Any]) -> None:
    if isinstance(error, Replayed):
        log.warning("refused a replayed request (after its ack)")
        return
    # Listeners answer their own errors; this catches what escaped before they could.
    log.error("unhandled %s for a %s request", type(error).__name__, body.get("type", "command"))
