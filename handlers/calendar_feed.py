"""GET /ical/<token>.ics: a person's calendar feed, for their calendar application to fetch.

The token in the path is the only credential (calendar applications send no other), so every
refusal reads the same, 404, whether the token is malformed, unknown, reset or switched off;
and the path is never logged. A feed is read and its fetch audited in one unit of work.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.calendar.ical import render_feed
from bot.calendar.service import calendar_feed
from bot.clock import Clock
from bot.db.engine import Database
from bot.db.scope import within
from bot.workspaces.lookup import every_workspace
from handlers.shutdown import Gate

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("matchpath.calendar")
FEED_PREFIX = "/ical/"
FEED_PATH = re.compile(r"/ical/([A-Za-z0-9_-]{1,64})\.ics")


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{FEED_PREFIX}{token}.ics"


class CalendarFeeds:
    """The WSGI app behind FEED_PREFIX (handlers/http_server.py routes to it)."""

    def __init__(self, db: Database, clock: Clock, gate: Gate) -> None:
        self._db = db
        self._clock = clock
        self._gate = gate

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return _json(start_response, "405 Method Not Allowed", [("Allow", "GET, HEAD")])
        found = FEED_PATH.fullmatch(str(environ.get("PATH_INFO", "")))
        with self._gate.passage() as admitted:
            if not admitted:
                return _json(start_response, "503 Service Unavailable", [("Connection", "close")])
            body = self._feed(found.group(1)) if found else None
        if body is None:
            return _json(start_response, "404 Not Found")
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "private, max-age=300"),
                ("Referrer-Policy", "no-referrer"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body] if method == "GET" else []

    def _feed(self, token: str) -> bytes | None:
        """The feed the secret names; serving many workspaces, looked for in each (a secret is
        256 random bits: it names one person of one workspace)."""
        now = self._clock.now()
        feed = None
        for scope in every_workspace(self._db):
            with within(scope), self._db.unit_of_work() as session:
                feed = calendar_feed(session, token=token, now=now)
            if feed is not None:
                break
        if feed is None:
            log.info("refused a calendar feed request: no such feed")
            return None
        return render_feed(feed, now=now)


def _json(
    start_response: StartResponse, status: str, headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    payload = json.dumps({"error": status.partition(" ")[2].lower()}).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            *(headers or []),
        ],
    )
    return [payload]
