"""Every command that opens the database says, in one line, which database it could not open
and why (its password masked), with no traceback: a closed port, a database that does not exist,
a file in a directory that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.botproc import ROOT, SECRET, TOKEN, free_port
from tests.databases import DatabaseFactory


def run_cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATCHPATH_"))}
    return subprocess.run(
        [sys.executable, "-m", "app", *argv],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def said(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the command itself told the operator: its `matchpath:` lines."""
    return [line for line in result.stderr.splitlines() if line.startswith("matchpath:")]


COMMANDS = [["serve"], ["sweep"], ["scheduler"], ["export"], ["migrate"], ["import", "ROSTER"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: argv[0])
def test_unreachable_database_is_one_line_naming_it(argv: list[str]) -> None:
    """Nothing listens on the port: one line naming the database, its password masked."""
    url = f"postgresql+psycopg://matchpath:s3cret-pw@127.0.0.1:{free_port()}/matchpath"
    result = run_cli(*_roster(argv), env=_env_with(url))
    assert result.returncode == 1, result.stderr
    shown = url.replace("s3cret-pw", "***")
    assert said(result) == [f"matchpath: cannot open the database {shown}: Connection refused"]
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stderr


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: argv[0])
def test_missing_database_is_one_line_naming_it(
    db_factory: DatabaseFactory, argv: list[str]
) -> None:
    if db_factory.backend == "postgresql":
        from sqlalchemy.engine import make_url

        url = make_url(db_factory.new()).set(database="nosuchdb_matchpath")
        url_text = url.render_as_string(hide_password=False)
        reason = 'database "nosuchdb_matchpath" does not exist'
        shown = url.render_as_string(hide_password=True)
    else:
        url_text = shown = "sqlite:////nonexistent-directory/matchpath.db"
        reason = "unable to open database file"
    result = run_cli(*_roster(argv), env=_env_with(url_text))
    assert result.returncode == 1, result.stderr
    assert said(result) == [f"matchpath: cannot open the database {shown}: {reason}"]
    assert "Traceback" not in result.stderr


def _roster(argv: list[str]) -> list[str]:
    return [str(ROOT / "examples" / "roster.json") if a == "ROSTER" else a for a in argv]


def _env_with(database_url: str) -> dict[str, str]:
    return {
        "MATCHPATH_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "MATCHPATH_SLACK_API_URL": "http://127.0.0.1:9/api/",
        "MATCHPATH_PORT": str(free_port()),
    }
