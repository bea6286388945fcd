"""Socket Mode: the app connects out to Slack over a WebSocket instead of listening for HTTP.

The first connection is made here, so that an unreachable Slack is retried (by the Slack watch)
and a refused app token is told apart; after it, slack_sdk's built-in client reconnects by
itself. Envelopes pass a gate, so that at shutdown no new one is taken while those in progress
are acknowledged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from handlers.shutdown import Gate
from handlers.slack_link import LinkState, Probe, probe_slack

log = logging.getLogger("matchpath.serve")


class GatedSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode adapter; an envelope that arrives once the gate is closed is left
    unanswered, so Slack gives it to another connection (or tells the user it failed)."""

    def __init__(self, app: App, app_token: str, gate: Gate) -> None:
        super().__init__(app, app_token)
        self.gate = gate

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        with self.gate.passage() as admitted:
            if admitted:
                super().handle(client, req)


class SocketModeLink:
    def __init__(self, app: App, app_token: str, gate: Gate) -> None:
        self._app_token = app_token
        self.handler = GatedSocketModeHandler(app, app_token, gate)
        self._opened = False
        self._lock = threading.Lock()

    def connected(self) -> bool:
        socket_client = self.handler.client  # the WebSocket client, not a Web API one
        return bool(socket_client.is_connected())

    def check(self) -> Probe:
        """Connected, or the first connection made now; later drops are the client's to mend."""
        with self._lock:
            if self._opened:
                if self.connected():
                    return Probe(LinkState.UP)
                return Probe(LinkState.UNREACHABLE, "Socket Mode connection lost; reconnecting")
            return self._open()

    def _open(self) -> Probe:
        url: list[str] = []
        found = probe_slack(lambda: url.append(self._issue_url()))
        if found.state is not LinkState.UP:
            return Probe(found.state, found.detail, setting="SLACK_APP_TOKEN")
        self.handler.client.wss_uri = url[0]
        self.handler.connect()  # type: ignore[no-untyped-call]
        self._opened = True
        log.info("Socket Mode connected" if self.connected() else "Socket Mode connecting")
        return Probe(LinkState.UP) if self.connected() else Probe(LinkState.UNREACHABLE, "")

    def _issue_url(self) -> str:
        web = self.handler.client.web_client
        return str(web.apps_connections_open(app_token=self._app_token)["url"])

    def close(self) -> None:
        self.handler.close()  # type: ignore[no-untyped-call]


def socket_mode_check(bot: Callable[[], Probe], link: SocketModeLink) -> Callable[[], Probe]:
    """Slack is up for a Socket Mode app when the bot token works and the socket is open."""

    def check() -> Probe:
        found = bot()
        return link.check() if found.state is LinkState.UP else found

    return check
