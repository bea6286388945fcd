"""Slack's Socket Mode end, on 127.0.0.1: a WebSocket server speaking Slack's envelope protocol,
beside the fake Web API (it needs the dev dependency `websockets`).

In a test::

    with FakeSlack() as fake, SocketModeStandIn(fake) as slack_end:
        # the bot (SLACK_APP_TOKEN=xapp-…, MATCHPATH_SLACK_API_URL=fake.url) calls
        # apps.connections.open on the fake, which answers with this server's URL
        slack_end.wait_connected()
        ack = slack_end.wait_ack(slack_end.slash_command(command="/matchpath", ...))

The protocol, as Slack documents it and slack_sdk's Socket Mode clients expect it:
- `apps.connections.open` (with the app-level `xapp-` token) returns a `wss://…/link/?ticket=…`
  URL; here `ws://`, and each ticket opens one connection only;
- on connecting, Slack sends `{"type": "hello", "num_connections": n, "debug_info": …,
  "connection_info": {"app_id": …}}`;
- each delivery is an envelope `{"envelope_id", "type": "slash_commands" | "interactive" |
  "events_api", "payload", "accepts_response_payload"}` (events add `retry_attempt` and
  `retry_reason`), sent to one of the app's open connections;
- the app acknowledges on that connection with `{"envelope_id": …, "payload": …}` (a payload only
  where `accepts_response_payload` is true: what an HTTP app would put in its response body);
- `{"type": "disconnect", "reason": "refresh_requested" | "warning" | …}` asks the app to open a
  new connection.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from sandbox.fake_slack import FakeSlack
from sandbox.records import APP_ID, JsonObject
from sandbox.signing import command_fields, event_envelope

log = logging.getLogger(__name__)


class SocketModeStandIn:
    """Bound on construction; `start()` serves in a thread, `stop()` closes every connection."""

    def __init__(self, fake: FakeSlack, *, host: str = "127.0.0.1") -> None:
        self._changed = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, JsonObject] = {}
        self.connections_opened = 0
        self._server: Server = serve(
            self._session,
            host,
            0,
            process_request=self._admit,
            compression=None,
            logger=log,
        )
        port = self._server.socket.getsockname()[1]
        self.url = f"ws://{host}:{port}/link/"
        self._fake = fake
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        self._fake.workspace.socket_mode_url = self._issue
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._fake.workspace.socket_mode_url = None
        self._server.shutdown()
        for connection in self._open():
            connection.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what Slack sends ---------------------------------------------------------------------

    def slash_command(
        self,
        *,
        command: str,
        text: str,
        user_id: str,
        channel_id: str,
        response_url: str = "",
        trigger_id: str = "",
    ) -> str:
        """Deliver a slash command; returns its envelope id (see `wait_ack`)."""
        payload = command_fields(
            command=command,
            text=text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        return self.deliver("slash_commands", payload, accepts_response_payload=True)

    def interactive(self, payload: Mapping[str, Any]) -> str:
        """Deliver a block action or a view submission (the payload as in signing's builders)."""
        return self.deliver("interactive", dict(payload), accepts_response_payload=True)

    def event(self, event: Mapping[str, Any], *, retry_attempt: int = 0) -> str:
        return self.deliver(
            "events_api",
            event_envelope(event),
            accepts_response_payload=False,
            retry_attempt=retry_attempt,
            retry_reason="" if retry_attempt == 0 else "timeout",
        )

    def deliver(
        self, kind: str, payload: JsonObject, *, accepts_response_payload: bool, **extra: Any
    ) -> str:
        """Send one envelope to the newest open connection, as Slack picks one of them."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            **extra,
        }
        connections = self._open()
        if not connections:
            raise RuntimeError("no Socket Mode connection is open")
        connections[-1].send(json.dumps(envelope))
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to move to a new connection, as Slack does every few hours."""
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {}})
        for connection in self._open():
            connection.send(message)

    # -- what the app answered ------------------------------------------------------------------

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._connections), timeout):
                raise AssertionError("the app never opened a Socket Mode connection")

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> JsonObject:
        """The app's acknowledgement of an envelope: `{"envelope_id", "payload"?}`."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(f"envelope {envelope_id} was not acknowledged")
            return self._acks[envelope_id]

    def acked(self, envelope_id: str) -> bool:
        with self._changed:
            return envelope_id in self._acks

    @property
    def open_connections(self) -> int:
        return len(self._open())

    # -- the server side ----------------------------------------------------------------------

    def _issue(self) -> str:
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
        return f"{self.url}?ticket={ticket}&app_id={APP_ID}"

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse a handshake without a ticket issued by apps.connections.open (once each)."""
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._changed:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        body = b"invalid or used ticket\n"
        headers = Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return Response(HTTPStatus.UNAUTHORIZED.value, "Unauthorized", headers, body)

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            self.connections_opened += 1
            self._changed.notify_all()
        try:
            connection.send(json.dumps(self._hello()))
            for message in connection:
                self._receive(message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    def _hello(self) -> JsonObject:
        return {
            "type": "hello",
            "num_connections": self.open_connections,
            "debug_info": {"host": "socket-mode-stand-in", "approximate_connection_time": 3600},
            "connection_info": {"app_id": APP_ID},
        }

    def _receive(self, message: str | bytes) -> None:
        try:
            answer = json.loads(message)
        except ValueError:
            log.warning("the app sent a frame that is not JSON")
            return
        if isinstance(answer, dict) and isinstance(answer.get("envelope_id"), str):
            with self._changed:
                self._acks[answer["envelope_id"]] = answer
                self._changed.notify_all()

    def _open(self) -> list[ServerConnection]:
        with self._changed:
            return list(self._connections)
