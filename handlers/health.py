"""GET /healthz: 200 only when MatchPath can do its job, else 503 naming each check that failed.

| check | good | bad (503) |
|---|---|---|
| database | up | down |
| sending (reminders) | on | paused (Slack refused the token), unknown (database down) |
| slack | up | unreachable, token_rejected |
| socket_mode (Socket Mode only) | connected | disconnected |
| serving | yes | stopping (after SIGTERM, while in-flight work finishes) |
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text

from bot.db.engine import Database
from bot.models import WorkspacePause
from handlers.slack_link import LinkState, SlackWatch

log = logging.getLogger("matchpath.serve")
GOOD = {
    "database": "up",
    "sending": "on",
    "slack": LinkState.UP.value,
    "socket_mode": "connected",
    "serving": "yes",
}


class Health:
    def __init__(
        self,
        db: Database,
        slack: SlackWatch,
        *,
        stopping: Callable[[], bool],
        socket_connected: Callable[[], bool] | None = None,
    ) -> None:
        self._db = db
        self._slack = slack
        self._stopping = stopping
        self._socket_connected = socket_connected

    def report(self) -> tuple[int, dict[str, object]]:
        checks = {**self._database(), "slack": self._slack.probe.state.value}
        if self._socket_connected is not None:
            checks["socket_mode"] = "connected" if self._socket_connected() else "disconnected"
        checks["serving"] = "stopping" if self._stopping() else "yes"
        # "unknown" is not a failure of its own: the check it depends on has failed.
        failed = [name for name, value in checks.items() if value not in (GOOD[name], "unknown")]
        body: dict[str, object] = {"ok": not failed, "failed": failed, **checks}
        if self._slack.probe.state is not LinkState.UP:
            body["slack_error"] = self._slack.probe.detail
        return (503 if failed else 200), body

    def _database(self) -> dict[str, str]:
        try:
            with self._db.read_only() as session:
                session.execute(text("SELECT 1"))
                paused = session.get(WorkspacePause, "workspace")
        except Exception as exc:  # any failure to read means down; the kind goes to the log
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            return {"database": "down", "sending": "unknown"}
        return {"database": "up", "sending": "paused" if paused else "on"}
