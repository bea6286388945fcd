"""`matchpath serve --workers N` (N > 1): N serving processes under gunicorn, on PostgreSQL.

Three kinds of process:

- `serve` itself (the supervisor): checks what a single process checks at start (credentials,
  the database, Slack's answer to the token), binds the port, runs the reminder ticker, starts
  the gunicorn arbiter as a child, and turns SIGTERM or Ctrl-C into the arbiter's graceful stop.
  The ticker runs here, not in the arbiter nor in a worker: the arbiter forks a new worker
  whenever one ends, and a fork copies whatever locks the ticker's threads hold at that moment
  (logging's, the connection pool's) into the child, where nobody will release them; a worker
  is one of N alike and may be replaced at any time, which would start or stop the ticker with
  it. The ledger's leases would keep two tickers from sending twice, but one is all it needs.
- the arbiter (`python -m handlers.prefork`): gunicorn's master, single-threaded as gunicorn
  wants it, serving on the socket the supervisor bound. It ends with the supervisor.
- the workers (gunicorn's threaded workers): each builds its own Bolt app, database pool,
  listener pool and /healthz behind the same gate as a single process (body cap, signature
  check, 503 once stopping: handlers/http_server.py). They share the replay guard and
  everything else through the database (bot/replay.py `Claim`).

SQLite is refused: its replay guard and its queue for the one write lock live in one process.

Stopping: gunicorn gives its workers MATCHPATH_SHUTDOWN_SECONDS (its graceful_timeout) to finish
their requests; each worker then waits for its follow-ups within the same bound and reports
whether it finished, through a pipe to the supervisor, which exits 0 only if every worker and the
ticker did.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings, load_settings
from bot.logs import configure_logging
from handlers.health import Health
from handlers.http_server import EVENTS_PATH, HttpApp
from handlers.metrics import MetricsPage
from handlers.shutdown import Deadline, Gate, ListenerPool
from handlers.slack_link import SlackWatch, link_check

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

log = logging.getLogger("matchpath.serve")
# What a worker writes to the supervisor's pipe: booted, stopped with everything finished, or
# stopped with work left at the bound.
BOOTED, FINISHED, UNFINISHED = b"+", b".", b"x"
# A worker's own bound ends this much before gunicorn's, so that it can still say so.
REPORT_MARGIN = 0.5
KEEPALIVE_SECONDS = 5  # Slack reuses its connections; waitress keeps them far longer
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class WorkerParts:
    """One worker's serving parts, and its stop."""

    gate: Gate
    listeners: ListenerPool
    watch: SlackWatch
    stopping: threading.Event = field(default_factory=threading.Event)
    deadline: Deadline | None = None


class ThroughOurLog(GunicornLogger):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's own lines (a worker booted, a signal handled) as records through the process's
    log handler, so that they take its format (MATCHPATH_LOG_FORMAT) and its filter."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True


class Prefork(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn, configured in code: no config file, no command line of its own."""

    def __init__(
        self, settings: Settings, *, fd: int, workers: int, threads: int, report_fd: int
    ) -> None:
        self._settings = settings
        self._options: dict[str, Any] = {
            "bind": [f"fd://{fd}"],
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "graceful_timeout": settings.shutdown_seconds,
            "keepalive": KEEPALIVE_SECONDS,
            "proc_name": "matchpath",
            "logger_class": ThroughOurLog,
            # No runtime control socket: one shared path per user, and nothing here uses it.
            "control_socket_disable": True,
            "post_worker_init": self._post_worker_init,
            "worker_exit": self._worker_exit,
            "when_ready": _ignore_interrupts,
        }
        self._report_fd = report_fd
        self._parts: WorkerParts | None = None
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> HttpApp:
        """Runs in each worker after the fork: everything with threads or sockets starts here."""
        front, self._parts = worker_front(self._settings)
        return front

    def _post_worker_init(self, worker: Worker) -> None:
        _ignore_interrupts(None)
        parts = self._parts
        assert parts is not None
        stop = signal.getsignal(signal.SIGTERM)
        bound = max(0.5, self._settings.shutdown_seconds - REPORT_MARGIN)

        def on_term(signum: int, frame: FrameType | None) -> None:
            if parts.deadline is None:
                parts.deadline = Deadline(bound)
            parts.stopping.set()
            parts.gate.close()
            if callable(stop):
                stop(signum, frame)

        signal.signal(signal.SIGTERM, on_term)
        _report(self._report_fd, BOOTED)

    def _worker_exit(self, _arbiter: Arbiter, worker: Worker) -> None:
        parts = self._parts
        if parts is None:
            return  # it never booted: gunicorn says why
        deadline = parts.deadline or Deadline(self._settings.shutdown_seconds)
        parts.gate.close()
        parts.watch.stop()
        clean = parts.gate.wait_empty(deadline.left())
        clean = parts.listeners.wait_idle(deadline.left()) and clean
        if clean:
            log.info("worker %d stopped: its requests and their follow-ups finished", worker.pid)
            _report(self._report_fd, FINISHED)
            return
        log.error(
            "worker %d stopped at the MATCHPATH_SHUTDOWN_SECONDS bound with work unfinished: "
            "%d requests, %d follow-ups",
            worker.pid,
            parts.gate.inside,
            parts.listeners.pending,
        )
        _report(self._report_fd, UNFINISHED)
        # Work still running on other threads would hold the process past the bound: leave now.
        logging.shutdown()
        os._exit(1)


def worker_front(settings: Settings) -> tuple[HttpApp, WorkerParts]:
    """What one worker serves: the Bolt app behind the HTTP gate, and /healthz."""
    from bot.assessment.ruleset import load_ruleset
    from bot.clock import runtime_clock
    from bot.startup import connect_database
    from handlers.app import build_app, listener_pool
    from handlers.calendar_feed import CalendarFeeds
    from handlers.client import web_client
    from handlers.install import oauth_settings
    from handlers.runtime import Deps

    # The supervisor has checked the database (reachable, migrated) before any worker starts.
    db = connect_database(settings)
    client = web_client(settings)
    watch = SlackWatch(link_check(settings, db, client))
    watch.check_now(announce=False)  # the supervisor has said how Slack answered
    deps = Deps(
        settings=settings, db=db, clock=runtime_clock(), ruleset=load_ruleset(settings.ruleset)
    )
    listeners = listener_pool(deps)
    oauth = oauth_settings(settings, db, deps.clock) if settings.many_workspaces else None
    app = build_app(deps, client, listeners=listeners, oauth=oauth)
    parts = WorkerParts(Gate(), listeners, watch)
    health = Health(db, watch, stopping=parts.stopping.is_set)
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    watch.start()
    page = MetricsPage(db, token=settings.metrics_token)
    calendars = CalendarFeeds(db, deps.clock, parts.gate)
    front = HttpApp(
        health, parts.gate, slack, settings.slack_signing_secret, metrics=page, calendars=calendars
    )
    return front, parts


def _ignore_interrupts(_arbiter: Arbiter | None) -> None:
    """Ctrl-C reaches every process of the terminal's group at once; the supervisor alone
    answers it, with the same graceful stop as SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _report(fd: int, what: bytes) -> None:
    with contextlib.suppress(OSError):  # the supervisor is gone: nobody to tell
        os.write(fd, what)


def _end_with_parent() -> None:
    """Have the kernel send SIGTERM (a graceful stop) to this arbiter if the supervisor dies
    without stopping it (Linux; elsewhere a supervisor killed outright leaves it running)."""
    parent = os.getppid()
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="the gunicorn arbiter of `matchpath serve --workers`")
    p.add_argument("--fd", type=int, required=True, help="the listening socket, bound already")
    p.add_argument("--report-fd", type=int, required=True, help="the supervisor's pipe")
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    args = p.parse_args(argv)
    _end_with_parent()
    settings = load_settings()
    configure_logging(
        settings.log_level,
        hidden=settings.secrets,
        incident_dir=settings.incident_dir,
        log_format=settings.log_format,
    )
    Prefork(
        settings,
        fd=args.fd,
        workers=args.workers,
        threads=args.threads,
        report_fd=args.report_fd,
    ).run()


if __name__ == "__main__":
    main()
