"""What each process does with a schema from another release (docs/deploy.md, "Upgrades"):
the release before its own (PostgreSQL: refused until `matchpath migrate`; SQLite: migrated on
open) and a later one (refused by every command, `migrate` included, in one line naming it)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.config import load_settings
from bot.db.engine import make_engine
from bot.db.migrate import SchemaState, schema_state, upgrade
from bot.errors import CliError
from bot.startup import open_database
from tests.databases import DatabaseFactory
from tests.test_cli_database import run_cli

PREVIOUS = "20261202_0008"  # the revision before this release's head
LATER = "20991231_0099"  # a revision only a later release has


def stamp(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def test_the_schema_of_the_release_before(db_factory: DatabaseFactory) -> None:
    url = db_factory.empty()
    upgrade(url, PREVIOUS)
    assert schema_state(url) == (SchemaState.BEHIND, (PREVIOUS,))
    settings = load_settings(MATCHPATH_DATABASE_URL=url)
    if db_factory.backend == "sqlite":
        open_database(settings).dispose()  # the embedded database is migrated on open
        assert schema_state(url)[0] is SchemaState.CURRENT
        return
    with pytest.raises(CliError) as refused:
        open_database(settings)
    assert str(refused.value) == (
        "the database schema is not up to date: run `matchpath migrate` first"
    )
    assert schema_state(url) == (SchemaState.BEHIND, (PREVIOUS,))  # nothing was changed
    assert run_cli("migrate", env={"MATCHPATH_DATABASE_URL": url}).returncode == 0
    open_database(settings).dispose()


def test_a_schema_from_a_later_release_is_refused_by_every_command(
    db_factory: DatabaseFactory,
) -> None:
    url = db_factory.new()
    stamp(url, LATER)
    assert schema_state(url) == (SchemaState.UNKNOWN, (LATER,))
    said = (
        f"matchpath: the database schema ({LATER}) is from a later release of MatchPath than "
        "this one: run that release, or restore the backup taken before the upgrade"
    )
    env = {"MATCHPATH_DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s"}
    for argv in (["migrate"], ["export"], ["prune", "--dry-run"]):
        done = run_cli(*argv, env=env)
        assert (done.returncode, done.stderr.splitlines()) == (1, [said]), argv
    assert schema_state(url) == (SchemaState.UNKNOWN, (LATER,))
