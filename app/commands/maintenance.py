"""`matchpath backup` and `matchpath prune`: keeping a deployment's data (docs/deploy.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.clock import runtime_clock
from bot.config import Settings
from bot.db.backup import backup_sqlite, postgres_advice
from bot.errors import EXIT_USAGE
from bot.retention import Retention, prune
from bot.startup import open_database, shown_url


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "backup",
        help="copy the SQLite database to a new file while MatchPath runs",
        description="Copy the SQLite database to PATH with SQLite's online backup API: one "
        "consistent snapshot, taken while MatchPath goes on serving and sending. PATH must not "
        "exist. On PostgreSQL it prints the pg_dump and pg_restore commands to use instead and "
        "exits with status 2.",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="the new backup file")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser(
        "prune",
        help="delete audit events, finished deliveries and Slack event ids past their retention",
        description="Delete what only records the past once it is older than its retention "
        "period: audit events (MATCHPATH_RETAIN_AUDIT_DAYS, 400), finished ledger rows "
        "(MATCHPATH_RETAIN_LEDGER_DAYS, 90; never one pending or being sent) and handled Slack "
        "event ids (MATCHPATH_RETAIN_EVENTS_DAYS, 7), in chunks. The reminder ticker runs this "
        "once a day by itself.",
    )
    p.add_argument("--dry-run", action="store_true", help="count what would go; delete nothing")
    p.set_defaults(run=cmd_prune)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.database_url
    if not url.startswith("sqlite"):
        first, *rest = postgres_advice(shown_url(url))
        print(f"matchpath: {first}", *rest, sep="\n", file=sys.stderr)
        return EXIT_USAGE
    report = backup_sqlite(url, args.path)
    print(f"backed up {report.source} to {report.target} ({report.size:,} bytes, checked)")
    return 0


def cmd_prune(args: argparse.Namespace, settings: Settings) -> int:
    report = prune(
        open_database(settings),
        now=runtime_clock().now(),
        retention=Retention.from_settings(settings),
        dry_run=args.dry_run,
    )
    for line in report.lines():
        print(line)
    return 0
