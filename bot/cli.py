"""The `matchpath` command line. It is the composition root: the one place in `bot/` that may
reach into `handlers/` (lazily, only for the commands that serve Slack)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import select
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.access import Actor
from bot.assessment import cli as assess_cli
from bot.clock import Clock, FixedClock, OffsetFileClock, SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.db.engine import Database, SessionTimeouts
from bot.db.migrate import current_is_head, upgrade
from bot.errors import DomainError, InvalidInput
from bot.logs import configure_logging
from bot.private_files import PrivateOutput, UnwritablePath
from bot.roster.service import export_roster, import_roster, parse_roster
from bot.vocab import plural

log = logging.getLogger("matchpath")

EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report in one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def open_database(settings: Settings) -> Database:
    """The database, migrated on SQLite (the embedded default); PostgreSQL must be migrated.

    A database that is missing or unreachable stops the command with one line naming it."""
    url = settings.database_url
    with database_named(url):
        if url.startswith("sqlite"):
            upgrade(url)
        elif not current_is_head(url):
            raise CliError("the database schema is not up to date: run `matchpath migrate` first")
        timeouts = SessionTimeouts(
            lock=settings.db_lock_timeout,
            statement=settings.db_statement_timeout,
            idle_in_transaction=settings.db_idle_in_transaction_timeout,
        )
        db = Database(url, timeouts=timeouts)
        if settings.mentors_channel:
            _adopt_mentors_channel(db, settings.mentors_channel)
        return db


def _adopt_mentors_channel(db: Database, configured: str) -> None:
    # Here, not in `serve`: a scheduler, a sweep or an import run on their own must post
    # dashboards to the same channel (the next sweep creates every missing card).
    from bot.dashboards.outbox import adopt_channel

    with db.unit_of_work() as session:
        in_force = adopt_channel(session, configured, runtime_clock().now())
    if in_force != configured:
        log.warning(
            "MATCHPATH_MENTORS_CHANNEL=%s is not used: dashboards go to %s, the channel "
            "already recorded (an admin changes it with /matchpath dashboard channel)",
            configured,
            in_force,
        )


@contextmanager
def database_named(url: str) -> Iterator[None]:
    """Turn the driver's failure to connect into one line naming the database (no password)."""
    try:
        yield
    except ArgumentError as exc:
        raise CliError(
            f"setting MATCHPATH_DATABASE_URL: cannot use {shown_url(url)}: {exc}", EXIT_USAGE
        ) from None
    except DBAPIError as exc:
        raise CliError(f"cannot open the database {shown_url(url)}: {driver_reason(exc)}") from None


def shown_url(url: str) -> str:
    """The database URL as it may be printed: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def driver_reason(exc: DBAPIError) -> str:
    """The driver's own words, short: 'database "x" does not exist', 'Connection refused'."""
    first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    reason = first.rsplit("failed: ", 1)[-1].removeprefix("FATAL:")
    return " ".join(reason.split()) or type(exc.orig).__name__


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    with database_named(settings.database_url):
        upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    roster = parse_roster(text)
    db = open_database(settings)
    with db.unit_of_work() as session:
        count = import_roster(session, actor=Actor.system(SystemClock().now()), roster=roster)
    print(
        f"imported {plural(count, 'mentee')}, {plural(len(roster.mentors), 'mentor')}, "
        f"{plural(len(roster.admins), 'admin')}"
    )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    if args.output is None:
        sys.stdout.write(_export_text(args, settings))
        return 0
    # The file is opened first: a bad path is refused before anything is read or audited.
    try:
        with PrivateOutput(args.output) as output:
            output.write(_export_text(args, settings))
    except UnwritablePath as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return 0


def _export_text(args: argparse.Namespace, settings: Settings) -> str:
    db = open_database(settings)
    with db.unit_of_work() as session:
        roster = export_roster(
            session, actor=Actor.system(SystemClock().now()), mentee_slack_id=args.mentee
        )
    return roster.model_dump_json(indent=2) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchpath",
        description="MatchPath: profiles, pathway assessments and reminders for IMG mentees.",
    )
    parser.add_argument("--version", action="version", version=f"matchpath {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("migrate", help="upgrade the database to the latest schema")
    p.set_defaults(run=cmd_migrate)

    p = sub.add_parser(
        "import",
        help="import a JSON roster (all or nothing)",
        description="Import a JSON roster of admins, mentors and mentees. A roster with any bad "
        "entry is refused whole, with every problem listed by entry and field.",
    )
    p.add_argument("file", type=Path, help="roster JSON file (see examples/roster.json)")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("export", help="export the roster (or one mentee) as JSON")
    p.add_argument("--mentee", metavar="SLACK_USER_ID", help="only this mentee (and their mentors)")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(run=cmd_export)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


def _register_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The composition root's one reach into handlers/, and only when asked to serve Slack.
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from handlers.serve import serve

        return serve(args, settings)

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
        "--no-scheduler", action="store_true", help="do not run the reminder ticker in this process"
    )
    p.set_defaults(run=run)


def _register_reminders(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        run_ticker(settings, open_database(settings), runtime_clock(), seconds=every)
        return 0

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
    p = sub.add_parser("scheduler", help="run only the reminder ticker (a separate process)")
    p.add_argument(
        "--every",
        type=int,
        metavar="SECONDS",
        help="seconds between sweeps (default MATCHPATH_TICK_SECONDS, 60)",
    )
    p.set_defaults(run=scheduler)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an instant like 2026-12-01T09:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def runtime_clock() -> Clock:
    """The system clock, or the sandbox's movable one when MATCHPATH_CLOCK_FILE is set."""
    path = os.environ.get("MATCHPATH_CLOCK_FILE")
    return OffsetFileClock(Path(path)) if path else SystemClock()


def _register_sandbox(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # A try-out tool, imported when the parser is built, never when bot/ is imported.
    from sandbox.cli import register

    register(sub)


EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    assess_cli.register,
    _register_serve,
    _register_reminders,
    _register_sandbox,
]


def main(argv: Sequence[str] | None = None) -> int:
    """The `matchpath` command. When the reader of its output stops early (`| head`), it stops
    quietly, as Unix tools do, whatever the command (--help included)."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a reader gone away shows here, not at exit
    except BrokenPipeError:
        if not _stdout_closed():
            raise
        return _quiet_after_closed_stdout()


def _main(argv: Sequence[str] | None) -> int:
    configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        configure_logging(
            settings.log_level, hidden=settings.secrets, incident_dir=settings.incident_dir
        )
        return int(args.run(args, settings))
    except ConfigError as exc:
        print(f"matchpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidInput as exc:
        print("matchpath: refused, nothing was written:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_USAGE
    except assess_cli.AssessUsageError as exc:
        print(f"matchpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DomainError, CliError) as exc:
        print(f"matchpath: {exc}", file=sys.stderr)
        return getattr(exc, "code", 1)
    except KeyboardInterrupt:
        return 130
    except DBAPIError as exc:  # the database went away after it was opened
        incident = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        where = shown_url(settings.database_url) if settings else "the database"
        log.error("database failed (incident %s): %s", incident, driver_reason(exc))
        print(
            f"matchpath: lost the database {where}: {driver_reason(exc)} (incident {incident})",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # a traceback never reaches a user; the log keeps the detail
        if isinstance(exc, BrokenPipeError) and _stdout_closed():
            raise  # main's to handle: the reader has gone
        incident = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        log.exception("unexpected error (incident %s)", incident)
        print(
            f"matchpath: unexpected error {type(exc).__name__} (incident {incident})",
            file=sys.stderr,
        )
        return 1


def _version() -> str:
    try:
        return metadata.version("matchpath")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _stdout_closed() -> bool:
    """Whether our stdout is a pipe whose reader has gone (not some other broken pipe)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll(), or stdout is not a file
        return False


def _quiet_after_closed_stdout() -> int:
    # Stop as Unix tools do when their reader exits: no message, and nothing left for Python
    # to flush into the closed pipe at exit. The status is the shell's for death by SIGPIPE.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":
    # `python -m bot.cli`: run the module the commands import, so that the CliError they raise
    # is the class main() catches (this file's own copy, __main__, would be another class).
    from bot.cli import main as module_main

    raise SystemExit(module_main())
