"""`matchpath programs import|export` and `matchpath list PROFILE.json`.

The composition root registers these and hands in how it opens the database; each handler
returns the exit status. Failures are `DomainError`s with a one-line message and a `code`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from functools import partial
from pathlib import Path

from app.commands.assess import read_profile
from bot.access import Actor
from bot.assessment.engine import assess
from bot.assessment.ruleset import RulesetError, load_ruleset
from bot.clock import SystemClock
from bot.config import Settings
from bot.db.engine import Database
from bot.errors import DomainError
from bot.private_files import PrivateOutput, UnwritablePath
from bot.programmes.files import Format, guess_format, parse_programmes, render
from bot.programmes.list_text import list_csv, summary
from bot.programmes.listing import applied_tracks, build_list
from bot.programmes.service import as_input, export_programmes, import_programmes, load_programmes
from bot.startup import open_database as startup_open_database
from bot.vocab import Pathway, plural

OpenDatabase = Callable[[Settings], Database]
MAX_FILE_BYTES = 20 * 1024 * 1024
EXIT_USAGE = 2
LISTED_TRACKS = [
    Pathway.PRELIMINARY_SURGERY,
    Pathway.GENERAL_SURGERY,
    Pathway.TRANSITIONAL_YEAR,
    Pathway.INTEGRATED_PLASTICS,
    Pathway.PIVOT,
]


class ProgrammeCommandError(DomainError):
    """A command that cannot go on: one line, and the exit status in `code`."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    open_database: OpenDatabase = startup_open_database,
) -> None:
    programs = sub.add_parser(
        "programs",
        help="import or export programme data (CSV or JSON)",
        description="Programme data: one row per programme and track. Each import is a new "
        "version; lists say which version they used. See docs/programmes.md.",
    )
    actions = programs.add_subparsers(dest="programs_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "import",
        help="import a programme file as a new version (all or nothing)",
        description="Import a programme file (CSV or JSON). A file with any bad row is refused "
        "whole, with every problem listed by line and column; nothing is written.",
    )
    p.add_argument("file", type=Path, help="programme file (see examples/programmes.csv)")
    p.add_argument("--format", choices=["csv", "json"], help="default: from the file's name")
    p.set_defaults(run=partial(run_import, open_database=open_database))

    p = actions.add_parser("export", help="export a version of the programme data")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.add_argument("--format", choices=["csv", "json"], help="default: from -o's name, or csv")
    p.add_argument("--data-version", type=int, metavar="N", help="this version (default: latest)")
    p.set_defaults(run=partial(run_export, open_database=open_database))

    p = sub.add_parser(
        "list",
        help="a mentee's screened, tiered programme list from a profile file",
        description="Screen and tier the programmes of the tracks the assessment's strategy "
        "applies to: every exclusion and tier with its rule and the programme's fact. Prints a "
        "summary; -o writes the whole list as CSV ('-o -' to stdout, the summary to stderr).",
    )
    p.add_argument("profile", type=Path, help="profile JSON file ('-' for stdin)")
    p.add_argument(
        "--track", choices=[t.value for t in LISTED_TRACKS], help="only this track's programmes"
    )
    p.add_argument("-o", "--output", type=Path, help="write the list as CSV to this file")
    p.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", help="list as of this date")
    p.add_argument("--ruleset", type=Path, metavar="FILE", help="a ruleset file to use instead")
    p.add_argument("--data-version", type=int, metavar="N", help="this version (default: latest)")
    p.set_defaults(run=partial(run_list, open_database=open_database))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-22") from None


def run_import(args: argparse.Namespace, settings: Settings, *, open_database: OpenDatabase) -> int:
    path: Path = args.file
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ProgrammeCommandError(f"{path} is over {MAX_FILE_BYTES // 2**20} MB")
        content = path.read_bytes()
    except OSError as exc:
        raise ProgrammeCommandError(f"cannot read {path}: {exc.strerror}") from None
    fmt: Format = args.format or guess_format(path.name, content)
    rows = parse_programmes(content, fmt)
    db = open_database(settings)
    with db.unit_of_work() as session:
        dataset = import_programmes(
            session,
            actor=Actor.system(SystemClock().now()),
            rows=rows,
            source=path.name,
            content=content,
        )
    print(
        f"imported {plural(dataset.rows, 'programme')} as version {dataset.version} "
        f"({dataset.source}; the oldest facts as of {dataset.as_of})"
    )
    return 0


def run_export(args: argparse.Namespace, settings: Settings, *, open_database: OpenDatabase) -> int:
    output: Path | None = args.output
    fmt: Format = args.format or ("json" if output and output.suffix == ".json" else "csv")
    if output is None:
        sys.stdout.write(_export_text(args, settings, fmt, open_database))
        return 0
    try:
        # Opened first: a bad path is refused before anything is read or audited.
        with PrivateOutput(output) as out:
            out.write(_export_text(args, settings, fmt, open_database))
    except UnwritablePath as exc:
        raise ProgrammeCommandError(str(exc)) from None
    return 0


def _export_text(
    args: argparse.Namespace, settings: Settings, fmt: Format, open_database: OpenDatabase
) -> str:
    db = open_database(settings)
    with db.unit_of_work() as session:
        data = export_programmes(
            session, actor=Actor.system(SystemClock().now()), version=args.data_version
        )
    print(
        f"programme data version {data.dataset.version}: {plural(data.dataset.rows, 'row')} "
        f"from {data.dataset.source}",
        file=sys.stderr,
    )
    return render([as_input(p) for p in data.programmes], fmt)


def run_list(args: argparse.Namespace, settings: Settings, *, open_database: OpenDatabase) -> int:
    try:
        ruleset = load_ruleset(args.ruleset or settings.ruleset)
    except RulesetError as exc:
        raise ProgrammeCommandError(str(exc)) from None
    record = read_profile(args.profile)
    to_stdout = args.output is not None and str(args.output) == "-"
    with ExitStack() as files:
        output = None
        try:
            # Opened first: a bad path is refused before any work; removed if none is written.
            if args.output is not None and not to_stdout:
                output = files.enter_context(PrivateOutput(args.output))
        except UnwritablePath as exc:
            raise ProgrammeCommandError(str(exc)) from None
        profile = record.profile()
        assessment = assess(profile, ruleset=ruleset, as_of=args.as_of or date.today())
        track = Pathway(args.track) if args.track else None
        db = open_database(settings)
        with db.read_only() as session:
            data = load_programmes(
                session,
                version=args.data_version,
                tracks=applied_tracks(assessment, ruleset, track),
            )
        result = build_list(profile, assessment=assessment, data=data, ruleset=ruleset, track=track)
        text = summary(result)
        if result.blocked:
            sys.stdout.write(text)  # no list, and no file: the route is blocked
            return 1
        if to_stdout:
            sys.stderr.write(text)
            sys.stdout.write(list_csv(result))
            return 0
        sys.stdout.write(text)
        if output is None:
            print("\nThe whole list (reserve and exclusions too) as CSV: -o FILE.csv")
            return 0
        try:
            output.write(list_csv(result))
        except UnwritablePath as exc:
            raise ProgrammeCommandError(str(exc)) from None
        print(f"\nWrote the whole list to {args.output}")
        return 0
