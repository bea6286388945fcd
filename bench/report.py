"""Write docs/performance.md from the JSON in bench/results/ and the notes in bench/notes/.

    python -m bench.report

Each benchmark's full-size result is used when there is one, else its `--quick` result (marked
as such). The findings under each benchmark are hand-written in bench/notes/<name>.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
NOTES = ROOT / "bench" / "notes"
BENCHMARKS = {
    "slash_commands": "1. Slash commands over HTTP",
    "sweep": "2. Planning sweep",
    "delivery": "3. Delivery through Slack's rate limit",
    "dashboard": "4. Roster and dashboard card",
    "memory": "5. Memory",
    "cohort_report": "6. Cohort report",
}
INTRO = """\
# Performance

Figures from the scripts in `bench/` (issue 8). Each runs in one process tree on one machine and
compares the product with a floor measured in the same run, since absolute times vary between
machines. Rerun everything and regenerate this page with `.venv/bin/python -m bench.run_all`
(about half an hour; `--quick` runs small sizes as a smoke check in a few minutes, and
`python -m bench.report` only rewrites this page from `bench/results/`). The tables and goal lines
below are generated; the findings under each benchmark are written by hand in `bench/notes/`.
"""


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else str(value)


def markdown_table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    numeric = [all(isinstance(r[i], int | float) for r in rows) for i in range(len(columns))]
    out = ["| " + " | ".join(columns) + " |"]
    out.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out


def load(name: str) -> dict[str, Any] | None:
    for path in (RESULTS / f"{name}.json", RESULTS / f"{name}.quick.json"):
        if path.exists():
            result: dict[str, Any] = json.loads(path.read_text())
            return result
    return None


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"{m['cpus']} × {m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}, "
        f"PostgreSQL {m['postgresql'] or 'not reachable'}, {m['os']}; run {m['date']} "
        f"on commit {m['commit']} ({m['tree']} tree)"
    )


def section(name: str, title: str, result: dict[str, Any] | None) -> list[str]:
    out = [f"## {title}", ""]
    if result is None:
        return [*out, f"Not run yet: `.venv/bin/python -m bench.{name}`.", ""]
    if result["quick"]:
        out += ["**Quick sizes only (a smoke check, not the issue's sizes).**", ""]
    out += [f"Command: `{result['command']}`", "", f"Machine: {machine_line(result['machine'])}."]
    out.append("")
    if result["goals"]:
        out += markdown_table(
            ["goal", "measured", "met"],
            [
                [g["goal"], g["measured"], "met" if g["met"] else "**not met**"]
                for g in result["goals"]
            ],
        )
        out.append("")
    for table in result["tables"]:
        out += [f"**{table['title']}**", ""]
        out += markdown_table(table["columns"], table["rows"])
        out.append("")
    if result["notes"]:
        out += [f"- {note}" for note in result["notes"]]
        out.append("")
    notes = NOTES / f"{name}.md"
    if notes.exists():
        out += [notes.read_text().strip(), ""]
    return out


def summary(results: dict[str, dict[str, Any] | None]) -> list[str]:
    rows = []
    for name, result in results.items():
        for goal in (result or {}).get("goals", []):
            rows.append(
                [
                    BENCHMARKS[name].split(". ", 1)[1],
                    goal["goal"],
                    goal["measured"],
                    "met" if goal["met"] else "**not met**",
                ]
            )
    return [
        "## Goals at a glance",
        "",
        *markdown_table(["benchmark", "goal", "measured", "met"], rows),
        "",
    ]


def write() -> Path:
    results = {name: load(name) for name in BENCHMARKS}
    lines = [INTRO]
    findings = NOTES / "summary.md"
    if findings.exists():
        lines += [findings.read_text().strip(), ""]
    lines += summary(results)
    for name, title in BENCHMARKS.items():
        lines += section(name, title, results[name])
    DOC.write_text("\n".join(lines).rstrip() + "\n")
    return DOC


def main() -> None:
    print(f"wrote {write().relative_to(ROOT)}")


if __name__ == "__main__":
    main()
