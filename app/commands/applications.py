"""`matchpath report` (the cohort chart and its numbers) and `matchpath applications import`
(an admin's CSV of statuses). Both act as the system: whoever runs the command line holds the
database already."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from bot.access import Actor
from bot.applications.chart import render_chart
from bot.applications.imports import import_statuses, parse_status_csv
from bot.applications.report import cohort_report, report_csv
from bot.assessment.ruleset import load_ruleset
from bot.clock import runtime_clock
from bot.config import Settings
from bot.errors import DomainError
from bot.private_files import PrivateOutput, UnwritablePath
from bot.startup import open_database
from bot.vocab import plural


class UsageProblem(DomainError):
    """A path that cannot be read or written: one line, exit status 2 (as a usage error)."""

    code = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="the cohort report for a season: a chart (PNG) and, if asked, its numbers (CSV)",
        description="The season's funnel and outcomes for every mentee: applications applied, "
        "invited, interviewed, ranked and matched, and how the mentees' seasons ended, by track "
        "and applicant type. The chart is one PNG sized for a phone.",
    )
    p.add_argument(
        "--season",
        type=_season,
        help="the Match year, e.g. 2027 (default: the season under way today)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="write the chart (PNG) here")
    p.add_argument("--csv", type=Path, help="also write the numbers here (CSV)")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("applications", help="mentees' applications: import statuses from a CSV")
    actions = p.add_subparsers(dest="applications_action", metavar="ACTION", required=True)
    q = actions.add_parser(
        "import",
        help="import application statuses from a CSV (all or nothing)",
        description="Import statuses: one row per change (mentee, season, programme, status, "
        "and optionally track, city, state, date, correction). A file with any bad row is "
        "refused whole, every problem listed by line and column.",
    )
    q.add_argument("file", type=Path, help="the CSV file")
    q.set_defaults(run=cmd_import_statuses)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:

    now = runtime_clock().now()
    season = args.season or load_ruleset().seasons.live(now.date())
    with ExitStack() as outputs:
        # Opened first: a path that cannot be written is refused before anything is read.
        chart_file = outputs.enter_context(_output(args.output))
        csv_file = outputs.enter_context(_output(args.csv)) if args.csv else None
        db = open_database(settings)
        with db.unit_of_work() as session:
            report = cohort_report(session, actor=Actor.system(now), season=season)
        try:
            chart_file.write_bytes(render_chart(report))
            if csv_file is not None:
                csv_file.write(report_csv(report))
        except UnwritablePath as exc:
            raise UsageProblem(str(exc)) from None
    people = report.row("mentees")
    print(
        f"wrote {args.output}"
        + (f" and {args.csv}" if args.csv else "")
        + f": the {season} season, {plural(people.listed, 'mentee')} with a list, "
        f"{plural(report.row('applications').listed, 'application')}"
    )
    return 0


def cmd_import_statuses(args: argparse.Namespace, settings: Settings) -> int:

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}") from None
    rows = parse_status_csv(data)
    db = open_database(settings)
    with db.unit_of_work() as session:
        done = import_statuses(session, actor=Actor.system(runtime_clock().now()), rows=rows)
    print(
        f"imported {plural(done.changed, 'change')} for {plural(done.mentees, 'mentee')}"
        + (f" ({done.unchanged} already so)" if done.unchanged else "")
    )
    return 0


def _output(path: Path) -> PrivateOutput:
    try:
        return PrivateOutput(path)
    except UnwritablePath as exc:
        raise UsageProblem(str(exc)) from None


def _season(text: str) -> int:
    try:
        season = int(text)
    except ValueError:
        season = 0
    if not 2000 <= season <= 2100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Match year like 2027")
    return season
