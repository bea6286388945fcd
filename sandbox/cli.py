"""The `sandbox` subcommand: `matchpath sandbox [--port N] [--fresh] [--dir PATH]`.

`app.cli` registers it; `python -m sandbox` runs the same thing without `app.cli`. Only argparse
is imported here: the sandbox itself (and the fake Slack with it) loads when the command runs, so
`matchpath --help` stays quick.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_PORT = 8800
DEFAULT_DIR = Path(".sandbox")

DESCRIPTION = (
    "Try MatchPath without a Slack workspace. Starts, on 127.0.0.1 only, a fake Slack Web API, "
    "the real bot (`matchpath serve`, signatures checked, scheduler on) pointed at it, and a web "
    "console in which you act as any demo person: type /matchpath commands, click buttons, fill "
    "in modals, open App Home, and move the clock on to watch reminders arrive. The demo "
    "workspace (an admin, two mentors, four mentees) is kept in DIR between runs."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"the console's port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="rebuild the demo workspace and reset the simulated clock",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"where the database, the clock file and the bot's log live (default {DEFAULT_DIR})",
    )
    parser.add_argument(
        "--no-browser-hint",
        action="store_true",
        help="print only the address, not what to try first",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="try MatchPath without Slack: a local workspace in your browser",
        description=DESCRIPTION,
    )
    add_arguments(parser)
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace, settings: Settings | None = None) -> int:
    # The bot process reads its own settings; the sandbox sets the ones that matter to it.
    from sandbox.launcher import Options, run

    options = Options(
        directory=args.dir, port=args.port, fresh=args.fresh, hint=not args.no_browser_hint
    )
    return run(options)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    try:
        return run_command(args)
    except KeyboardInterrupt:  # before the sandbox's own signal handling is in place
        return 130


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is between 0 and 65535")
    return port
