"""`matchpath programs import|export` and `matchpath list` as a user runs them: the happy path,
and every bad input refused in one clear message, nothing written, no traceback."""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "programmes.csv"
TARIQ = ROOT / "examples" / "profiles" / "tariq-j1-prelim.json"
BLOCKED = ROOT / "examples" / "advice" / "01-h1b-no-step3.json"


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"MATCHPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


@pytest.fixture
def matchpath(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Ran]:
    """The `matchpath` command in this process (a process each would take seconds here)."""

    def run(env: dict[str, str], *args: str) -> Ran:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return Ran(code, out, err)

    return run


def test_import_export_and_list(
    matchpath: Callable[..., Ran], env: dict[str, str], tmp_path: Path
) -> None:
    imported = matchpath(env, "programs", "import", str(EXAMPLE))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == (
        "imported 388 programmes as version 1 (programmes.csv; the oldest facts as of 2026-05-15)\n"
    )
    exported = matchpath(env, "programs", "export")
    assert exported.returncode == 0
    assert exported.stdout == EXAMPLE.read_text().split("\n", 3)[3]
    assert exported.stderr == "programme data version 1: 388 rows from programmes.csv\n"

    out = tmp_path / "tariq.csv"
    listed = matchpath(env, "list", str(TARIQ), "--as-of", "2026-12-02", "-o", str(out))
    assert listed.returncode == 0, listed.stderr
    golden = (ROOT / "tests" / "golden" / "list-tariq.txt").read_text()
    assert listed.stdout == golden.replace("version 3", "version 1") + (
        f"\nWrote the whole list to {out}\n"
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it is about a mentee
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["standing"] for r in rows} == {"listed", "reserve", "excluded"}
    assert {r["data_version"] for r in rows} == {"1"}
    assert all(r["reasons"].endswith("]") for r in rows)

    one = matchpath(
        env, "list", str(TARIQ), "--as-of", "2026-12-02", "--track", "general_surgery", "-o", "-"
    )
    assert one.returncode == 0
    assert one.stderr.startswith("Programme list for Tariq Haddad")
    routes = {r["route"] for r in csv.DictReader(io.StringIO(one.stdout))}
    assert routes == {"general_surgery"}


def test_a_bad_file_is_refused_whole(
    matchpath: Callable[..., Ran], env: dict[str, str], tmp_path: Path
) -> None:
    lines = EXAMPLE.read_text().splitlines()
    cells = next(csv.reader([lines[5]]))
    cells[2] = "Ohio"  # the state column
    lines[5] = ",".join(f'"{c}"' for c in cells)
    lines[9] = lines[9].replace("Synthetic ", "=Synthetic ", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    result = matchpath(env, "programs", "import", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "matchpath: refused, nothing was written:",
        "  - line 6, state: 'Ohio' is not a US state code like NY or TX",
        "  - line 10, name: must not begin with =, +, - or @ (a spreadsheet would run it as a "
        "formula)",
    ]
    nothing = matchpath(env, "programs", "export")
    assert nothing.returncode == 1
    assert "no programme data yet" in nothing.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["programs", "import", "missing.csv"], 2, "cannot read missing.csv: No such file"),
        (["list", str(TARIQ)], 1, "no programme data yet: an admin imports a file with"),
        (["programs", "export", "--data-version", "4"], 1, "there is no programme data version 4"),
        (["list", "missing.json"], 2, "cannot read missing.json"),
        (["list", str(TARIQ), "--track", "nonsense"], 2, "invalid choice: 'nonsense'"),
        (["list", str(TARIQ), "--as-of", "soon"], 2, "'soon' is not a date like 2026-11-22"),
    ],
)
def test_bad_input_is_one_clear_line(
    matchpath: Callable[..., Ran], env: dict[str, str], args: list[str], code: int, message: str
) -> None:
    result = matchpath(env, *args)
    assert result.returncode == code
    assert message in result.stderr
    assert result.stdout == ""


def test_list_refusals_with_data(
    matchpath: Callable[..., Ran], env: dict[str, str], tmp_path: Path
) -> None:
    assert matchpath(env, "programs", "import", str(EXAMPLE)).returncode == 0
    bad_profile = tmp_path / "p.json"
    bad_profile.write_text('{"applicant_type": "martian", "visa": "j1"}')
    result = matchpath(env, "list", str(bad_profile))
    assert result.returncode == 2
    assert "applicant_type: Input should be 'us_img', 'non_us_img'" in result.stderr

    result = matchpath(env, "list", str(TARIQ), "--track", "transitional_year")
    assert result.returncode == 2
    assert "track: the strategy applies to preliminary surgery, general surgery, not " in (
        result.stderr
    )

    out = tmp_path / "blocked.csv"
    result = matchpath(env, "list", str(BLOCKED), "--as-of", "2026-12-02", "-o", str(out))
    assert result.returncode == 1
    assert "No list: every Match route is blocked." in result.stdout
    assert "[STEP3-H1B]" in result.stdout
    assert not out.exists()  # no file for a blocked route

    result = matchpath(env, "list", str(TARIQ), "-o", str(tmp_path / "no" / "such" / "x.csv"))
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert result.stdout == ""


def test_export_json_to_a_file(
    matchpath: Callable[..., Ran], env: dict[str, str], tmp_path: Path
) -> None:
    assert matchpath(env, "programs", "import", str(EXAMPLE)).returncode == 0
    out = tmp_path / "programmes.json"
    assert matchpath(env, "programs", "export", "-o", str(out)).returncode == 0
    again = matchpath(env, "programs", "import", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("imported 388 programmes as version 2 (programmes.json;")
