"""`matchpath migrate`, `import` and `export`: the database's schema and the roster file.

A roster is a JSON file, or CSV sheets (bot/roster/sheets.py) in a folder or a zip.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

from app.commands.roster_summary import import_summary, update_summary
from bot.access import Actor
from bot.clock import SystemClock
from bot.config import Settings
from bot.db.migrate import SchemaState
from bot.errors import EXIT_USAGE, CliError
from bot.private_files import PrivateOutput, UnwritablePath
from bot.roster.csv_roster import parse_csv_roster, render_csv_roster
from bot.roster.csv_table import is_csv_name, pack, unpack
from bot.roster.places import ParsedRoster
from bot.roster.schema import Roster
from bot.roster.service import export_roster, import_roster, parse_json_roster
from bot.roster.update import update_roster
from bot.startup import database_named, newer_schema, open_database
from bot.workspaces.schemas import states_everywhere, upgrade_everywhere

ZIP_MAGIC = b"PK\x03\x04"
MAX_FOLDER_BYTES = 64 * 1024 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("migrate", help="upgrade the database to the latest schema")
    p.set_defaults(run=cmd_migrate)

    p = sub.add_parser(
        "import",
        help="import a roster: JSON, or CSV sheets in a folder or zip (all or nothing)",
        description="Import a roster of admins, mentors and mentees: a JSON file, or the CSV "
        "sheets of `matchpath export --format csv` in a folder or a zip. A roster with any bad "
        "entry is refused whole, with every problem listed by entry and field (CSV: by file, "
        "line and column). Without --update, a mentee enrolled already is refused.",
    )
    p.add_argument("file", type=Path, help="roster JSON file, or a folder or .zip of CSV sheets")
    p.add_argument(
        "--update",
        action="store_true",
        help="add and change what the file says; keep everyone it does not list",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would change and write nothing",
    )
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("export", help="export the roster (or one mentee) as JSON or CSV")
    p.add_argument("--mentee", metavar="SLACK_USER_ID", help="only this mentee (and their mentors)")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.add_argument(
        "--format",
        choices=["json", "csv"],
        help="json, or csv: the sheets in a zip (needs -o); the default is csv when -o ends "
        "in .zip, else json",
    )
    p.set_defaults(run=cmd_export)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    with database_named(settings.database_url):
        for state, revisions in states_everywhere(settings.database_url).values():
            if state is SchemaState.UNKNOWN:  # alembic would fail, naming a revision it lacks
                raise CliError(newer_schema(revisions))
        schemas = upgrade_everywhere(settings.database_url)
    installed = len(schemas) - 1
    if installed:
        one = installed == 1
        print(
            f"database is at the latest schema, and so {'is' if one else 'are'} the schema"
            f"{'' if one else 's'} of the {installed} workspace{'' if one else 's'} installed"
        )
    else:
        print("database is at the latest schema")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    parsed = read_roster(args.file)
    db = open_database(settings)
    actor = Actor.system(SystemClock().now())
    # A dry run does all the work, checks included, in a transaction that is rolled back.
    unit = db.dry_run() if args.dry_run else db.unit_of_work()
    with unit as session:
        if not args.update:
            import_roster(session, actor=actor, roster=parsed.roster, places=parsed.places)
            summary = import_summary(parsed.roster, dry_run=args.dry_run)
        else:
            changes = update_roster(
                session, actor=actor, roster=parsed.roster, places=parsed.places
            )
            summary = update_summary(changes, dry_run=args.dry_run)
    sys.stdout.write(summary)
    return 0


def read_roster(path: Path) -> ParsedRoster:
    """The roster at `path`: a folder of CSV sheets, a zip of them, or a JSON file."""
    try:
        if path.is_dir():
            return parse_csv_roster(_folder(path))
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    if data.startswith(ZIP_MAGIC) or path.suffix.lower() == ".zip":
        return parse_csv_roster(unpack(data))
    if is_csv_name(path.name):
        raise CliError(
            f"{path} is one sheet: a CSV roster is the folder (or a .zip) of its sheets "
            "(people.csv, mentees.csv, exams.csv, …); give the folder",
            EXIT_USAGE,
        )
    return parse_json_roster(data)


def _folder(path: Path) -> dict[str, bytes]:
    """The CSV files of a folder (its other files, and hidden ones, are not the roster's)."""
    sheets = sorted(
        p for p in path.iterdir() if p.is_file() and is_csv_name(p.name) and p.name[0] not in ".~"
    )
    if sum(p.stat().st_size for p in sheets) > MAX_FOLDER_BYTES:
        raise CliError(f"{path}: its CSV files hold more than {MAX_FOLDER_BYTES:,} bytes")
    return {p.name.lower(): p.read_bytes() for p in sheets}


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    fmt = _format(args)
    if args.output is None:
        if fmt == "csv":
            raise CliError(
                "a CSV export is a zip of sheets: name it with -o roster.zip", EXIT_USAGE
            )
        sys.stdout.write(_roster(args, settings).model_dump_json(indent=2) + "\n")
        return 0
    # The file is opened first: a bad path is refused before anything is read or audited.
    try:
        with PrivateOutput(args.output) as output:
            roster = _roster(args, settings)
            if fmt == "csv":
                output.write_bytes(pack(render_csv_roster(roster)))
            else:
                output.write(roster.model_dump_json(indent=2) + "\n")
    except UnwritablePath as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return 0


def _format(args: argparse.Namespace) -> Literal["json", "csv"]:
    if args.format is not None:
        return "csv" if args.format == "csv" else "json"
    output: Path | None = args.output
    return "csv" if output is not None and output.suffix.lower() == ".zip" else "json"


def _roster(args: argparse.Namespace, settings: Settings) -> Roster:
    db = open_database(settings)
    with db.unit_of_work() as session:
        return export_roster(
            session, actor=Actor.system(SystemClock().now()), mentee_slack_id=args.mentee
        )
