"""`matchpath serve`: the Slack app. handlers/ is imported only when it runs, so that the other
commands (and `--help`) do not pay for loading Bolt and the Slack SDK."""

from __future__ import annotations

import argparse

from bot.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the Slack app (HTTP on MATCHPATH_PORT, or Socket Mode)",
        description="Serve the Slack app: HTTP at /slack/events under waitress, with GET "
        "/healthz; Socket Mode instead when SLACK_APP_TOKEN is set. SQLite databases are "
        "migrated on start; PostgreSQL must be migrated first (`matchpath migrate`).",
    )
    p.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104  # a server behind Slack listens on all  # nosec B104
        help="interface to listen on (default: all)",
    )
    p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    p.add_argument(
        "--workers",
        type=int,
        help="serving processes, PostgreSQL only (default MATCHPATH_WORKERS, else 1)",
    )
    p.add_argument(
        "--no-scheduler", action="store_true", help="do not run the reminder ticker in this process"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.serve import serve

    return serve(args, settings)
