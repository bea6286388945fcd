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
from bot.errors import CliError
from bot.metrics import sweep_took
from bot.outbox.dispatch import DispatchConfig
from bot.outbox.ticker import start_background
from bot.reminders.sweep import SweepReport, run_sweep
from bot.retention import Retention, prune_if_due
from handlers.notifier import SlackNotifier
from handlers.scheduler_endpoint import SchedulerEndpoint
from handlers.shutdown import wait_for_stop_signal

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
) -> SweepReport:
    notifier = SlackNotifier.from_settings(settings)
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
) -> SweepReport:
    started = time.monotonic()
    try:
        report = run_one_sweep(settings, db, clock, stop_requested=stop_requested)
    finally:
        sweep_took(time.monotonic() - started)
    dispatched = report.dispatch
    if dispatched and (dispatched.sent or dispatched.failed or dispatched.unknown):
        log.info("; ".join(report.lines()))
    return report


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

    def start(self) -> None:
        self._scheduler = start_background(self._tick, self._seconds, self._prune)

    def _tick(self) -> None:
        with self._sweeping:
            if not self._stopping.is_set():
                _sweeper(self._settings, self._db, self._clock, self._stopping.is_set)

    def _prune(self) -> None:
        with self._pruning:
            if not self._stopping.is_set():
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
    if not settings.slack_bot_token:
        raise CliError("cannot send reminders: SLACK_BOT_TOKEN is not set", code=2)
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
