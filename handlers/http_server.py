"""The HTTP side of `serve`: the WSGI app in front of Bolt, and waitress around it.

In front of Bolt, before anything reads a request's body into a log or a listener:
- a body over MAX_BODY_BYTES is refused with 413 by waitress itself, before it is read whole
  (a Content-Length over the limit is refused at once; a chunked body as soon as it passes it);
  under gunicorn (`serve --workers`), which has no such limit, by `HttpApp` in the same way;
- a request whose signature headers are missing, malformed, stale or wrong gets 401, and nothing
  about it but the reason is logged (Bolt's own check would log the body, and answers a
  non-numeric timestamp with a 500);
- after SIGTERM, new requests get 503 while those already in progress finish.

Serving many workspaces, GET /slack/install and /slack/oauth_redirect are Bolt's OAuth flow.
Beside Slack's paths: GET /healthz (handlers/health.py) and GET /metrics (handlers/metrics.py;
401 without the bearer token when MATCHPATH_METRICS_TOKEN is set).
"""

from __future__ import annotations

import contextvars
import io
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

from bot.metrics import acked
from handlers.calendar_feed import FEED_PREFIX
from handlers.health import Health
from handlers.install import INSTALL_PATH, REDIRECT_PATH
from handlers.metrics import CONTENT_TYPE, MetricsPage, mark_received, request_kind
from handlers.shutdown import Gate

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("matchpath.serve")
WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]
EVENTS_PATH = "/slack/events"
INSTALL_PATHS = (INSTALL_PATH, REDIRECT_PATH)
# Slack's payloads are a few kilobytes; the largest, a modal's submission, carries the whole view
# (Slack caps a view at 250 kB), which URL-encoding can stretch to about three times that.
MAX_BODY_BYTES = 1024 * 1024
MAX_SKEW_SECONDS = 300  # Slack's own rule for X-Slack-Request-Timestamp
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signature_refusal(
    verifier: SignatureVerifier, environ: WSGIEnvironment, body: bytes
) -> str | None:
    """Why this request is not Slack's, or None when its signature holds."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
    if not TIMESTAMP.fullmatch(timestamp):
        return "missing or malformed X-Slack-Request-Timestamp"
    if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return "stale X-Slack-Request-Timestamp"
    if not SIGNATURE.fullmatch(signature):
        return "missing or malformed X-Slack-Signature"
    if not verifier.is_valid(body, timestamp, signature):
        return "wrong signature"
    return None


class HttpApp:
    """WSGI: Slack's requests at /slack/events (none in Socket Mode), GET /healthz, when given
    its page GET /metrics, and the calendar feeds under /ical/ (handlers/calendar_feed.py)."""

    def __init__(
        self,
        health: Health,
        gate: Gate,
        slack: SlackRequestHandler | None = None,
        signing_secret: str | None = None,
        metrics: MetricsPage | None = None,
        calendars: WsgiApp | None = None,
    ) -> None:
        self._health = health
        self._gate = gate
        self._slack = slack
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._metrics = metrics
        self._calendars = calendars

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method == "GET":
            status, body = self._health.report()
            return _answer(start_response, status, body)
        if path == "/metrics" and method == "GET" and self._metrics is not None:
            return _metrics_page(environ, start_response, self._metrics)
        if self._calendars is not None and str(path).startswith(FEED_PREFIX):
            return self._calendars(environ, start_response)
        if path in INSTALL_PATHS and method == "GET" and self._installs(self._slack):
            # Serving many workspaces: Bolt's OAuth flow (a browser's visit, not Slack's
            # signed request: its state cookie and the state store are the check).
            with self._gate.passage() as admitted:
                if not admitted:
                    return _answer(start_response, 503, {"error": "stopping"})
                return self._slack(environ, start_response)
        if self._slack is None or self._verifier is None or path != EVENTS_PATH:
            return _answer(start_response, 404, {"error": "not found"})
        if method != "POST":
            return _answer(start_response, 405, {"error": "POST only"}, [("Allow", "POST")])
        with self._gate.passage() as admitted:
            if not admitted:
                return _answer(
                    start_response, 503, {"error": "stopping"}, [("Connection", "close")]
                )
            return self._from_slack(environ, start_response, self._slack, self._verifier)

    @staticmethod
    def _installs(slack: SlackRequestHandler | None) -> TypeGuard[SlackRequestHandler]:
        return slack is not None and slack.app.oauth_flow is not None

    def _from_slack(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        slack: SlackRequestHandler,
        verifier: SignatureVerifier,
    ) -> Iterable[bytes]:
        received = time.monotonic()
        # waitress has the whole body by now, and never more than MAX_BODY_BYTES of it; gunicorn
        # reads it as it is asked for, so the length is checked here before any of it is read.
        body = _body(environ)
        if body is None:
            # Closing the connection spares reading the rest only to throw it away.
            return _answer(
                start_response, 413, {"error": "body too large"}, [("Connection", "close")]
            )
        refusal = signature_refusal(verifier, environ, body)
        if refusal is not None:
            log.info("refused a request to %s: %s", EVENTS_PATH, refusal)
            return _answer(start_response, 401, {"error": "invalid request"})
        environ["wsgi.input"] = io.BytesIO(body)
        # A context of its own: what the guard leaves for the request's follow-up (bot/replay.py
        # Claim) and when it arrived stay with this request, not with the server thread that
        # serves the next one.
        context = contextvars.copy_context()
        context.run(mark_received, received)
        answer = context.run(slack, environ, start_response)
        acked(request_kind(body), time.monotonic() - received)
        return answer


def _metrics_page(
    environ: WSGIEnvironment, start_response: StartResponse, page: MetricsPage
) -> Iterable[bytes]:
    if not page.allows(str(environ.get("HTTP_AUTHORIZATION", ""))):
        return _answer(
            start_response,
            401,
            {"error": "a bearer token is needed"},
            [("WWW-Authenticate", "Bearer")],
        )
    text = page.render()
    start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(text)))])
    return [text]


def _body(environ: WSGIEnvironment) -> bytes | None:
    """The request's body, or None when it is longer than MAX_BODY_BYTES (at most that much
    of it read: a chunked body has no length to check first)."""
    stream = environ["wsgi.input"]
    length = str(environ.get("CONTENT_LENGTH") or "")
    if length:
        size = int(length) if length.isdigit() else MAX_BODY_BYTES + 1
        return None if size > MAX_BODY_BYTES else bytes(stream.read(size))
    body = bytes(stream.read(MAX_BODY_BYTES + 1))
    return None if len(body) > MAX_BODY_BYTES else body


def _answer(
    start_response: StartResponse,
    status: int,
    body: dict[str, Any],
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    payload = json.dumps(body).encode()
    reasons = {
        200: "OK",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Content Too Large",
        503: "Service Unavailable",
    }
    start_response(
        f"{status} {reasons[status]}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            *(headers or []),
        ],
    )
    return [payload]


class WaitressServer:
    """waitress, run so that it can stop gracefully: stop listening first, then, once the work in
    progress is done, let the responses already written reach their clients, then close."""

    def __init__(self, app: HttpApp, *, host: str, port: int, threads: int) -> None:
        self._sockets: dict[int, Any] = {}  # the loop's sockets: the listener and every connection
        server = create_server(
            app,
            map=self._sockets,
            host=host,
            port=port,
            threads=threads,
            ident="matchpath",
            max_request_body_size=MAX_BODY_BYTES,
        )
        assert isinstance(server, BaseWSGIServer)  # one host and port: one listening socket
        self._server = server
        self._thread = threading.Thread(target=server.run, name="http", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop_listening(self) -> None:
        """New connections are refused from now on; open ones are still served."""
        # The loop owns its sockets, so the listener is closed from the loop's own thread; the
        # base class's close, because waitress's own also closes the trigger the loop still needs.
        self._in_loop(lambda: wasyncore.dispatcher.close(self._server))

    def finish(self, timeout: float) -> bool:
        """Wait for the requests being handled, flush their answers, close every connection.
        False when that took longer than `timeout`."""
        deadline = time.monotonic() + timeout
        tasks = self._server.task_dispatcher
        tasks.shutdown(cancel_pending=True, timeout=math.ceil(timeout))
        done = not tasks.threads
        while not self._flushed() and time.monotonic() < deadline:
            time.sleep(0.02)
        self._in_loop(lambda: wasyncore.close_all(self._sockets, ignore_all=True))
        self._thread.join(max(0.5, deadline - time.monotonic()))
        return done and not self._thread.is_alive()

    def _flushed(self) -> bool:
        return not any(
            getattr(channel, "total_outbufs_len", 0) for channel in list(self._sockets.values())
        )

    def _in_loop(self, thunk: Callable[[], object]) -> None:
        """Run `thunk` on the loop's thread (waitress's trigger; its stubs mistype it as int)."""
        cast(Any, self._server).trigger.pull_trigger(thunk)
