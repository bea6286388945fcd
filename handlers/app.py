"""Build the Bolt app: signature checks, the actor middleware, and every listener."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError

from bot.replay import first_use
from handlers import actions, events, views
from handlers.commands import router
from handlers.runtime import Deps, actor_of, incident_id

log = logging.getLogger("matchpath.slack")


def build_app(deps: Deps, client: WebClient) -> App:
    settings = deps.settings
    app = App(  # the token comes with the client
        signing_secret=settings.slack_signing_secret,
        client=client,
        request_verification_enabled=True,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("matchpath.bolt"),
    )
    app.use(_refuse_replays(deps))
    app.use(_identify(deps))
    router.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
    app.error(_on_unhandled)
    return app


UNAVAILABLE = (
    "MatchPath cannot reach its database just now, so nothing was done. "
    "Please try again in a minute (incident {incident})."
)


def _unavailable(exc: Exception) -> BoltResponse:
    """The database is down: say so at once (an ephemeral reply), rather than time out."""
    incident = incident_id()
    log.error("database unavailable (incident %s): %s", incident, type(exc).__name__)
    body = {"response_type": "ephemeral", "text": UNAVAILABLE.format(incident=incident)}
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def _refuse_replays(deps: Deps) -> Callable[..., BoltResponse | None]:
    """Runs after Bolt has checked the signature: a valid one is served once only."""

    def refuse_replays(
        request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        if signature:
            try:
                with deps.db.unit_of_work() as session:
                    fresh = first_use(session, signature, datetime.now(UTC))
            except DBAPIError as exc:
                return _unavailable(exc)
            if not fresh:
                log.warning("refused a replayed request")
                return BoltResponse(status=401, body="replayed request")
        return next()

    return refuse_replays


def _identify(deps: Deps) -> Callable[..., BoltResponse | None]:
    """Attach the actor (who, admin or not, and the clock's now). Holds no session after."""

    def identify(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if context.user_id:
            try:
                context["actor"] = actor_of(deps, context.user_id)
            except DBAPIError as exc:
                return _unavailable(exc)
        return next()

    return identify


def _on_unhandled(error: Exception, body: dict[str, Any]) -> None:
    # Listeners answer their own errors; this catches what escaped before they could.
    log.error("unhandled %s for a %s request", type(error).__name__, body.get("type", "command"))
