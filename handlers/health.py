"""GET /healthz: what a monitor needs to know, by status code and by a JSON body naming each
check (docs/operations.md, "Health").

| check | good | degraded (200) | failing (503) |
|---|---|---|---|
| database | up | | down |
| slack (the workspace's token) | up | unreachable | token_rejected |
| sending (reminders, cards) | on | paused | |
| socket_mode (Socket Mode only) | connected | | disconnected |
| serving | yes | | stopping (after SIGTERM, while in-flight work finishes) |

503 means this process cannot do its job and restarting it or taking it out of a load balancer
is the right move; 200 with `"status": "degraded"` means it serves (commands are answered,
reminders wait in the ledger) but something outside it needs a look. `sending` is `unknown`
while the database is down: not a finding of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text

from bot.db.engine import Database
from bot.db.scope import within
from bot.models import WorkspacePause
from bot.outbox.pause import WORKSPACE
from bot.workspaces.lookup import every_workspace
from handlers.slack_link import LinkState, SlackWatch

log = logging.getLogger("matchpath.serve")
GOOD = {
    "database": "up",
    "sending": "on",
    "slack": LinkState.UP.value,
    "socket_mode": "connected",
    "serving": "yes",
}
DEGRADED = {("slack", LinkState.UNREACHABLE.value), ("sending", "paused")}
NOT_A_FINDING = "unknown"  # the check it depends on has failed


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
        database, pause_reason = self._database()
        checks = {**database, "slack": self._slack.probe.state.value}
        if self._socket_connected is not None:
            checks["socket_mode"] = "connected" if self._socket_connected() else "disconnected"
        checks["serving"] = "stopping" if self._stopping() else "yes"
        wrong = [
            (name, value)
            for name, value in checks.items()
            if value not in (GOOD[name], NOT_A_FINDING)
        ]
        failed = [name for name, value in wrong if (name, value) not in DEGRADED]
        degraded = [name for name, value in wrong if (name, value) in DEGRADED]
        status = "failing" if failed else "degraded" if degraded else "ok"
        body: dict[str, object] = {
            "status": status,
            "ok": status == "ok",
            "failed": failed,
            "degraded": degraded,
            **checks,
        }
        if self._slack.probe.state is not LinkState.UP:
            body["slack_error"] = self._slack.probe.detail
        elif self._slack.probe.detail:  # serving many: the workspaces whose token Slack refuses
            body["slack_detail"] = self._slack.probe.detail
        if pause_reason is not None:
            body["sending_error"] = pause_reason
        return (503 if failed else 200), body

    def _database(self) -> tuple[dict[str, str], str | None]:
        """The database's state and the pause's, and why sending is paused (Slack's error;
        serving many workspaces, each paused one's team id and error)."""
        try:
            reasons = self._pauses()
        except Exception as exc:  # any failure to read means down; the kind goes to the log
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            return {"database": "down", "sending": NOT_A_FINDING}, None
        reason = "; ".join(reasons) if reasons else None
        return {"database": "up", "sending": "paused" if reasons else "on"}, reason

    def _pauses(self) -> list[str]:
        reasons = []
        for scope in every_workspace(self._db):
            with within(scope), self._db.read_only() as session:
                session.execute(text("SELECT 1"))
                paused = session.get(WorkspacePause, WORKSPACE)
            if paused is not None:
                reasons.append(
                    paused.reason if scope is None else f"{scope.team_id}: {paused.reason}"
                )
        return reasons
