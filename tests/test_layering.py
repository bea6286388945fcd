"""Who may import whom. `bot/` is the Slack-free core; `handlers/` (Slack) and `sandbox/` (a
stand-in for Slack) stand on it and never on each other; only `app/`, the composition root,
imports all three. Read from the source: every import statement wherever it is (inside a
function, under TYPE_CHECKING) and every `importlib.import_module("…")` with a literal name, so
that an import made lazily is seen as well as one at the top of a file. The contracts in
pyproject.toml (layers, no import cycles) are checked here too, with the tool `make lint` runs."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The top-level names each package must never import, at any depth of the file.
FORBIDDEN = {
    "bot": {"app", "handlers", "sandbox", "slack_bolt", "slack_sdk"},
    "handlers": {"app", "sandbox"},
    "sandbox": {"app", "handlers"},
}
DYNAMIC = {"import_module", "__import__"}


@dataclass(frozen=True)
class Found:
    where: str
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line} imports {self.module}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(path: Path, root: Path = ROOT) -> list[Found]:
    """Every module the file names in an import, absolute, with its line."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    where = str(path.relative_to(root))
    found: list[Found] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Found(where, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(Found(where, node.lineno, _absolute(node.module, node.level, package)))
        elif isinstance(node, ast.Call) and _dynamic_target(node) is not None:
            found.append(Found(where, node.lineno, _dynamic_target(node) or ""))
    return found


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    base = package.split(".")[: len(package.split(".")) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def _dynamic_target(call: ast.Call) -> str | None:
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if called in DYNAMIC and call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def violations(root: Path = ROOT) -> list[Found]:
    bad = []
    for package, refused in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            bad += [f for f in imports_in(path, root) if f.module.split(".")[0] in refused]
    return bad


def test_no_package_imports_one_it_must_not() -> None:
    scanned = sum(1 for p in FORBIDDEN for _ in (ROOT / p).rglob("*.py"))
    assert scanned >= 100  # the walk really read the packages
    assert violations() == [], "\n".join(str(v) for v in violations())


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_the_scan_finds_an_import_made_inside_a_function(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/quiet.py": """
                from bot.errors import CliError

                def serve() -> None:
                    from handlers.serve import serve as run
                    run()
            """,
            "handlers/__init__.py": "",
            "handlers/ok.py": "from bot import quiet\n",
            "sandbox/__init__.py": "",
        },
    )
    assert [str(v) for v in violations(root)] == ["bot/quiet.py:5 imports handlers.serve"]


def test_the_scan_finds_relative_type_only_and_dynamic_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/db/__init__.py": "",
            "bot/db/engine.py": """
                import importlib
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from slack_sdk import WebClient

                from .. import app_link
                from ..vocab import plural

                def later() -> None:
                    importlib.import_module("sandbox.fake_slack")
            """,
            "handlers/__init__.py": "",
            "sandbox/__init__.py": "",
        },
    )
    engine = imports_in(root / "bot/db/engine.py", root)
    assert {f.module for f in engine} == {
        "importlib",
        "typing",
        "slack_sdk",
        "bot",  # `from .. import app_link`
        "bot.vocab",
        "sandbox.fake_slack",
    }
    assert sorted(str(v) for v in violations(root)) == [
        "bot/db/engine.py:12 imports sandbox.fake_slack",
        "bot/db/engine.py:6 imports slack_sdk",
    ]


def test_the_import_contracts_are_kept() -> None:
    # Layers (app/ on top; handlers/ and sandbox/ apart; bot/ at the bottom, in layers of its
    # own) and no import cycle in any package: see [tool.importlinter] in pyproject.toml.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail(f"{lint_imports} is missing: run `make setup`")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_bot_imports_without_slack_or_handlers() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"slack_bolt", "slack_sdk", "handlers", "sandbox", "app"}:
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
