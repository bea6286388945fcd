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

log = logging.getLogger("matchpath.ticker")
DEFAULT_SECONDS = 60


HOUSEKEEPING_SECONDS = 3600  # the daily jobs ask hourly whether their day has come


def _guarded(job: Callable[[], object], name: str = "sweep") -> Callable[[], None]:
    def tick() -> None:
        started = time.monotonic()
        try:
            job()
        except Exception:  # a failed tick is logged; the next one tries again
            log.exception("%s failed; the next tick will try again", name)
            return
        # Every tick, so only at DEBUG (bot/logs.py keeps APScheduler's per-run lines out).
        log.debug("tick: %s done in %.0f ms", name, (time.monotonic() - started) * 1000)

    return tick


def _ticking(
    scheduler: BaseScheduler,
    sweep: Callable[[], object],
    seconds: int,
    housekeeping: Callable[[], object] | None = None,
) -> None:
    # One job of each, never two at once in this process; a missed tick is not run twice.
    scheduler.add_job(
        _guarded(sweep),
        "interval",
        seconds=seconds,
        id="sweep",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    if housekeeping is not None:
        # Daily work (pruning: bot/retention.py) asked hourly, from start: the database says
        # whether a day has passed since any instance did it, so a restart never skips a day.
        scheduler.add_job(
            _guarded(housekeeping, "housekeeping"),
            "interval",
            seconds=HOUSEKEEPING_SECONDS,
            id="housekeeping",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    log.info("reminder ticker: a sweep every %d s", seconds)
    scheduler.start()


def start_background(
    sweep: Callable[[], object],
    seconds: int = DEFAULT_SECONDS,
    housekeeping: Callable[[], object] | None = None,
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    _ticking(scheduler, sweep, seconds, housekeeping)
    return scheduler
