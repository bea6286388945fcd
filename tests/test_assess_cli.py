"""`matchpath assess` as a user runs it: text, JSON, schema, and clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARIQ = ROOT / "examples" / "profiles" / "tariq-j1-prelim.json"


def matchpath(
    *args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_text_output_reads_like_an_email() -> None:
    result = matchpath("assess", str(TARIQ), "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    golden = (ROOT / "tests" / "golden" / "tariq-j1-prelim.txt").read_text()
    assert result.stdout == golden


def test_json_output_has_the_documented_shape() -> None:
    result = matchpath("assess", str(TARIQ), "--format", "json", "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"ruleset", "as_of", "pathways", "red_flags", "flags", "strategy"}
    assert set(data) >= {"glance", "record_problems", "season", "ecfmg"}
    assert set(data["season"]) >= {"season", "phase", "applied", "interviews", "steps"}
    assert set(data["pathways"][0]) == {"pathway", "verdict", "reasons", "next_steps"}
    assert set(data["pathways"][0]["reasons"][0]) == {"rule", "effect", "text"}
    assert set(data["strategy"]) >= {"primary", "parallel", "applications", "tiers", "notes"}
    assert set(data["strategy"]["applications"]) == {"min", "max", "by_track", "every_programme"}
    assert set(data["strategy"]) >= {"blocked", "cost"}


def test_every_shipped_example_assesses() -> None:
    paths = sorted((ROOT / "examples" / "profiles").glob("*.json"))
    assert len(paths) >= 4, f"the README promises four example profiles; found {paths}"
    assert TARIQ in paths
    for path in paths:
        result = matchpath("assess", str(path), "--format", "json")
        assert result.returncode == 0, (path, result.stderr)
        assert len(json.loads(result.stdout)["pathways"]) == 7


def test_schema() -> None:
    result = matchpath("assess", "--schema")
    schema = json.loads(result.stdout)
    assert "applicant_type" in schema["properties"]
    assert "exams" in schema["properties"]


def test_malformed_profile_names_the_field_exits_2_no_traceback() -> None:
    data = json.loads(TARIQ.read_text())
    data["exams"][1]["score"] = 400
    result = matchpath("assess", "-", stdin=json.dumps(data))
    assert result.returncode == 2
    assert "exams.1.score: Input should be less than or equal to 300" in result.stderr
    assert "Traceback" not in result.stderr
    not_json = matchpath("assess", "-", stdin="{not json")
    assert not_json.returncode == 2
    assert "Traceback" not in not_json.stderr
    missing = matchpath("assess", "/nonexistent.json")
    assert missing.returncode == 2
    assert "cannot read /nonexistent.json" in missing.stderr


def test_bad_ruleset_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("name: x\n")
    result = matchpath("assess", str(TARIQ), "--ruleset", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"matchpath: ruleset {bad} line 1: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_readme_example_is_what_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text()
    command = "matchpath assess examples/profiles/tariq-j1-prelim.json --as-of 2026-12-02"
    assert f"`{command}`" in readme
    block = readme.split(f"`{command}`", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    printed = matchpath("assess", str(TARIQ), "--as-of", "2026-12-02").stdout
    for part in block.split("\n...\n"):  # "..." marks where the README leaves lines out
        assert part.strip("\n") in printed
