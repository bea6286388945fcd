"""The `matchpath` command: its parser, and the one place where a failure becomes a line on
stderr and an exit status (never a traceback)."""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata

from sqlalchemy.exc import DBAPIError

from app.commands import (
    applications,
    assess,
    maintenance,
    programmes,
    reminders,
    roster,
    serve,
    workspaces,
)
from bot.config import ConfigError, Settings, load_settings
from bot.db.scope import NoWorkspace
from bot.errors import EXIT_USAGE, CliError, DomainError, InvalidInput
from bot.logs import configure_logging
from bot.startup import driver_reason, shown_url

log = logging.getLogger("matchpath")


def _register_sandbox(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # A try-out tool: its module is loaded when the parser is built, not when this one is.
    from sandbox.cli import register

    register(sub)


# In the order `matchpath --help` lists them.
COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    roster.register,
    assess.register,
    programmes.register,
    applications.register,
    serve.register,
    reminders.register,
    maintenance.register,
    workspaces.register,
    _register_sandbox,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matchpath",
        description="MatchPath: profiles, pathway assessments and reminders for IMG mentees.",
    )
    parser.add_argument("--version", action="version", version=f"matchpath {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(sub)
    return parser


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
            settings.log_level,
            hidden=settings.secrets,
            incident_dir=settings.incident_dir,
            log_format=settings.log_format,
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
    except assess.AssessUsageError as exc:
        print(f"matchpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DomainError, CliError) as exc:
        print(f"matchpath: {exc}", file=sys.stderr)
        return getattr(exc, "code", 1)
    except NoWorkspace:
        print(
            "matchpath: this database serves many workspaces: name the one to work on with "
            "MATCHPATH_WORKSPACE=<its team id>",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except DBAPIError as exc:  # the database went away after it was opened
        incident = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        where = shown_url(settings.database_url) if settings else "the database"
        log.error(
            "database failed (incident %s): %s",
            incident,
            driver_reason(exc),
            extra={"incident": incident},
        )
        print(
            f"matchpath: lost the database {where}: {driver_reason(exc)} (incident {incident})",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # a traceback never reaches a user; the log keeps the detail
        if isinstance(exc, BrokenPipeError) and _stdout_closed():
            raise  # main's to handle: the reader has gone
        incident = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        log.exception("unexpected error (incident %s)", incident, extra={"incident": incident})
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
