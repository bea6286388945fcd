"""Wiring the reminder machinery to Slack: the sweep and the ticker with the Slack notifier."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot.assessment.ruleset import load_ruleset
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.reminders.dispatcher import DispatchConfig
from bot.reminders.sweep import SweepReport, run_sweep
from bot.reminders.ticker import run_blocking, start_background
from handlers.notifier import SlackNotifier

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
    report = run_one_sweep(settings, db, clock, stop_requested=stop_requested)
    dispatched = report.dispatch
    if dispatched and (dispatched.sent or dispatched.failed or dispatched.unknown):
        log.info("; ".join(report.lines()))
    return report


class Ticker:
    """The reminder ticker inside `serve`. `stop()` lets the sweep in progress finish its send
    and hand back the rest of its claim, and starts no other."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, seconds: int) -> None:
        self._settings, self._db, self._clock, self._seconds = settings, db, clock, seconds
        self._stopping = threading.Event()
        self._sweeping = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        self._scheduler = start_background(self._tick, self._seconds)

    def _tick(self) -> None:
        with self._sweeping:
            if not self._stopping.is_set():
                _sweeper(self._settings, self._db, self._clock, self._stopping.is_set)

    def stop(self, timeout: float) -> bool:
        """True once no sweep is running (and none will start) within `timeout` seconds."""
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if not self._sweeping.acquire(timeout=timeout):
            return False
        self._sweeping.release()
        return True


def run_ticker(settings: Settings, db: Database, clock: Clock, seconds: int = 60) -> None:
    if not settings.slack_bot_token:
        from bot.cli import CliError

        raise CliError("cannot send reminders: SLACK_BOT_TOKEN is not set", code=2)
    run_blocking(lambda: _sweeper(settings, db, clock), seconds)
