"""`matchpath sandbox`: the fake Slack, the real bot and the console, started and stopped together.

Everything listens on 127.0.0.1. The bot is the unmodified `matchpath serve` in HTTP mode with
signature checks on, pointed at the fake Web API, on a SQLite file in the sandbox directory, with
its clock driven by the console (MATCHPATH_CLOCK_FILE). Its credentials are made up per run and
live only in the two processes' memory.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from sandbox import demo
from sandbox.console import Console
from sandbox.driver import Driver
from sandbox.fake_slack import FakeSlack
from sandbox.records import JsonObject
from sandbox.simclock import ClockError, SimulatedClock
from sandbox.supervisor import ROOT, BotSupervisor, SandboxError, free_port
from sandbox.web import ConsoleServer

DATABASE = "sandbox.db"
CLOCK = "clock"
BOT_LOG = "bot.log"
CONSOLE_LOG = "console.log"
TICK_SECONDS = 5


@dataclass(frozen=True)
class Options:
    directory: Path
    port: int
    fresh: bool = False
    hint: bool = True


class Sandbox:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.directory = options.directory.resolve()
        self.database_url = f"sqlite:///{self.directory / DATABASE}"
        self.seeded = 0
        self.fake: FakeSlack | None = None
        self.bot: BotSupervisor | None = None
        self.server: ConsoleServer | None = None

    def start(self, cancelled: threading.Event | None = None) -> None:
        self._prepare_directory()
        clock = SimulatedClock(self.directory / CLOCK)
        if self.options.fresh or not clock.path.exists():
            clock.reset()
        self.seeded = demo.seed(self.database_url, clock.now())
        self.fake = FakeSlack(clock=clock.timestamp).start()
        demo.register_in_fake(self.fake)
        secret = secrets.token_hex(16)
        bot_port = free_port()
        self.bot = BotSupervisor(
            env=self._bot_env(secret, bot_port, clock),
            port=bot_port,
            log_path=self.directory / BOT_LOG,
            cwd=self.directory,
        )
        console = Console(
            self.fake,
            Driver(self.fake, self.bot.events_url, secret),
            clock,
            bot_log=self.bot.log_path,
            bot_alive=self.bot_alive,
        )
        try:  # bind the console first: a busy port should fail before the bot's slow start
            self.server = ConsoleServer(console, port=self.options.port, status=self._status)
        except OSError as error:
            raise SandboxError(
                f"cannot listen on 127.0.0.1:{self.options.port} ({error.strerror}); "
                "try another --port, or --port 0 for any free one"
            ) from None
        self.bot.start(cancelled=cancelled)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.bot is not None:
            self.bot.stop()
        if self.fake is not None:
            self.fake.stop()
            self.fake = None

    def bot_alive(self) -> bool:
        return self.bot is not None and not self.bot.exited()

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# made by `matchpath sandbox`: nothing here belongs in git\n*\n")
        if self.options.fresh:
            for name in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", CLOCK):
                (self.directory / name).unlink(missing_ok=True)
        (self.directory / BOT_LOG).write_bytes(b"")  # a fresh log per run: its tail is the story

    def _bot_env(self, secret: str, port: int, clock: SimulatedClock) -> dict[str, str]:
        assert self.fake is not None
        env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
        path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        env |= {
            "PYTHONPATH": path,
            "SLACK_BOT_TOKEN": f"xoxb-sandbox-{secrets.token_hex(8)}",
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_APP_TOKEN": "",  # empty: never Socket Mode, whatever .env says  # nosec B105
            "MATCHPATH_SLACK_API_URL": self.fake.url,
            "MATCHPATH_DATABASE_URL": self.database_url,
            "MATCHPATH_ADMINS": demo.ADMIN_ID,
            "MATCHPATH_MENTORS_CHANNEL": demo.MENTORS.id,
            "MATCHPATH_PORT": str(port),
            "MATCHPATH_CLOCK_FILE": str(clock.path),
            # The bot's tracebacks stay with the sandbox's other files.
            "MATCHPATH_INCIDENT_DIR": str(self.directory / "incidents"),
        }
        # Tick often, so that reminders follow a clock move within seconds (unless told otherwise).
        env.setdefault("MATCHPATH_TICK_SECONDS", str(TICK_SECONDS))
        return env

    def _status(self) -> JsonObject:
        bot = self.bot
        return {
            "bot": {
                "pid": bot.pid if bot else None,
                "url": bot.url if bot else None,
                "alive": self.bot_alive(),
                "log": str(bot.log_path) if bot else None,
            },
            "fake_slack": self.fake.url if self.fake else None,
            "database": self.database_url,
        }


def run(options: Options, out: TextIO = sys.stdout) -> int:
    """Start everything, serve until Ctrl-C or SIGTERM, stop everything. The exit status: 0 after
    a requested stop, 1 when the sandbox could not start or the bot died under it."""
    stop = threading.Event()
    previous = _on_signals(stop)
    sandbox = Sandbox(options)
    logs = _log_to(sandbox.directory / CONSOLE_LOG)
    started = time.monotonic()
    try:
        try:
            sandbox.start(cancelled=stop)
        except (SandboxError, ClockError) as error:
            if stop.is_set():
                return 0
            print(f"matchpath sandbox: {error}", file=sys.stderr)
            return 1
        except Exception as error:  # e.g. the database cannot be migrated: say so in one line
            print(
                f"matchpath sandbox: could not start ({type(error).__name__}: {error})",
                file=sys.stderr,
            )
            return 1
        _banner(sandbox, time.monotonic() - started, out)
        while not stop.wait(0.5):
            if not sandbox.bot_alive():
                said = sandbox.bot.last_words() if sandbox.bot else ""
                print(f"matchpath sandbox: the bot stopped: {said}", file=sys.stderr)
                return 1
        print("Stopping the sandbox…", file=out, flush=True)
        return 0
    finally:
        sandbox.stop()
        _restore(previous)
        _unlog(logs)


def _banner(sandbox: Sandbox, seconds: float, out: TextIO) -> None:
    assert sandbox.server is not None
    data = "a new demo workspace" if sandbox.seeded else "the demo workspace from the last run"
    lines = [
        f"MatchPath sandbox is running at {sandbox.server.url}  (ready in {seconds:.1f} s)",
        f"  {data}: 1 admin, 2 mentors, 4 mentees (--fresh rebuilds it)",
        f"  files: {sandbox.directory} (database, clock, bot.log, console.log)",
    ]
    if sandbox.options.hint:
        lines += [
            "",
            "Try first: open the address; you are Dr. Grace Whitfield, a mentor, in #general.",
            "  type  /matchpath help  then  /matchpath assess @maya",
            "  click Open profile, then Log exam: save a score of 400 (refused), then 236",
            "  switch to Dr. Samuel Osei, move the clock on a week (top right): his DMs arrive",
        ]
    lines += ["", "Ctrl-C stops everything."]
    print("\n".join(lines), file=out, flush=True)


class _OneLine(logging.Formatter):
    """The terminal gets one line per problem; the traceback goes to console.log only."""

    def format(self, record: logging.LogRecord) -> str:
        return f"matchpath sandbox: {record.getMessage()}"


def _log_to(path: Path) -> list[logging.Handler]:
    path.parent.mkdir(parents=True, exist_ok=True)
    detail = logging.FileHandler(path, mode="w", encoding="utf-8")
    detail.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    brief = logging.StreamHandler(sys.stderr)
    brief.setLevel(logging.ERROR)
    brief.setFormatter(_OneLine())
    logger = logging.getLogger("sandbox")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in (detail, brief):
        logger.addHandler(handler)
    return [detail, brief]


def _unlog(handlers: list[logging.Handler]) -> None:
    logger = logging.getLogger("sandbox")
    for handler in handlers:
        logger.removeHandler(handler)
        handler.close()
    logger.propagate = True


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}  # signals reach the main thread only; a caller elsewhere stops us itself

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, handle)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
