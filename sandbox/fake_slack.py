"""A fake Slack Web API on 127.0.0.1 that an unmodified `slack_sdk.WebClient` can talk to.

In a test::

    with FakeSlack() as fake:
        fake.add_user("U1", "Ada Lovelace")
        client = WebClient(base_url=fake.url, token="xoxb-test")
        client.chat_postMessage(channel="U1", text="hi")
        assert fake.messages("U1")[0].text == "hi"

As a process (prints its API URL on the first line of stdout, serves until killed)::

    python -m sandbox.fake_slack --port 0

Besides `/api/<method>` the server answers `/upload/<file_id>` (file bytes), `/files/<file_id>`,
`/response/<id>` (response_url posts) and the `/_fake/*` control endpoints (see sandbox.control).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Self

from sandbox.control import CONTROL_PREFIX, handle_control
from sandbox.directory import dm_channel_id
from sandbox.faults import Fault, FaultKind, FaultPlan, Matcher
from sandbox.ids import IdMint
from sandbox.records import (
    Call,
    Channel,
    Ephemeral,
    JsonObject,
    Message,
    Reaction,
    ResponsePost,
    StoredView,
    UploadedFile,
    User,
)
from sandbox.teams import Teams
from sandbox.wire import SlackError, bearer_token, parse_params
from sandbox.workspace import Workspace

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class FakeSlack:
    """The fake workspace behind a real HTTP server; bound (so `url` is known) on construction."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        trigger_ttl: float | None = None,
        strict_channels: bool = False,
        clock: Callable[[], float] = time.time,
        keep_alive: bool = False,
    ) -> None:
        # keep_alive: answer HTTP/1.1 and keep connections open between requests, as Slack does
        # (the benchmarks measure clients that reuse them); HTTP/1.0, one request each, if not.
        self._server = _Server((host, port), self, _KeepAliveHandler if keep_alive else _Handler)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self.url = self.base_url + API_PREFIX
        mint = IdMint(clock)
        options: dict[str, Any] = {"trigger_ttl": trigger_ttl, "strict_channels": strict_channels}
        self.workspace = Workspace(self.base_url, mint=mint, **options)
        # Teams installed through the OAuth flow (`grant_install`), each its own workspace; the
        # default one answers every token not issued by `oauth.v2.access` (tests' "xoxb-test").
        self.teams = Teams(self.workspace, self.base_url, mint, **options)
        self.installs = self.teams.installs
        self.faults = FaultPlan()
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fake-slack-{self._server.server_port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests still sleeping in a `timeout` fault are cut short."""
        self.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- teams ------------------------------------------------------------------------------------

    def grant_install(self, team_id: str, user_id: str, team_name: str | None = None) -> str:
        """A user of `team_id` approves the app: the one-time code Slack hands the redirect URL."""
        name = self.teams.workspace(team_id, team_name).team_name
        return self.installs.grant(team_id, name, user_id)

    def revoke(self, team_id: str) -> None:
        """The team removed the app: its tokens are refused from now on."""
        self.installs.revoke(team_id)

    def team(self, team_id: str) -> FakeSlack:
        """The same server, arranged and inspected through one team's workspace (`add_user`,
        `messages`, `responses`, …); start and stop it through the fake itself."""
        view = copy.copy(self)
        view.workspace = self.teams.workspace(team_id)
        return view

    # -- arranging the workspace ------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        real_name: str,
        tz: str = "America/New_York",
        deleted: bool = False,
        *,
        is_bot: bool = False,
        name: str = "",
        display_name: str = "",
    ) -> User:
        user = User(user_id, real_name, tz, deleted, is_bot, name, display_name)
        self.workspace.add_user(user)
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        is_private: bool = False,
        *,
        is_archived: bool = False,
        is_member: bool = True,
    ) -> Channel:
        channel = Channel(channel_id, name, is_private, is_archived, is_member)
        self.workspace.add_channel(channel)
        return channel

    def dm_channel(self, user_id: str) -> str:
        """The D… id `conversations.open` returns (and a post to `user_id` lands in)."""
        return dm_channel_id(user_id)

    def issue_trigger(self, user_id: str) -> str:
        """A trigger id for an interaction by `user_id`, good for one `views.open`/`views.push`."""
        return self.workspace.issue_trigger(user_id)

    def issue_response_url(
        self, channel_id: str, user_id: str, *, message_ts: str | None = None
    ) -> str:
        """A response_url on this server; `message_ts` names the message interacted with, if any."""
        return self.workspace.issue_response_url(channel_id, user_id, message_ts)

    # -- faults -----------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        kind: FaultKind | str,
        times: int = 1,
        *,
        error: str | None = None,
        retry_after: int = 1,
        delay: float = 3.0,
        status: int = 500,
        match: Matcher | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (matching `match`, if given) fail as `kind`.

        - `rate_limited`: HTTP 429 with `Retry-After: retry_after`, error `ratelimited`
        - `server_error`: HTTP `status` (5xx); the call does not land
        - `timeout`: no answer for `delay` seconds (set it above the client's timeout), then 504;
          the call does not land
        - `accept_then_drop`: the call is carried out, then the connection closes unanswered
        - `error`: HTTP 200 `{"ok": false, "error": error}`
        - `slow`: no answer for `delay` seconds, then the call is carried out as usual

        `match` is a dict of parameters that must be equal, or a predicate over the parameters.
        """
        self.faults.fail_next(
            method,
            kind,
            times,
            error=error,
            retry_after=retry_after,
            delay=delay,
            status=status,
            match=match,
        )

    def set_rate_limit(
        self, method: str, per_second: float | None, *, per_channel: bool = False
    ) -> None:
        """Answer 429 (with Retry-After) once `method` exceeds `per_second`; None lifts it."""
        self.faults.set_rate_limit(method, per_second, per_channel=per_channel)

    def connections(self) -> int:
        """How many TCP connections clients have opened to the fake so far."""
        return self._server.connections

    def pending_faults(self, method: str | None = None) -> int:
        return self.faults.pending(method)

    # -- inspecting -------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Every Web API request received, accepted or not, in arrival order."""
        return self.workspace.calls(method)

    def messages(self, channel: str | None = None) -> list[Message]:
        """Messages as they stand (after updates and deletes), oldest first.

        `channel` may be a user id, meaning the DM with that user.
        """
        return self.workspace.messages(channel)

    @property
    def views(self) -> dict[str, StoredView]:
        return self.workspace.views()

    @property
    def home_views(self) -> dict[str, StoredView]:
        return self.workspace.home_views()

    def modal_stack(self, user_id: str) -> list[StoredView]:
        return self.workspace.modal_stack(user_id)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        return self.workspace.ephemerals()

    @property
    def reactions(self) -> list[Reaction]:
        return self.workspace.reactions()

    @property
    def files(self) -> list[UploadedFile]:
        return self.workspace.files()

    @property
    def responses(self) -> list[ResponsePost]:
        return self.workspace.responses()

    def state(self) -> JsonObject:
        return self.workspace.snapshot()

    def reset(self) -> None:
        """A fresh workspace (users and channels too) with no faults or rate limits."""
        self.workspace.reset()
        self.faults.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler asleep in a `timeout` fault must not hold up stop()
    request_queue_size = 128  # socketserver's 5 drops bursts of connections: 1 s SYN retries

    def __init__(self, address: tuple[str, int], fake: FakeSlack, handler: type[_Handler]) -> None:
        self.fake = fake
        self.connections = 0  # accepted so far (a kept-alive client opens few)
        self._counting = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._counting:
            self.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client gave up (a timeout test): nothing to report
        logger.exception("fake Slack failed to answer a request")


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    # Keep-alive, as Slack: a client may send many calls over one connection (every answer
    # carries its Content-Length).
    protocol_version = "HTTP/1.1"
    # An answer goes out as two writes (headers, then body): with Nagle's algorithm on, the body
    # waits for the client's delayed ACK of the headers, 40 ms per call on a kept connection.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes the request line, query string included, to stderr: a GET may carry a
        # token there. Paths alone are safe.
        logger.debug("%s %s", self.command, self.path.partition("?")[0])

    def _route(self, verb: str) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        fake = self.server.fake
        if path.startswith(API_PREFIX):
            self._api(path.removeprefix(API_PREFIX), query, body)
        elif path.startswith(CONTROL_PREFIX):
            self._send_json(*handle_control(fake, verb, path.removeprefix(CONTROL_PREFIX), body))
        elif verb == "POST" and path.startswith("/upload/"):
            file_id = path.removeprefix("/upload/")
            received = fake.teams.holding(file_id, response=False).receive_upload(file_id, body)
            self._send(200 if received else 404, f"OK - {len(body)}".encode(), "text/plain")
        elif verb == "POST" and path.startswith("/response/"):
            response_id = path.removeprefix("/response/")
            workspace = fake.teams.holding(response_id, response=True)
            self._send_json(*workspace.receive_response(response_id, _json(body)))
        elif verb == "GET" and path.startswith("/files/"):
            file_id = path.removeprefix("/files/")
            content = fake.teams.holding(file_id, response=False).file_content(file_id)
            if content is None:
                self._send_json(404, {"ok": False, "error": "file_not_found"})
            else:
                self._send(200, content, "application/octet-stream")
        else:
            self._send_json(404, {"ok": False, "error": "unknown_path"})

    def _api(self, method: str, query: str, body: bytes) -> None:
        fake = self.server.fake
        workspace = fake.workspace
        try:
            params = parse_params(self.headers.get("Content-Type", ""), body, query)
        except SlackError as error:
            call = Call(method, {}, accepted=False, error=error.code, status=error.status)
            workspace.record(call)
            self._send_json(call.status, _error_body(error.code, error.messages))
            return
        token = bearer_token(self.headers.get("Authorization")) or params.get("token")
        params.pop("token", None)  # never kept, never logged
        if method == "oauth.v2.access":
            self._oauth(params)
            return
        try:
            workspace = fake.teams.serving(token if isinstance(token, str) else None)
        except SlackError as error:
            workspace.record(Call(method, params, accepted=False, error=error.code))
            self._send_json(200, _error_body(error.code, error.messages))
            return
        fault = self.server.fake.faults.take(method, params)
        if fault is not None and fault.kind is FaultKind.SLOW:
            if self.server.fake.stopping.wait(fault.delay):
                self.close_connection = True
                return  # the fake is shutting down: no one is waiting for this answer
            fault = None
        if fault is not None and fault.kind is not FaultKind.ACCEPT_THEN_DROP:
            self._fail(method, params, fault)
            return
        fault_kind = fault.kind if fault is not None else None
        try:
            answer = workspace.call(method, params, token if isinstance(token, str) else None)
            call = Call(method, params, accepted=True, fault=fault_kind)
        except SlackError as error:
            answer = _error_body(error.code, error.messages)
            call = Call(
                method,
                params,
                accepted=False,
                error=error.code,
                status=error.status,
                fault=fault_kind,
                messages=error.messages,
            )
        workspace.record(call)
        logger.debug("%s -> %s", method, call.error or "ok")
        if fault is not None:  # accept_then_drop: it landed, but the client never hears so
            self.close_connection = True
            return
        self._send_json(call.status, answer)

    def _oauth(self, params: JsonObject) -> None:
        """The install flow's exchange, answered before any team's workspace: its caller holds
        the app's credentials, not a token (and nothing of it is recorded)."""
        try:
            answer = self.server.fake.installs.exchange(params, self.headers.get("Authorization"))
        except SlackError as error:
            answer = _error_body(error.code, error.messages)
        self._send_json(200, answer)

    def _fail(self, method: str, params: JsonObject, fault: Fault) -> None:
        """Answer as the scripted fault says; the call itself is not carried out."""
        headers: dict[str, str] = {}
        if fault.kind is FaultKind.RATE_LIMITED:
            code, status = "ratelimited", 429
            headers["Retry-After"] = str(fault.retry_after)
        elif fault.kind is FaultKind.SERVER_ERROR:
            code, status = "internal_error", fault.status
        elif fault.kind is FaultKind.TIMEOUT:
            code, status = "request_timeout", 504
        else:
            code, status = fault.error or "fatal_error", 200
        call = Call(method, params, accepted=False, error=code, status=status, fault=fault.kind)
        self.server.fake.workspace.record(call)
        if fault.kind is FaultKind.TIMEOUT and self.server.fake.stopping.wait(fault.delay):
            self.close_connection = True
            return  # the fake is shutting down: no one is waiting for this answer
        self._send_json(status, _error_body(code), headers)

    def _send_json(
        self, status: int, body: JsonObject, headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _KeepAliveHandler(_Handler):
    protocol_version = "HTTP/1.1"


def _error_body(code: str, messages: list[str] | None = None) -> JsonObject:
    body: JsonObject = {"ok": False, "error": code}
    if messages:
        body["response_metadata"] = {"messages": messages}
    return body


def _json(body: bytes) -> object:
    try:
        decoded: object = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    return decoded


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.fake_slack",
        description="Serve a fake Slack Web API; the first line of stdout is its URL.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--trigger-ttl", type=float, default=None, help="seconds; default: none")
    parser.add_argument("--strict-channels", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)

    fake = FakeSlack(
        host=args.host,
        port=args.port,
        trigger_ttl=args.trigger_ttl,
        strict_channels=args.strict_channels,
    )
    done = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with fake:
        print(fake.url, flush=True)
        while not done.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
