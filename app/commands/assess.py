"""`matchpath assess PROFILE.json`: an assessment from a profile file, as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from bot.assessment.engine import assess
from bot.assessment.ruleset import RulesetError, load_ruleset
from bot.assessment.text import render_text
from bot.config import Settings
from bot.errors import InvalidInput
from bot.roster.schema import MenteeRecord


class AssessUsageError(Exception):
    """Bad arguments or an unreadable file: one line, exit status 2."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "assess",
        help="assess a profile file (JSON) against the ruleset",
        description="Assess a mentee profile: a verdict per pathway with reasons traced to "
        "rules, next steps, red and stagnation flags, and an application strategy. The profile "
        "is the mentee part of the import roster (see examples/profiles/).",
    )
    p.add_argument("profile", nargs="?", type=Path, help="profile JSON file ('-' for stdin)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", help="assess as of this date")
    p.add_argument("--ruleset", type=Path, metavar="FILE", help="a ruleset file to use instead")
    p.add_argument(
        "--schema", action="store_true", help="print the JSON Schema of the profile file and exit"
    )
    p.set_defaults(run=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-22") from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.schema:
        print(json.dumps(MenteeRecord.model_json_schema(), indent=2))
        return 0
    if args.profile is None:
        raise AssessUsageError("give a profile file, or --schema")
    try:
        ruleset = load_ruleset(args.ruleset or settings.ruleset)
    except RulesetError as exc:
        raise AssessUsageError(str(exc)) from None
    record = read_profile(args.profile)
    result = assess(record.profile(), ruleset=ruleset, as_of=args.as_of or date.today())
    if args.format == "json":
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return 0


def read_profile(path: Path) -> MenteeRecord:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssessUsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return MenteeRecord.model_validate_json(text)
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from None
