"""`matchpath serve`: the Bolt app over HTTP under waitress (or Socket Mode), plus /healthz."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.config import Settings
from bot.db.engine import Database
from bot.models import WorkspacePause

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("matchpath.serve")


class HttpApp:
    """WSGI: Slack's requests at /slack/events, and GET /healthz checking the database."""

    def __init__(self, app: App, db: Database) -> None:
        self._slack = SlackRequestHandler(app, path="/slack/events")
        self._db = db

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            return self._health(start_response)
        return self._slack(environ, start_response)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self._db.read_only() as session:
                session.execute(text("SELECT 1"))
                paused = session.get(WorkspacePause, "workspace")
            status, body = (
                "200 OK",
                {"ok": True, "database": "up", "sending": "paused" if paused else "on"},
            )
        except Exception as exc:
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            status, body = "503 Service Unavailable", {"ok": False, "database": "down"}
        payload = json.dumps(body).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        )
        return [payload]


def require_credentials(settings: Settings, *, socket_mode: bool) -> None:
    from bot.cli import CliError

    missing = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
    if not socket_mode and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        raise CliError(
            f"cannot serve: {' and '.join(missing)} not set (see the README, 'Connect to Slack')",
            code=2,
        )


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.assessment.ruleset import load_ruleset
    from bot.cli import open_database, runtime_clock
    from handlers.app import build_app
    from handlers.client import web_client
    from handlers.runtime import Deps

    socket_mode = bool(settings.slack_app_token)
    require_credentials(settings, socket_mode=socket_mode)
    db = open_database(settings)
    deps = Deps(
        settings=settings, db=db, clock=runtime_clock(), ruleset=load_ruleset(settings.ruleset)
    )
    app = build_app(deps, web_client(settings))
    if not args.no_scheduler:
        from handlers.runtime_reminders import start_ticker

        start_ticker(settings, db, deps.clock, seconds=settings.tick_seconds)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("serving over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return 0
    from waitress import serve as waitress_serve

    host = args.host
    log.info("serving on http://%s:%s/slack/events", host, settings.port)
    waitress_serve(
        HttpApp(app, db),
        host=host,
        port=settings.port,
        threads=args.threads,
        ident="matchpath",
        _quiet=True,
    )
    return 0
