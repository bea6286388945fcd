"""Build the Bolt app: signature checks, the actor middleware, and every listener."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

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
    app.use(_identify(deps))
    router.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
    app.error(_on_unhandled)
    return app


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
