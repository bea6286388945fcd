"""Services say what happened and never call the dashboards: checked on the source, so an
import hidden inside a function (or under TYPE_CHECKING) is caught as well."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["bot/mentees", "bot/flags", "bot/roster", "bot/assessment", "bot/plans"]
FORBIDDEN = "bot.dashboards"


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def reaches(names: set[str], package: str) -> list[str]:
    return sorted(n for n in names if n == package or n.startswith(package + "."))


def modules(folder: str) -> list[Path]:
    found = sorted((ROOT / folder).rglob("*.py"))
    assert found, folder
    return found


@pytest.mark.parametrize("folder", [*SERVICES, "bot/events"])
def test_no_service_imports_the_dashboards(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): reaches(imported(path), FORBIDDEN)
        for path in modules(folder)
        if reaches(imported(path), FORBIDDEN)
    }
    assert offenders == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def late():\n    from bot.dashboards import outbox\n    return outbox\n")
    assert reaches(imported(sample), FORBIDDEN) == ["bot.dashboards", "bot.dashboards.outbox"]
    sample.write_text("import bot.dashboardsx\nfrom bot import dashboards\n")
    assert reaches(imported(sample), FORBIDDEN) == ["bot.dashboards"]


def test_subscribers_are_wired_in_one_place() -> None:
    """Only the wiring module names a subscriber; the services only emit."""
    wiring = {
        str(path.relative_to(ROOT))
        for path in modules("bot")
        if "bot.dashboards.subscriber" in imported(path)
    }
    assert wiring == {"bot/subscriptions.py"}
