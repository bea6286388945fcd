"""`make setup` run twice at once (`make sandbox` and `make test` in a fresh clone) must not race
on `.venv`. Python is replaced by a stand-in whose venv takes a while to get pip, the window in
which the second set-up used to find `.venv/bin/python` and fail with "No module named pip";
the Makefile itself is the real one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# `python3 -m venv [--clear] DIR`: the interpreter appears at once, pip only 1.5 s later.
FAKE_PYTHON = """\
#!{python}
import sys, time
from pathlib import Path

args = sys.argv[1:]
assert args[:2] == ["-m", "venv"], args
venv = Path(args[-1])
(venv / "bin").mkdir(parents=True, exist_ok=True)
(venv / "pip-ready").unlink(missing_ok=True)
with open("calls.log", "a") as log:
    log.write("venv\\n")
python = venv / "bin" / "python"
python.write_text(Path("venv-python").read_text())
python.chmod(0o755)
time.sleep(1.5)
(venv / "pip-ready").touch()
"""

# `.venv/bin/python -m pip ...`: refuses until pip is in place, like a venv still being built.
VENV_PYTHON = """\
#!{python}
import sys, time
from pathlib import Path

if not Path(".venv/pip-ready").exists():
    sys.exit(f"{{sys.argv[0]}}: No module named pip")
if sys.argv[1:4] == ["-m", "pip", "install"]:
    with open("calls.log", "a") as log:
        log.write("install " + sys.argv[-1] + "\\n")
    time.sleep(0.3)
"""


@pytest.fixture(autouse=True)
def _tools() -> None:
    if shutil.which("make") is None or shutil.which("flock") is None:
        # Debian (and CI) always has both; without flock(1) the Makefile sets up unlocked.
        pytest.skip("needs make and flock(1) (util-linux)")


def checkout_with_fake_python(root: Path) -> Path:
    """The Makefile and the files its stamp hashes, and the stand-in `python3` to pass it."""
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    fake = root / "python3"
    fake.write_text(FAKE_PYTHON.format(python=sys.executable))
    fake.chmod(0o755)
    (root / "venv-python").write_text(VENV_PYTHON.format(python=sys.executable))
    return fake


def test_two_setups_at_once_take_turns(tmp_path: Path) -> None:
    fake = checkout_with_fake_python(tmp_path)

    def setup() -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["make", "--no-print-directory", "setup", f"PYTHON={fake}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    first = setup()
    deadline = time.monotonic() + 30
    while not (tmp_path / ".venv" / "bin" / "python").exists():
        assert first.poll() is None, first.communicate()[0]
        assert time.monotonic() < deadline, "the first set-up never created .venv/bin/python"
        time.sleep(0.02)
    second = setup()  # now: the interpreter exists, pip does not yet
    outputs = [p.communicate(timeout=60)[0] for p in (first, second)]

    assert [first.returncode, second.returncode] == [0, 0], "\n---\n".join(outputs)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == ["venv", "install requirements.lock", "install ."], calls
    assert len(list((tmp_path / ".venv").glob(".installed-*"))) == 1
    assert "is up to date" in outputs[1], outputs[1]


def test_a_venv_left_without_pip_is_rebuilt(tmp_path: Path) -> None:
    """A set-up killed while the venv was being created leaves an interpreter without pip."""
    fake = checkout_with_fake_python(tmp_path)
    half = tmp_path / ".venv" / "bin" / "python"
    half.parent.mkdir(parents=True)
    half.write_text((tmp_path / "venv-python").read_text())
    half.chmod(0o755)

    done = subprocess.run(
        ["make", "--no-print-directory", "setup", f"PYTHON={fake}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == ["venv", "install requirements.lock", "install ."], calls
