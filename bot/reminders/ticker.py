"""APScheduler as a ticker only: an in-memory, UTC interval job that runs a sweep.

It holds no per-reminder jobs (the ledger does), so every instance may tick, and a restart
loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger("matchpath.ticker")
DEFAULT_SECONDS = 60


def _guarded(sweep: Callable[[], object]) -> Callable[[], None]:
    def tick() -> None:
        started = time.monotonic()
        try:
            sweep()
        except Exception:  # a failed tick is logged; the next one tries again
            log.exception("sweep failed; the next tick will try again")
            return
        # Every tick, so only at DEBUG (bot/logs.py keeps APScheduler's per-run lines out).
        log.debug("tick: sweep done in %.0f ms", (time.monotonic() - started) * 1000)

    return tick


def _ticking(scheduler: BaseScheduler, sweep: Callable[[], object], seconds: int) -> None:
    # One job, never two at once in this process; a missed tick is not run twice.
    scheduler.add_job(
        _guarded(sweep),
        "interval",
        seconds=seconds,
        id="sweep",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    log.info("reminder ticker: a sweep every %d s", seconds)
    scheduler.start()


def start_background(
    sweep: Callable[[], object], seconds: int = DEFAULT_SECONDS
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    _ticking(scheduler, sweep, seconds)
    return scheduler


def run_blocking(sweep: Callable[[], object], seconds: int = DEFAULT_SECONDS) -> None:
    _ticking(BlockingScheduler(timezone=UTC), sweep, seconds)
