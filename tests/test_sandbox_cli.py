"""The `sandbox` subcommand: its options, and that `app.cli` can take it as an extra command."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.cli import register, run_command

ROOT = Path(__file__).resolve().parents[1]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="matchpath")
    register(top.add_subparsers(dest="command", required=True))
    return top


def test_options_and_defaults() -> None:
    args = parser().parse_args(["sandbox"])
    assert (args.port, args.fresh, args.dir, args.no_browser_hint) == (
        8800,
        False,
        Path(".sandbox"),
        False,
    )
    assert args.run is run_command
    args = parser().parse_args(["sandbox", "--port", "0", "--fresh", "--dir", "x"])
    assert (args.port, args.fresh, args.dir) == (0, True, Path("x"))


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_bad_port_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["sandbox", "--port", port])
    assert exited.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_app_cli_runs_it_as_an_extra_command() -> None:
    # `app.cli` registers it lazily: importing the command line loads no part of the sandbox.
    script = (
        "import sys, app.cli as cli\n"
        "assert not any(m == 'sandbox' or m.startswith('sandbox.') for m in sys.modules)\n"
        "raise SystemExit(cli.main(['sandbox', '--help']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage: matchpath sandbox" in done.stdout
    assert "--fresh" in done.stdout


def test_python_dash_m_sandbox_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "usage: python -m sandbox" in done.stdout
