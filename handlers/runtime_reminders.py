"""Wiring the reminder machinery to Slack: the sweep and the ticker with the Slack notifier."""

from __future__ import annotations

import logging

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
    settings: Settings, db: Database, clock: Clock, *, dry_run: bool = False
) -> SweepReport:
    notifier = SlackNotifier.from_settings(settings)
    return run_sweep(
        db,
        notifier,
        clock,
        load_ruleset(settings.ruleset),
        dispatch_config(settings),
        dry_run=dry_run,
    )


def _sweeper(settings: Settings, db: Database, clock: Clock) -> SweepReport:
    report = run_one_sweep(settings, db, clock)
    dispatched = report.dispatch
    if dispatched and (dispatched.sent or dispatched.failed or dispatched.unknown):
        log.info("; ".join(report.lines()))
    return report


def start_ticker(
    settings: Settings, db: Database, clock: Clock, seconds: int
) -> BackgroundScheduler:
    return start_background(lambda: _sweeper(settings, db, clock), seconds)


def run_ticker(settings: Settings, db: Database, clock: Clock, seconds: int = 60) -> None:
    if not settings.slack_bot_token:
        from bot.cli import CliError

        raise CliError("cannot send reminders: SLACK_BOT_TOKEN is not set", code=2)
    run_blocking(lambda: _sweeper(settings, db, clock), seconds)
