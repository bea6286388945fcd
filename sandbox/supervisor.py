"""The real bot (`matchpath serve`) as a child process: started, watched, and stopped.

The child gets its own session, so a Ctrl-C in the terminal reaches the sandbox alone and the
sandbox stops the bot in order; on Linux it is also told to die with its parent, so a sandbox
killed outright leaves no bot holding the port.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess  # starts our own bot, fixed argv, no shell  # nosec B404
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

HEALTH_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
ROOT = Path(__file__).resolve().parents[1]


class SandboxError(Exception):
    """The sandbox cannot go on; the message is for the person who started it."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BotSupervisor:
    def __init__(self, *, env: Mapping[str, str], port: int, log_path: Path, cwd: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.events_url = f"{self.url}/slack/events"
        self.log_path = log_path
        self._env = dict(env)
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(
        self, timeout: float = HEALTH_TIMEOUT, cancelled: threading.Event | None = None
    ) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(  # our interpreter, fixed argv  # nosec B603
                [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1"],
                cwd=self._cwd,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(),  # prctl only: safe between fork and exec
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cancelled is not None and cancelled.is_set():
                self.stop()
                raise SandboxError("stopped while the bot was starting")
            if self.exited():
                raise SandboxError(f"the bot did not start: {self.last_words()}")
            if self.healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise SandboxError(f"the bot did not answer within {timeout:.0f} s (log: {self.log_path})")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310  # 127.0.0.1  # nosec B310
                return bool(answer.status == 200)
        except OSError:
            return False

    def exited(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)

    def last_words(self) -> str:
        """The bot's own one-line complaint (its CLI never prints a traceback), and where the
        whole log is."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        said = next((line for line in reversed(lines) if line.startswith("matchpath: ")), "")
        return f"{said.removeprefix('matchpath: ') or 'it exited'} (log: {self.log_path})"


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when the sandbox dies; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name, use_errno=True)
    pr_set_pdeathsig = 1
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died between fork and prctl
            os._exit(1)

    return hook
