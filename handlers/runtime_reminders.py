"""Wiring the reminder machinery to Slack: the sweep and the ticker with the Slack notifier."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot.assessment.ruleset import load_ruleset
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.db.scope import WorkspaceScope, within
from bot.errors import CliError
from bot.metrics import sweep_took
from bot.outbox.dispatch import DispatchConfig
from bot.outbox.ticker import start_background
from bot.reminders.sweep import SweepReport, run_sweep
from bot.retention import Retention, prune_if_due
from bot.workspaces import registry
from handlers.client import web_client
from handlers.notifier import SlackNotifier
from handlers.runtime import incident_id
from handlers.scheduler_endpoint import SchedulerEndpoint
from handlers.shutdown import wait_for_stop_signal
from handlers.workspace_tokens import WorkspaceTokens

log = logging.getLogger("matchpath.reminders")


def dispatch_config(settings: Settings) -> DispatchConfig:
    return DispatchConfig(send_rate=settings.send_rate, burst=max(1.0, settings.send_rate))


def run_one_sweep(
    settings: Settings,
    db: Database,
    clock: Clock,
    *,
    dry_run: bool = False,
    stop_requested: Callable[[], bool] = lambda: False,
    notifier: SlackNotifier | None = None,
) -> SweepReport:
    """One sweep of the current workspace (the only one, or the one whose scope this is)."""
    notifier = notifier or SlackNotifier.from_settings(settings)
    return run_sweep(
        db,
        notifier,
        clock,
        load_ruleset(settings.ruleset),
        dispatch_config(settings),
        dry_run=dry_run,
        stop_requested=stop_requested,
    )


def _sweeper(
    settings: Settings,
    db: Database,
    clock: Clock,
    stop_requested: Callable[[], bool] = lambda: False,
    notifier: SlackNotifier | None = None,
) -> SweepReport:
    started = time.monotonic()
    try:
        report = run_one_sweep(
            settings, db, clock, stop_requested=stop_requested, notifier=notifier
        )
    finally:
        sweep_took(time.monotonic() - started)
    dispatched = report.dispatch
    if dispatched and (dispatched.sent or dispatched.failed or dispatched.unknown):
        log.info("; ".join(report.lines()))
    return report


class EveryWorkspace:
    """Serving many workspaces, a tick sweeps (and the daily job prunes) each installed one in
    turn, in its own scope and with its own bot token (rotated when close to expiring); one
    workspace's failure is logged and the others still go ahead."""

    def __init__(self, settings: Settings, db: Database, clock: Clock) -> None:
        self._settings, self._db, self._clock = settings, db, clock
        self._tokens = WorkspaceTokens(settings, db, web_client(settings))
        # By team: each keeps its connection until its token is rotated.
        self._notifiers: dict[str, tuple[str, SlackNotifier]] = {}

    def sweep(self, stop_requested: Callable[[], bool]) -> None:
        self._each("sweep", self._sweep_one, stop_requested)

    def prune(self, stop_requested: Callable[[], bool]) -> None:
        self._each("daily prune", self._prune_one, stop_requested)

    def _each(
        self,
        what: str,
        step: Callable[[WorkspaceScope, Callable[[], bool]], None],
        stop_requested: Callable[[], bool],
    ) -> None:
        with self._db.shared() as session:
            workspaces = registry.installed(session)
        for workspace in workspaces:
            if stop_requested():
                return
            try:
                step(workspace.scope, stop_requested)
            except Exception as exc:  # one workspace's trouble never holds the others back
                incident = incident_id()
                log.error(
                    "%s of workspace %s failed (incident %s): %s",
                    what,
                    workspace.team_id,
                    incident,
                    type(exc).__name__,
                    exc_info=True,
                    extra={"incident": incident},
                )

    def _prune_one(self, scope: WorkspaceScope, stop_requested: Callable[[], bool]) -> None:
        with within(scope):
            _pruner(self._settings, self._db, self._clock, stop_requested)

    def _sweep_one(self, scope: WorkspaceScope, stop_requested: Callable[[], bool]) -> None:
        token = self._tokens.bot_token(scope.team_id)
        if token is None:
            log.warning("workspace %s has no bot token stored: not swept", scope.team_id)
            return
        kept = self._notifiers.get(scope.team_id)
        if kept is None or kept[0] != token:
            kept = (token, SlackNotifier.with_token(self._settings, token))
            self._notifiers[scope.team_id] = kept
        notifier = kept[1]
        with within(scope):
            _sweeper(self._settings, self._db, self._clock, stop_requested, notifier)


def _pruner(
    settings: Settings,
    db: Database,
    clock: Clock,
    stop_requested: Callable[[], bool] = lambda: False,
) -> None:
    """The daily pruning (bot/retention.py), when its day has come."""
    report = prune_if_due(
        db,
        now=clock.now(),
        retention=Retention.from_settings(settings),
        stop_requested=stop_requested,
    )
    if report is not None:
        log.info("daily prune: %s", "; ".join(report.lines()))


class Ticker:
    """The reminder ticker inside `serve`. `stop()` lets the sweep in progress finish its send
    and hand back the rest of its claim, and starts no other."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, seconds: int) -> None:
        self._settings, self._db, self._clock, self._seconds = settings, db, clock, seconds
        self._stopping = threading.Event()
        self._sweeping = threading.Lock()
        self._pruning = threading.Lock()  # apart: a long prune never holds a sweep back
        self._scheduler: BackgroundScheduler | None = None
        self._workspaces = EveryWorkspace(settings, db, clock) if settings.many_workspaces else None

    def start(self) -> None:
        self._scheduler = start_background(self._tick, self._seconds, self._prune)

    def _tick(self) -> None:
        with self._sweeping:
            if self._stopping.is_set():
                return
            if self._workspaces is not None:
                self._workspaces.sweep(self._stopping.is_set)
            else:
                _sweeper(self._settings, self._db, self._clock, self._stopping.is_set)

    def _prune(self) -> None:
        with self._pruning:
            if self._stopping.is_set():
                return
            if self._workspaces is not None:
                self._workspaces.prune(self._stopping.is_set)
            else:
                _pruner(self._settings, self._db, self._clock, self._stopping.is_set)

    def stop(self, timeout: float) -> bool:
        """True once no sweep or prune is running (and none will start) within `timeout`
        seconds; a prune stops after the chunk in progress."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        for busy in (self._sweeping, self._pruning):
            if not busy.acquire(timeout=max(0.0, deadline - time.monotonic())):
                return False
            busy.release()
        return True


def run_ticker(
    settings: Settings,
    db: Database,
    clock: Clock,
    seconds: int = 60,
    *,
    listen: tuple[str, int] | None = None,
) -> int:
    """`matchpath scheduler`: the ticker alone, until SIGTERM or Ctrl-C. A stop lets the send in
    progress finish and hands back the rest of its claim, within MATCHPATH_SHUTDOWN_SECONDS:
    exit 0; past that bound, what is still claimed is left to its lease (the reaper's), exit 1.
    With `listen` (host, port), GET /healthz and GET /metrics are served there meanwhile."""
    if not settings.slack_bot_token and not settings.many_workspaces:
        raise CliError(
            "cannot send reminders: SLACK_BOT_TOKEN is not set (or, serving many workspaces, "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)",
            code=2,
        )
    stopping = threading.Event()
    endpoint = SchedulerEndpoint.start(settings, db, listen, stopping) if listen else None
    ticker = Ticker(settings, db, clock, seconds=seconds)
    ticker.start()
    wait_for_stop_signal(stopping)
    stopped = ticker.stop(settings.shutdown_seconds)
    if endpoint is not None:
        endpoint.stop()
    if stopped:
        log.info("stopped: the sweep in progress finished its send and handed back the rest")
        return 0
    log.error(
        "stopped at the MATCHPATH_SHUTDOWN_SECONDS bound with a sweep unfinished; a reminder "
        "claim still held is left to its lease"
    )
    # The sweep's thread would hold the interpreter past the bound: leave now.
    logging.shutdown()
    os._exit(1)
