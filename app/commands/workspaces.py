"""`matchpath workspaces`: the workspaces a database serves (many, installed through Slack's
OAuth flow), and `forget` to erase one that removed the app (docs/deploy.md)."""

from __future__ import annotations

import argparse
import logging

from bot.clock import runtime_clock
from bot.config import Settings
from bot.errors import EXIT_USAGE, CliError
from bot.startup import open_database
from bot.workspaces import registry
from bot.workspaces.install import adopt_default_schema, forget_workspace

log = logging.getLogger("matchpath")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "workspaces",
        help="list the workspaces served, adopt the one served before, or erase one",
        description="Without arguments: every workspace registered here (team id, name, where "
        "its rows are, installed or since when not). `adopt TEAM_ID`: before serving many "
        "workspaces, name the workspace this database served until now, so that its rows stay "
        "its own when it installs from /slack/install. `forget TEAM_ID --yes`: erase a workspace "
        "that has removed MatchPath: its schema with every row in it, its tokens and its "
        "registry entry. There is no undo but a backup.",
    )
    p.add_argument("action", nargs="?", choices=["list", "adopt", "forget"], default="list")
    p.add_argument("team_id", nargs="?", metavar="TEAM_ID", help="the workspace to adopt or forget")
    p.add_argument("--name", help="`adopt`: the workspace's name (default: its team id)")
    p.add_argument("--yes", action="store_true", help="confirm `forget`")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "forget":
        return _forget(args, settings)
    if args.action == "adopt":
        return _adopt(args, settings)
    db = open_database(settings)
    with db.shared() as session:
        workspaces = registry.every(session)
    if not workspaces:
        print("no workspace has installed MatchPath through /slack/install here")
    for w in workspaces:
        where = w.schema_name or "the default schema"
        state = f"removed the app {w.uninstalled_at:%Y-%m-%d}" if w.uninstalled_at else "installed"
        print(f"{w.team_id}\t{w.name}\t{where}\t{state}")
    return 0


def _forget(args: argparse.Namespace, settings: Settings) -> int:
    if not args.team_id:
        raise CliError(
            "workspaces forget: name the workspace (its team id, like T0123ABCD)", EXIT_USAGE
        )
    if not args.yes:
        raise CliError(
            f"workspaces forget {args.team_id}: this erases every row of the workspace; "
            "add --yes to confirm",
            EXIT_USAGE,
        )
    view = forget_workspace(open_database(settings), team_id=args.team_id)
    log.info("erased workspace %s and its schema %s", view.team_id, view.schema_name)
    print(f"erased workspace {view.team_id} ({view.name}): its schema, tokens and registry entry")
    return 0


def _adopt(args: argparse.Namespace, settings: Settings) -> int:
    if not args.team_id:
        raise CliError(
            "workspaces adopt: name the workspace this database served (its team id, like "
            "T0123ABCD: `auth.test` with its bot token answers it)",
            EXIT_USAGE,
        )
    view = adopt_default_schema(
        open_database(settings),
        team_id=args.team_id,
        name=args.name or args.team_id,
        now=runtime_clock().now(),
    )
    print(
        f"workspace {view.team_id} keeps the rows this database holds; "
        "it installs from /slack/install"
    )
    return 0
