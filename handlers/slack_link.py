"""Whether Slack answers the app: checked once at start, then watched in the background.

`serve` starts without Slack (the requests still come in; replies wait for Slack to answer), so
this is what tells an operator, through /healthz, that Slack is unreachable or has refused the
token. While Slack is unreachable the check is retried with growing waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.db.engine import Database
from bot.errors import CliError
from bot.workspaces import registry
from handlers.notifier import TRANSPORT, WORKSPACE
from handlers.workspace_tokens import WorkspaceTokens

log = logging.getLogger("matchpath.serve")
CHECK_SECONDS = 60.0  # while Slack answers: look again this often
FIRST_RETRY_SECONDS = 1.0  # while it does not: 1 s, 2 s, 4 s, ... up to CHECK_SECONDS


class LinkState(StrEnum):
    UP = "up"
    UNREACHABLE = "unreachable"
    TOKEN_REJECTED = "token_rejected"  # noqa: S105  # a state, not a secret  # nosec B105


@dataclass(frozen=True)
class Probe:
    state: LinkState
    detail: str = ""  # the error code or the transport failure, for the log and /healthz
    setting: str = "SLACK_BOT_TOKEN"  # the setting holding the token Slack judged


def probe_slack(call: Callable[[], object]) -> Probe:
    """Sort one Web API call's outcome: answered, not reachable, or the token refused."""
    try:
        call()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response.data else ""
        if error in WORKSPACE:
            return Probe(LinkState.TOKEN_REJECTED, error)
        return Probe(LinkState.UNREACHABLE, error or f"HTTP {exc.response.status_code}")
    except TRANSPORT as exc:
        reason = getattr(exc, "reason", None) or exc
        return Probe(LinkState.UNREACHABLE, f"{type(exc).__name__}: {reason}")
    return Probe(LinkState.UP)


def bot_token_check(client: WebClient) -> Callable[[], Probe]:
    return lambda: probe_slack(client.auth_test)


def link_check(settings: Settings, db: Database, client: WebClient) -> Callable[[], Probe]:
    """The check of Slack's link for this process: its one token, or every workspace's."""
    if settings.many_workspaces:
        return workspaces_check(settings, db, client)
    return bot_token_check(client)


def workspaces_check(settings: Settings, db: Database, client: WebClient) -> Callable[[], Probe]:
    """Serving many workspaces, Slack's link is checked with each installed workspace's token:
    unreachable when Slack does not answer; a workspace whose token Slack refuses is named in
    the detail (/healthz) without failing the others, which still work."""
    tokens = WorkspaceTokens(settings, db, client)

    def check() -> Probe:
        with db.shared() as session:
            workspaces = registry.installed(session)
        refused: list[str] = []
        for workspace in workspaces:
            token = tokens.stored_token(workspace.team_id)
            found = (
                probe_slack(partial(client.auth_test, token=token))
                if token
                else Probe(LinkState.TOKEN_REJECTED, "no token stored")
            )
            if found.state is LinkState.UNREACHABLE:
                return found
            if found.state is LinkState.TOKEN_REJECTED:
                refused.append(f"{workspace.team_id} ({found.detail})")
        if not workspaces:
            return Probe(LinkState.UP, "no workspace installed yet")
        detail = f"tokens refused in {', '.join(refused)}" if refused else ""
        return Probe(LinkState.UP, detail)

    return check


class SlackWatch:
    """Keeps `probe` current from a background thread until `stop()`."""

    def __init__(
        self,
        check: Callable[[], Probe],
        *,
        every: float = CHECK_SECONDS,
        first_retry: float = FIRST_RETRY_SECONDS,
    ) -> None:
        self._check = check
        self._every = every
        self._first_retry = first_retry
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.probe = Probe(LinkState.UNREACHABLE, "not checked yet")

    def check_now(self, *, announce: bool = True) -> Probe:
        """Check at once; a change is logged (unless `announce` is False: the caller says it)."""
        found = self._check()
        if found != self.probe and announce:
            self._report(found)
        self.probe = found
        return found

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="slack-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        wait = self._first_retry
        while not self._stopped.wait(self._every if self.probe.state is LinkState.UP else wait):
            if self.check_now().state is LinkState.UP:
                wait = self._first_retry
            else:
                wait = min(wait * 2, self._every)

    def _report(self, found: Probe) -> None:
        if found.state is LinkState.UP:
            log.info("Slack answers")
        elif found.state is LinkState.UNREACHABLE:
            log.warning("Slack does not answer (%s); trying again with growing waits", found.detail)
        else:
            log.error("Slack refuses %s (%s)", found.setting, found.detail)


def require_credentials(settings: Settings, *, socket_mode: bool) -> None:
    missing = [] if settings.slack_bot_token or settings.many_workspaces else ["SLACK_BOT_TOKEN"]
    if not socket_mode and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        raise CliError(
            f"cannot serve: {' and '.join(missing)} not set (see the README, 'Connect to Slack')",
            code=2,
        )


def refuse_rejected_token(found: Probe) -> None:
    """A token Slack refuses at start is a setting to fix, not an outage to wait out."""
    if found.state is LinkState.TOKEN_REJECTED:
        raise CliError(
            f"cannot serve: Slack refused {found.setting} ({found.detail}); "
            "set a valid token (see the README, 'Connect to Slack')",
            code=2,
        )
