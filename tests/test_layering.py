"""`bot/` is the Slack-free core: importing all of it must not pull in Slack or the handlers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bot_imports_without_slack_or_handlers() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"slack_bolt", "slack_sdk", "handlers", "sandbox"}:
                    raise ImportError(f"bot/ imported {name}")
                return None

        sys.meta_path.insert(0, Refuse())
        import bot
        names = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.")]
        for name in names:
            importlib.import_module(name)
        print(len(names))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10  # the walk really visited the package
