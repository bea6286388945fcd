"""`matchpath sweep` and `matchpath scheduler`: the reminder machinery without the Slack app.
handlers/ (the Slack notifier) is imported only when one of them runs."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.clock import Clock, FixedClock, runtime_clock
from bot.config import Settings
from bot.startup import open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="run one reminder pass (plan, dispatch, reap) and print what it did",
        description="Run one pass of the reminder machinery: evaluate flags, plan due "
        "deliveries into the ledger, send what is due, reconcile what a crash left uncertain.",
    )
    p.add_argument("--dry-run", action="store_true", help="send nothing; print what would go")
    p.add_argument(
        "--now",
        type=_instant,
        metavar="ISO-DATETIME",
        help="run as of this instant (e.g. 2026-12-01T09:00:00Z)",
    )
    p.set_defaults(run=sweep)
    p = sub.add_parser(
        "scheduler",
        help="run only the reminder ticker (a separate process)",
        description="Run the reminder ticker alone: a sweep every MATCHPATH_TICK_SECONDS, and the "
        "daily prune. SIGTERM or Ctrl-C stops it: the send in progress finishes and the rest of "
        "its claim is handed back within MATCHPATH_SHUTDOWN_SECONDS (exit 0), else exit 1.",
    )
    p.add_argument(
        "--every",
        type=int,
        metavar="SECONDS",
        help="seconds between sweeps (default MATCHPATH_TICK_SECONDS, 60)",
    )
    p.add_argument(
        "--port",
        type=_port,
        metavar="PORT",
        help="serve GET /healthz and GET /metrics on this port (default: no HTTP at all)",
    )
    p.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104  # as `serve`: a monitor reaches it  # nosec B104
        help="interface for --port to listen on (default: all)",
    )
    p.set_defaults(run=scheduler)


def sweep(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.runtime_reminders import run_one_sweep

    clock: Clock = FixedClock(args.now) if args.now else runtime_clock()
    for line in run_one_sweep(
        settings, open_database(settings), clock, dry_run=args.dry_run
    ).lines():
        print(line)
    return 0


def scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.runtime_reminders import run_ticker

    every = args.every or settings.tick_seconds
    listen = (args.host, args.port) if args.port is not None else None
    return run_ticker(
        settings, open_database(settings), runtime_clock(), seconds=every, listen=listen
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an instant like 2026-12-01T09:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
