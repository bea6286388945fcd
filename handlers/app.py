"""Build the Bolt app: signature checks, the actor middleware, and every listener."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.replay import first_use
from handlers import actions, events, views
from handlers.commands import router
from handlers.runtime import Deps, actor_of

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


def _refuse_replays(deps: Deps) -> Callable[..., BoltResponse | None]:
    """Runs after Bolt has checked the signature: a valid one is served once only."""

    def refuse_replays(
        request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        if signature:
            with deps.db.unit_of_work() as session:
                fresh = first_use(session, signature, datetime.now(UTC))
            if not fresh:
                log.warning("refused a replayed request")
                return BoltResponse(status=401, body="replayed request")
        return next()

    return refuse_replays


def _identify(deps: Deps) -> Callable[..., BoltResponse | None]:
    """Attach the actor (who, admin or not, and the clock's now). Holds no session after."""

    def identify(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if context.user_id:
            context["actor"] = actor_of(deps, context.user_id)
        return next()

    return identify


def _on_unhandled(error: Exception, body: dict[str, Any]) -> None:
    # Listeners answer their own errors; this catches what escaped before they could.
    log.error("unhandled %s for a %s request", type(error).__name__, body.get("type", "command"))
