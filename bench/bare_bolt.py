"""The framework floor: a Bolt app that checks Slack's signature and only acks `/matchpath`,
under the same server as `matchpath serve` (waitress, same thread count).

    python -m bench.bare_bolt --port 3001 --threads 8   (SLACK_SIGNING_SECRET in the environment)
    gunicorn -w 2 -k gthread --threads 8 bench.bare_bolt:application   (as `serve --workers 2`)

It needs no token and calls no Slack API: `authorize=` hands Bolt a fixed installation.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from waitress import serve

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment


def _authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None,
        team_id="T0MATCHPATH",
        bot_user_id="U0MATCHBOT",
        bot_id="B0MATCHBOT",
        bot_token="xoxb-floor",  # noqa: S106 (never used: the floor calls no API)
    )


def build_app(signing_secret: str) -> App:
    app = App(
        signing_secret=signing_secret,
        token_verification_enabled=False,
        authorize=_authorize,
        request_verification_enabled=True,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )

    @app.command("/matchpath")
    def ack_only(ack: Ack) -> None:
        ack()

    return app


class FloorApp:
    """WSGI: Slack's requests at /slack/events, and GET /healthz (as `matchpath serve`)."""

    def __init__(self, app: App) -> None:
        self._slack = SlackRequestHandler(app, path="/slack/events")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return self._slack(environ, start_response)


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The floor for gunicorn (`bench.bare_bolt:application`), built in each worker at its
    first request."""
    global _floor
    if _floor is None:
        _floor = FloorApp(build_app(os.environ["SLACK_SIGNING_SECRET"]))
    return _floor(environ, start_response)


_floor: FloorApp | None = None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3001)
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args()
    app = build_app(os.environ["SLACK_SIGNING_SECRET"])
    serve(FloorApp(app), host=args.host, port=args.port, threads=args.threads, _quiet=True)


if __name__ == "__main__":
    main()
