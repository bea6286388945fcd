"""`matchpath serve`: the Bolt app over HTTP under waitress (or Socket Mode), plus /healthz;
with `--workers N` (N > 1), N processes under gunicorn instead (handlers/prefork.py).

Start: the database must open (else one line naming it, exit 1); Slack refusing a token is one
line and exit 2; Slack not answering is not fatal (serve starts, /healthz says so, and the check
is retried with growing waits). Stop (SIGTERM or Ctrl-C): stop taking requests, let those in
progress and their follow-up replies finish, let the reminder ticker finish its send and hand
back the rest of its claim, then exit 0, all within MATCHPATH_SHUTDOWN_SECONDS; past that bound,
what is left is logged and the exit status is 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from dataclasses import dataclass

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.assessment.ruleset import load_ruleset
from bot.clock import runtime_clock
from bot.config import Settings
from bot.errors import CliError
from bot.startup import open_database
from handlers.calendar_feed import CalendarFeeds
from handlers.health import Health
from handlers.http_server import EVENTS_PATH, HttpApp, WaitressServer
from handlers.install import oauth_settings, require_many_workspaces
from handlers.metrics import MetricsPage, prepare_metrics_dir
from handlers.runtime_reminders import Ticker
from handlers.shutdown import Deadline, Gate, ListenerPool, wait_for_stop_signal
from handlers.slack_link import (
    LinkState,
    SlackWatch,
    link_check,
    refuse_rejected_token,
    require_credentials,
)
from handlers.socket_mode import SocketModeLink, socket_mode_check

log = logging.getLogger("matchpath.serve")


@dataclass
class Running:
    """What a stop has to wind down, in order."""

    gate: Gate
    listeners: ListenerPool
    watch: SlackWatch
    http: WaitressServer
    ticker: Ticker | None = None
    socket: SocketModeLink | None = None


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.app import build_app, listener_pool
    from handlers.client import web_client
    from handlers.runtime import Deps

    workers = getattr(args, "workers", None) or settings.workers
    if workers < 1:
        raise CliError(f"--workers must be 1 or more, not {workers}", code=2)
    if workers > 1:
        from handlers.supervise import serve_workers

        return serve_workers(args, settings, workers)
    socket_mode = bool(settings.slack_app_token)
    require_credentials(settings, socket_mode=socket_mode)
    db = open_database(settings)
    client = web_client(settings)
    deps = Deps(
        settings=settings, db=db, clock=runtime_clock(), ruleset=load_ruleset(settings.ruleset)
    )
    oauth = None
    if settings.many_workspaces:
        require_many_workspaces(settings, db)
        oauth = oauth_settings(settings, db, deps.clock)
    watch = SlackWatch(link_check(settings, db, client))
    refuse_rejected_token(watch.check_now(announce=False))
    listeners = listener_pool(deps)
    app = build_app(deps, client, listeners=listeners, oauth=oauth)
    gate = Gate()
    socket = None
    if settings.slack_app_token:
        socket = SocketModeLink(app, settings.slack_app_token, gate)
        watch = SlackWatch(socket_mode_check(link_check(settings, db, client), socket))
        refuse_rejected_token(watch.check_now(announce=False))
    if watch.probe.state is LinkState.UNREACHABLE:
        log.warning(
            "Slack does not answer (%s): serving anyway; /healthz says so until it does, and it "
            "is tried again with growing waits",
            watch.probe.detail,
        )
    stopping = threading.Event()
    health = Health(
        db, watch, stopping=stopping.is_set, socket_connected=socket.connected if socket else None
    )
    slack = None if socket_mode else SlackRequestHandler(app, path=EVENTS_PATH)
    prepare_metrics_dir()
    page = MetricsPage(db, token=settings.metrics_token)
    calendars = CalendarFeeds(db, deps.clock, gate)
    front = HttpApp(
        health, gate, slack, settings.slack_signing_secret, metrics=page, calendars=calendars
    )
    try:
        http = WaitressServer(front, host=args.host, port=settings.port, threads=args.threads)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{settings.port}: {exc.strerror}") from None
    running = Running(gate, listeners, watch, http, socket=socket)
    if not args.no_scheduler:
        running.ticker = Ticker(settings, db, deps.clock, seconds=settings.tick_seconds)
        running.ticker.start()
    watch.start()
    http.start()
    if socket_mode:
        log.info("serving over Socket Mode; /healthz on http://%s:%s", args.host, settings.port)
    else:
        log.info("serving on http://%s:%s%s", args.host, settings.port, EVENTS_PATH)
    wait_for_stop_signal(stopping)
    if _stop(running, Deadline(settings.shutdown_seconds)):
        return 0
    # Work still running on other threads would hold the interpreter past the bound: leave now.
    logging.shutdown()
    os._exit(1)


def _stop(running: Running, deadline: Deadline) -> bool:
    """Wind down within the deadline; True when nothing was left unfinished."""
    running.gate.close()
    running.watch.stop()
    if running.socket is None:
        running.http.stop_listening()
    clean = running.gate.wait_empty(deadline.left())
    if running.socket is not None:
        running.socket.close()
    clean = running.listeners.wait_idle(deadline.left()) and clean
    if running.ticker is not None:
        clean = running.ticker.stop(deadline.left()) and clean
    clean = running.http.finish(max(0.5, min(deadline.left(), 2.0))) and clean
    if clean:
        log.info("stopped: the requests in progress and their follow-ups finished")
    else:
        log.error(
            "stopped at the MATCHPATH_SHUTDOWN_SECONDS bound with work unfinished: "
            "%d requests, %d follow-ups%s",
            running.gate.inside,
            running.listeners.pending,
            "; a reminder claim still held is left to its lease" if running.ticker else "",
        )
    return clean
