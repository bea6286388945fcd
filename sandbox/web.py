"""The console over HTTP, on 127.0.0.1 only: the page, its static files and a small JSON API.

    GET  /?as=USER&c=CONVERSATION    the page (c=home also tells the bot the Home tab was opened)
    GET  /api/state?as=&c=[&peek=1]  what that person sees, as JSON with HTML fragments (a peek
                                     leaves the conversation unread)
    GET  /api/people                 the demo people
    GET  /api/status                 the bot process and the simulated clock
    POST /api/command  {"as", "c", "text"}
    POST /api/click    {"as", "c", "source", "block", "element"}
    POST /api/submit   {"as", "view_id", "fields": {block_id: {action_id: [strings]}}}
    POST /api/close    {"as", "view_id"}
    POST /api/home     {"as"}
    POST /api/clock    {"seconds"}

A page on another site cannot drive it: requests must name this host (no DNS rebinding) and
posts must be JSON (which a cross-site form cannot send without a preflight this server refuses).
"""

from __future__ import annotations

import json
import logging
import mimetypes
import sys
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import page
from sandbox.console import Console, ConsoleError, Outcome, parse_fields
from sandbox.demo import DEFAULT_PERSON, PEOPLE
from sandbox.records import JsonObject
from sandbox.timeline import HOME

log = logging.getLogger("sandbox.web")

MAX_BODY = 1_000_000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ConsoleServer:
    def __init__(
        self, console: Console, *, port: int, status: Callable[[], JsonObject] | None = None
    ) -> None:
        self.console = console
        self._status = status or dict
        self._server = _Server(("127.0.0.1", port), self)
        self.port = int(self._server.server_port)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox-console-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def status(self) -> JsonObject:
        return {"ok": True, "console": self.url, **self._status()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: ConsoleServer) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the browser went away mid-answer
        log.exception("the console failed to answer a request")


class _Handler(BaseHTTPRequestHandler):
    server_version = "MatchPathSandbox/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.command, self.path.partition("?")[0])

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    # -- routing ----------------------------------------------------------------------------

    def _answer(self, route: Callable[[str, dict[str, str]], None]) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        api = url.path.startswith("/api/")
        try:
            if self.headers.get("Host") not in self.server.app.hosts:
                raise ConsoleError("This console answers on 127.0.0.1 only.", 403)
            route(url.path, query)
        except ConsoleError as error:
            self._problem(str(error), error.status, api=api)
        except (ConnectionError, TimeoutError):
            return  # the browser left (a navigation mid-request): no one to answer
        except Exception:
            incident = uuid.uuid4().hex[:8]
            log.exception(
                "console error (incident %s); the details are in console.log",
                incident,
                extra={"incident": incident},
            )
            self._problem(
                f"Something went wrong in the sandbox console (incident {incident}); "
                "the terminal running it has the details.",
                500,
                api=api,
            )

    def _get(self, path: str, query: dict[str, str]) -> None:
        console = self.server.app.console
        if path == "/":
            who = query.get("as") or DEFAULT_PERSON
            # Switching person keeps the conversation when they are in it too.
            key = console.visible(who, query.get("c"))
            if key == HOME:
                console.open_home(who)  # showing the Home tab is what fires app_home_opened
            document = page.document(console.screen(who, key))
            self._send(200, document.encode(), "text/html; charset=utf-8")
        elif path == "/api/state":
            peek = query.get("peek") == "1"
            self._json(200, console.state(query.get("as"), query.get("c"), peek=peek))
        elif path == "/api/people":
            people = [
                {"id": p.id, "name": p.name, "handle": p.handle, "role": p.role.value}
                for p in PEOPLE
            ]
            self._json(200, {"ok": True, "people": people})
        elif path == "/api/status":
            self._json(200, self.server.app.status())
        elif path.startswith("/files/"):
            shared, content = console.download(query.get("as"), path.removeprefix("/files/"))
            self._send_download(shared.name, content)
        elif path.startswith("/static/"):
            self._static(path.removeprefix("/static/"))
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            raise ConsoleError("There is no such page.", 404)

    def _post(self, path: str, query: dict[str, str]) -> None:
        console = self.server.app.console
        body = self._body()
        who = _text(body, "as")
        outcome: Outcome
        if path == "/api/command":
            outcome = console.command(who, _text(body, "c"), _text(body, "text"))
        elif path == "/api/click":
            block = body.get("block")
            if not isinstance(block, int):
                raise ConsoleError("The click did not say which block it was in.")
            outcome = console.click(
                who, _text(body, "c"), _text(body, "source"), block, _text(body, "element")
            )
        elif path == "/api/submit":
            outcome = console.submit(who, _text(body, "view_id"), parse_fields(body.get("fields")))
        elif path == "/api/close":
            outcome = console.close_modal(who, _text(body, "view_id"))
        elif path == "/api/home":
            outcome = console.open_home(who)
        elif path == "/api/clock":
            seconds = body.get("seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                raise ConsoleError("Say how many seconds to move the clock on.")
            outcome = console.advance(float(seconds))
        else:
            raise ConsoleError("There is no such action.", 404)
        self._json(200, outcome.to_json())

    # -- plumbing ---------------------------------------------------------------------------

    def _body(self) -> dict[str, Any]:
        if self.headers.get_content_type() != "application/json":
            raise ConsoleError("Send JSON.", 415)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ConsoleError("That request is too large.", 413)
        try:
            decoded = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            raise ConsoleError("That request is not valid JSON.") from None
        if not isinstance(decoded, dict):
            raise ConsoleError("Send a JSON object.")
        return decoded

    def _static(self, name: str) -> None:
        folder = resources.files("sandbox") / "static"
        names = {entry.name for entry in folder.iterdir() if entry.is_file()}
        if name not in names:  # only the files that are there: no path tricks
            raise ConsoleError("There is no such file.", 404)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        self._send(200, (folder / name).read_bytes(), content_type)

    def _problem(self, message: str, status: int, *, api: bool) -> None:
        if api:
            self._json(status, {"ok": False, "message": message})
        else:
            self._send(
                status, page.error_document(message, status).encode(), "text/html; charset=utf-8"
            )

    def _json(self, status: int, body: JsonObject) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8")

    def _send_download(self, name: str, data: bytes) -> None:
        # The name is the bot's; quoted with anything outside plain ASCII dropped.
        safe = "".join(c for c in name if c.isascii() and c.isprintable() and c not in '"\\')
        self._send(200, data, "application/octet-stream", f'attachment; filename="{safe}"')

    def _send(
        self, status: int, data: bytes, content_type: str, disposition: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if disposition is not None:
            self.send_header("Content-Disposition", disposition)
        self.send_header("Content-Length", str(len(data)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ConsoleError(f"{key!r} should be text.")
    return value
