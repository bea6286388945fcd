"""The sandbox as a child process (`python -m sandbox`), for end-to-end tests and scripts: started
in a directory of its own on a free console port, its address read from what it prints, stopped
with a signal as a person would (Ctrl-C) or as a service manager would (SIGTERM)."""

from __future__ import annotations

import os
import re
import signal
import subprocess  # starts our own sandbox, fixed argv, no shell  # nosec B404
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from sandbox.supervisor import ROOT, SandboxError

ADDRESS = re.compile(r"running at (http://127\.0\.0\.1:\d+/)")
START_TIMEOUT = 90.0


class SandboxProcess:
    def __init__(
        self,
        directory: Path,
        *,
        port: int = 0,
        fresh: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self._args = ["--dir", str(directory), "--port", str(port), "--no-browser-hint"]
        if fresh:
            self._args.append("--fresh")
        self._env = {**os.environ, **(env or {})}
        self._process: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._errors: list[str] = []
        self._readers: list[threading.Thread] = []
        self.url = ""

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        self._process = subprocess.Popen(  # noqa: S603  # our interpreter, module  # nosec B603
            [sys.executable, "-m", "sandbox", *self._args],
            cwd=ROOT,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        assert self._process.stderr is not None
        self._readers = [
            _drain(self._process.stdout, self._lines),
            _drain(self._process.stderr, self._errors),
        ]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((m for m in map(ADDRESS.search, list(self._lines)) if m), None)
            if found:
                self.url = found.group(1)
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise SandboxError(f"the sandbox did not start:\n{self.output()}")

    def stop(self, signum: int = signal.SIGINT, timeout: float = 20.0) -> int:
        """Signal the sandbox and wait for it; returns its exit status."""
        process = self._process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signum)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def output(self) -> str:
        """Everything printed so far, stdout then stderr (for a failing test's message)."""
        return "".join(self._lines) + "".join(self._errors)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            self.kill()


def _drain(stream: IO[str], into: list[str]) -> threading.Thread:
    def read() -> None:
        for line in stream:
            into.append(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread
