"""The processes benchmarks 1 and 5 drive: `matchpath serve`, the bare Bolt floor, and the fake
Slack (with response_url arrival times), each a child process on 127.0.0.1."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bench.common import RESULTS, ROOT, free_port, stop, wait_healthy
from bench.loadgen import SECRET, Command
from bench.seed import Programme

THREADS = 8  # `matchpath serve`'s default
LOGS = RESULTS / "logs"
KINDS = ("assess", "profile", "help")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        stop(self.process)

    def log_errors(self) -> int:
        """Lines of the server's log at ERROR or worse (tracebacks included)."""
        text = self.log.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if "ERROR" in line or "CRITICAL" in line)


def _launch(args: list[str], env: dict[str, str], name: str, port: int) -> Server:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(process, port, log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process, log, timeout=60)
    except Exception:
        server.stop()
        raise
    return server


def start_bot(
    database_url: str,
    fake_url: str,
    admin: str,
    name: str = "bot",
    launcher: list[str] | None = None,
    workers: int = 1,
) -> Server:
    """`matchpath serve --no-scheduler` against the fake Slack (`launcher` replaces
    `-m app`), with `workers` serving processes (more than one: under gunicorn, PostgreSQL)."""
    port = free_port()
    env = {
        **os.environ,
        "MATCHPATH_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-bench-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "MATCHPATH_SLACK_API_URL": fake_url,
        "MATCHPATH_ADMINS": admin,
        "MATCHPATH_PORT": str(port),
    }
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("MATCHPATH_MENTORS_CHANNEL", None)
    args = [*(launcher or ["-m", "app"]), "serve", "--host", "127.0.0.1", "--no-scheduler"]
    args += ["--threads", str(THREADS), "--workers", str(workers)]
    return _launch(args, env, name, port)


def start_floor(name: str = "floor", workers: int = 1) -> Server:
    """The bare Bolt app that only acks, as `serve` runs: one process under waitress, or
    `workers` under gunicorn's threaded workers, with the same thread count."""
    port = free_port()
    env = {**os.environ, "SLACK_SIGNING_SECRET": SECRET}
    if workers == 1:
        args = ["-m", "bench.bare_bolt", "--port", str(port), "--threads", str(THREADS)]
    else:
        args = [
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
            "bench.bare_bolt:application",
        ]
    return _launch(args, env, name, port)


class FakeProcess:
    """`bench.fake_timed` with a response_url issued for each (channel, user) pair."""

    def __init__(self, users: list[str], folder: Path, channel: str = "C0GENERAL") -> None:
        self.folder = folder
        self.pairs = [[channel, u] for u in users]
        self.urls: list[str] = []
        self.url = ""
        self.arrivals: dict[str, tuple[float, str]] = {}
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        files = {n: self.folder / f"fake-{n}.json" for n in ("users", "urls", "times")}
        files["users"].write_text(json.dumps(self.pairs))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_timed", *self._flags(files)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().decode().strip()
        if not self.url:
            raise RuntimeError("the fake Slack did not start")
        self.urls = json.loads(files["urls"].read_text())
        self._times = files["times"]
        return self

    @staticmethod
    def _flags(files: dict[str, Path]) -> list[str]:
        return [f"--{name}={path}" for name, path in files.items()]

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=30)
            raw: dict[str, Any] = json.loads(self._times.read_text())
            self.arrivals = {k: (float(v[0]), str(v[1])) for k, v in raw.items()}


def plan_commands(programme: Programme, count: int, seed: int = 1) -> list[tuple[str, str, str]]:
    """(kind, user, text) for `count` commands: assess, profile and help in equal shares, each
    about a random mentee and typed by that mentee's mentor (so it is allowed)."""
    rng = random.Random(seed)
    planned = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        mentee = rng.choice(programme.mentees)
        text = "help" if kind == "help" else f"{kind} <@{mentee}>"
        planned.append((kind, programme.mentor_of[mentee], text))
    return planned


def commands(planned: list[tuple[str, str, str]], urls: list[str]) -> list[Command]:
    return [Command(k, u, t, url) for (k, u, t), url in zip(planned, urls, strict=True)]
