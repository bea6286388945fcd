"""The supervisor of `matchpath serve --workers N` (N > 1): see handlers/prefork.py for the
processes and why the reminder ticker runs here."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess  # starts our own arbiter, fixed argv, no shell  # nosec B404
import sys
import threading
import time
from dataclasses import dataclass
from types import FrameType

from bot.config import Settings
from bot.db.engine import Database
from handlers.http_server import EVENTS_PATH
from handlers.metrics import shared_metrics
from handlers.prefork import BOOTED, FINISHED, UNFINISHED
from handlers.runtime_reminders import Ticker
from handlers.shutdown import Deadline
from handlers.slack_link import LinkState, SlackWatch, link_check

log = logging.getLogger("matchpath.serve")
# After its graceful_timeout gunicorn kills what is left and reaps it: time for that.
ARBITER_MARGIN = 5.0
BACKLOG = 2048  # gunicorn's own default


def refuse_workers(settings: Settings, workers: int) -> str | None:
    """Why this configuration cannot serve with `workers` processes, or None when it can."""
    if settings.slack_app_token:
        return (
            f"cannot serve with {workers} workers over Socket Mode (SLACK_APP_TOKEN is set): "
            "Socket Mode serves from one process; unset SLACK_APP_TOKEN to serve over HTTP, "
            "or serve with --workers 1"
        )
    if settings.database_url.startswith("sqlite"):
        return (
            f"cannot serve with {workers} workers on SQLite: one process serves a SQLite "
            "database (its replay guard and its queue for the write lock live in that "
            "process); serve with --workers 1, or set MATCHPATH_DATABASE_URL to a PostgreSQL "
            "database"
        )
    return None


@dataclass
class Reports:
    """What the workers wrote to the pipe: how many booted, finished, and left work."""

    booted: int = 0
    finished: int = 0
    unfinished: int = 0

    def read(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                return
            if not data:
                return
            self.booted += data.count(BOOTED)
            self.finished += data.count(FINISHED)
            self.unfinished += data.count(UNFINISHED)

    @property
    def clean(self) -> bool:
        # A worker that booted and never said how it stopped was killed at the bound.
        return self.unfinished == 0 and self.finished == self.booted


def serve_workers(args: argparse.Namespace, settings: Settings, workers: int) -> int:
    from bot.errors import CliError
    from bot.startup import open_database
    from handlers.client import web_client
    from handlers.install import require_many_workspaces
    from handlers.slack_link import refuse_rejected_token, require_credentials

    refusal = refuse_workers(settings, workers)
    if refusal:
        raise CliError(refusal, code=2)
    require_credentials(settings, socket_mode=False)
    db = open_database(settings)
    if settings.many_workspaces:
        require_many_workspaces(settings, db)
    watch = SlackWatch(link_check(settings, db, web_client(settings)))
    found = watch.check_now(announce=False)
    refuse_rejected_token(found)
    if found.state is LinkState.UNREACHABLE:
        log.warning(
            "Slack does not answer (%s): serving anyway; /healthz says so until it does, and it "
            "is tried again with growing waits",
            found.detail,
        )
    listener = _bind(args.host, settings.port)
    # Every process of the run records its metrics into one folder; any worker's /metrics adds
    # them up, the ticker's here included.
    with shared_metrics():
        return _supervise(args, settings, db, listener, workers)


def _supervise(
    args: argparse.Namespace,
    settings: Settings,
    db: Database,
    listener: socket.socket,
    workers: int,
) -> int:
    from bot.clock import runtime_clock

    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    arbiter = subprocess.Popen(  # noqa: S603  # our own module, our own arguments  # nosec B603
        [
            sys.executable,
            "-m",
            "handlers.prefork",
            f"--fd={listener.fileno()}",
            f"--report-fd={write_fd}",
            f"--workers={workers}",
            f"--threads={args.threads}",
        ],
        pass_fds=(listener.fileno(), write_fd),
    )
    os.close(write_fd)
    listener.close()  # the arbiter has its own copy
    ticker = None
    if not args.no_scheduler:
        ticker = Ticker(settings, db, runtime_clock(), seconds=settings.tick_seconds)
        ticker.start()
    log.info(
        "serving on http://%s:%s%s with %d worker processes",
        args.host,
        settings.port,
        EVENTS_PATH,
        workers,
    )
    reports = Reports()
    signalled = _wait(arbiter, read_fd, reports)
    deadline = Deadline(settings.shutdown_seconds)
    if arbiter.poll() is None:
        arbiter.send_signal(signal.SIGTERM)
    clean = ticker.stop(deadline.left()) if ticker is not None else True
    try:
        code = arbiter.wait(deadline.left() + ARBITER_MARGIN)
    except subprocess.TimeoutExpired:
        arbiter.kill()
        code = arbiter.wait()
    reports.read(read_fd)
    os.close(read_fd)
    if not signalled:
        log.error("the serving processes ended by themselves (gunicorn's exit status %d)", code)
        return 1
    if clean and code == 0 and reports.clean:
        log.info("stopped: every worker's requests and follow-ups finished")
        return 0
    log.error(
        "stopped at the MATCHPATH_SHUTDOWN_SECONDS bound with work unfinished: %d of %d "
        "workers did not finish%s",
        reports.booted - reports.finished,
        reports.booted,
        "" if clean else "; a reminder claim still held is left to its lease",
    )
    return 1


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use is one line, as with one
    process; the arbiter serves on it."""
    from bot.errors import CliError

    try:
        listener = socket.create_server((host, port), backlog=BACKLOG)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    listener.set_inheritable(True)
    return listener


def _wait(arbiter: subprocess.Popen[bytes], read_fd: int, reports: Reports) -> bool:
    """Until SIGTERM or Ctrl-C (True), or the arbiter ending on its own (False)."""
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    while not stopping.wait(0.5):
        reports.read(read_fd)  # keep the pipe drained: a worker must never block writing to it
        if arbiter.poll() is not None:
            time.sleep(0.1)  # a signal that ended both at once is still the operator's
            return stopping.is_set()
    return True
