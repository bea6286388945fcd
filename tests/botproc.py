"""The real bot as a separate process (`matchpath serve`), driven with signed requests.

The fake Slack runs in the test process on 127.0.0.1; the bot talks to it over HTTP exactly as
it would to Slack. Requests to the bot are signed exactly as Slack signs them.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sandbox.fake_slack import FakeSlack
from sandbox.records import TEAM_ID
from sandbox.signing import (
    SignedRequest,
    block_actions_payload,
    event_callback,
    interactivity,
    send,
    slash_command,
    view_submission_payload,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
# Profile text for tests to send; like the credentials, it must never reach a bot's log.
PROFILE_MARKER = "SECRET-PROFILE-DATA"
PLANTED = (TOKEN, SECRET, PROFILE_MARKER)
T = TypeVar("T")

# Every bot log written in this test session, with what must not appear in it (conftest.py
# checks them all again at the end of the session).
WRITTEN_LOGS: dict[Path, tuple[str, ...]] = {}


STARTED = ("serving on http://", "serving over Socket Mode")  # what serve logs once it listens


def assert_log_is_clean(path: Path, planted: Sequence[str]) -> None:
    """The log is a real bot's (it says it served) and holds none of the planted secrets."""
    text = path.read_text(errors="replace")
    assert any(s in text for s in STARTED), f"not a bot's log, nothing to check: {path}"
    found = [secret for secret in planted if secret in text]
    lines = [line for line in text.splitlines() if any(s in line for s in found)]
    assert not found, f"{path} holds {found}: {lines[:5]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], T | None], timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class PortTaken(Exception):
    """The port picked for the bot was taken by another process before the bot bound it."""


@dataclass
class Reply:
    status: int
    body: bytes
    responses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ack(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body.strip() else {}

    def text(self) -> str:
        """Everything the user was shown, as one string (for assertions)."""
        return json.dumps([self.ack, *self.responses])


class BotProcess:
    def __init__(
        self,
        fake: FakeSlack,
        database_url: str,
        *,
        admins: str = "UADMIN01",
        extra_env: dict[str, str] | None = None,
        workdir: Path | None = None,
        scheduler: bool = False,
        planted: Sequence[str] = (),
    ) -> None:
        self.fake = fake
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir or ROOT
        self.scheduler = scheduler
        # HTTP mode unless a test asks for Socket Mode with its own SLACK_APP_TOKEN.
        inherited = {k: v for k, v in os.environ.items() if k != "SLACK_APP_TOKEN"}
        self.env = {
            **inherited,
            "MATCHPATH_DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "MATCHPATH_SLACK_API_URL": fake.url,
            "MATCHPATH_ADMINS": admins,
            "MATCHPATH_PORT": str(self.port),
            "MATCHPATH_INCIDENT_DIR": str(self.workdir / "incidents"),
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / f"bot-{self.port}.log"
        self.scheduler = scheduler
        self.planted = (*PLANTED, *planted)
        self.log_from = 0
        self.team_id = TEAM_ID  # the team the requests come from (`for_team`)

    def for_team(self, team_id: str) -> BotProcess:
        """The same process, sent requests signed as from `team_id`, and its replies read in
        that team's fake workspace (a bot serving many workspaces)."""
        view = copy.copy(self)
        view.fake, view.team_id = self.fake.team(team_id), team_id
        return view

    def start(self, *, healthy: bool = True) -> BotProcess:
        """Start `matchpath serve`; wait until /healthz says 200 (or, with healthy=False, until
        it answers at all)."""
        for _ in range(3):
            try:
                return self._start(healthy)
            except PortTaken:
                # free_port() only found a port free a moment ago; another process took it.
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
                self.env["MATCHPATH_PORT"] = str(self.port)
        return self._start(healthy)

    def _start(self, healthy: bool) -> BotProcess:
        WRITTEN_LOGS[self.log_path] = self.planted
        # Appended to: a restarted bot keeps one log, and every line of it is checked.
        self.log_from = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the process's life)
        argv = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            argv if self.scheduler else [*argv, "--no-scheduler"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                lambda: self._answers(healthy),
                timeout=30,
                what=f"the bot on {self.url} (log: {self.log_path})",
            )
        except BaseException:
            self.stop()  # a bot that never came up must not outlive the test
            raise
        return self

    def _answers(self, healthy: bool) -> bool:
        if self.process is not None and self.process.poll() is not None:
            said = self.log_path.read_bytes()[self.log_from :].decode(errors="replace")[-3000:]
            if "cannot listen on" in said and "Address already in use" in said:
                raise PortTaken(said)
            raise AssertionError(f"bot exited: {said}")
        # Only our own process counts: until it says it serves, whatever answers on the port may
        # be another test's bot that took the port between free_port() and our bind.
        ours = self.log_path.read_bytes()[self.log_from :].decode(errors="replace")
        if not any(started in ours for started in STARTED):
            return False
        try:
            status, _ = self.health()
        except OSError:
            return False
        return status == 200 or not healthy

    def health(self) -> tuple[int, dict[str, Any]]:
        """GET /healthz: the status and the JSON body, for a 503 too."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def terminate(self, timeout: float = 60) -> tuple[int, float]:
        """SIGTERM, then wait: the exit status and the seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        self.process.terminate()
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
            assert_log_is_clean(self.log_path, self.planted)

    def restart(self) -> BotProcess:
        """The same bot, stopped and started again on its database (its log goes on)."""
        self.stop()
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    # -- requests ---------------------------------------------------------------------------

    def post(self, request: SignedRequest) -> tuple[int, bytes]:
        status, _, body = send(f"{self.url}/slack/events", request)
        return status, body

    def command(
        self,
        text: str,
        user: str,
        *,
        channel: str = "C0GENERAL",
        wait: bool = True,
        expect: int = 1,
    ) -> Reply:
        url = self.fake.issue_response_url(channel, user)
        request = slash_command(
            SECRET,
            command="/matchpath",
            text=text,
            user_id=user,
            channel_id=channel,
            response_url=url,
            trigger_id=self.fake.issue_trigger(user),
            team_id=self.team_id,
        )
        return self._exchange(request, url, wait=wait, expect=expect)

    def click(self, user: str, action_id: str, value: str, *, channel: str = "C0GENERAL") -> Reply:
        url = self.fake.issue_response_url(channel, user)
        payload = block_actions_payload(
            user_id=user,
            actions=[{"action_id": action_id, "value": value, "type": "button", "block_id": "b"}],
            channel_id=channel,
            response_url=url,
            trigger_id=self.fake.issue_trigger(user),
            team_id=self.team_id,
        )
        return self._exchange(interactivity(SECRET, payload), url, wait=True)

    def _exchange(self, request: SignedRequest, url: str, *, wait: bool, expect: int = 1) -> Reply:
        """Send, then collect what the bot did after its ack: a response_url post or a modal."""
        rid = url.rstrip("/").rsplit("/", 1)[-1]
        views_before = len(self.fake.calls("views.open"))
        status, body = self.post(request)
        reply = Reply(status, body)
        if not wait or status != 200 or body.strip():
            return reply

        def found() -> list[dict[str, Any]] | None:
            posts = [r.payload for r in self.fake.responses if r.response_id == rid]
            if len(posts) >= expect:
                return posts
            opened = self.fake.calls("views.open")[views_before:]
            return [
                {"opened_view": c.params.get("view"), "accepted": c.accepted} for c in opened
            ] or None

        reply.responses = wait_for(found, what="the bot's reply")
        return reply

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        payload = view_submission_payload(
            user_id=user, view=view, values=values, team_id=self.team_id
        )
        status, body = self.post(interactivity(SECRET, payload))
        return Reply(status, body)

    def event(self, event: dict[str, Any]) -> tuple[int, bytes]:
        return self.post(event_callback(SECRET, event, team_id=self.team_id))
