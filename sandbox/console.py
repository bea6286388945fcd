"""The console's operations: act as a demo person (type a command, click, fill in a modal, open
App Home), move the simulated clock, and describe what that person now sees.

No HTTP here (that is `sandbox.web`). Every failure a visitor can cause comes back as a
`ConsoleError` with a readable message; what the bot did wrong is shown where Slack would show
it (a notice in the conversation, an error in the modal).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sandbox import page
from sandbox.demo import PEOPLE, PLACES, Person, person
from sandbox.driver import Answer, Driver
from sandbox.fake_slack import FakeSlack
from sandbox.records import JsonObject, StoredView
from sandbox.render import action_id, block_id, element_at
from sandbox.simclock import ClockError, SimulatedClock
from sandbox.timeline import (
    Attached,
    ConsoleLog,
    Conversation,
    Item,
    Kind,
    RecordKind,
    conversations_for,
    count,
    items,
    locate,
    shared_file,
)
from sandbox.view_state import RawFields, build_state

SETTLE_LIMIT = 3.0  # how long an action waits for the bot's follow-up before answering
SLACK_SHOWS = {  # what a person would see in Slack when the app fails to answer
    "command": "In Slack: /matchpath failed with the error “dispatch_failed”.",
    "click": "In Slack the button would show a warning sign.",
    "App Home visit": "In Slack the Home tab would stay as it was.",
}
_MENTION = re.compile(r"(?<![\w@<])@([A-Za-z][\w.\-]*)")
_CHANNEL = re.compile(r"(?<![\w#<])#([a-z][\w\-]*)")
DEFAULT_CONVERSATION = "C0GENERAL"
COMMAND = "/matchpath"


class ConsoleError(Exception):
    """Something the visitor asked for cannot be done; the message says why, for them."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Modal:
    dismissed: set[str] = field(default_factory=set)
    # view id -> (the view's hash when they were given, errors by block_id)
    errors: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What an action did, for the browser: `message` is shown as a toast when not empty."""

    ok: bool = True
    message: str = ""
    closed: bool | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        out: JsonObject = {"ok": self.ok, "message": self.message}
        if self.closed is not None:
            out |= {"closed": self.closed, "errors": self.errors}
        return out


class Console:
    def __init__(
        self,
        fake: FakeSlack,
        driver: Driver,
        clock: SimulatedClock,
        *,
        bot_log: Path | None = None,
        bot_alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self.fake = fake
        self.driver = driver
        self.clock = clock
        self.log = ConsoleLog(clock.timestamp)
        self._bot_log = bot_log
        self._bot_alive = bot_alive
        self._lock = threading.Lock()
        self._modals: dict[str, _Modal] = {}
        self._seen: dict[tuple[str, str], int] = {}

    # -- who and where ----------------------------------------------------------------------

    def person(self, user_id: str | None) -> Person:
        found = person(user_id or "")
        if found is None:
            raise ConsoleError("Pick a demo person first (there is no one by that id).")
        return found

    def conversation(self, who: Person, key: str | None) -> Conversation:
        options = conversations_for(who, self.fake)
        wanted = key or DEFAULT_CONVERSATION
        found = next((c for c in options if c.key == wanted), None)
        if found is None:
            if key in {p.id for p in PLACES}:
                raise ConsoleError(f"{who.name} is not in that channel.", 403)
            raise ConsoleError("There is no such conversation.", 404)
        return found

    def visible(self, user_id: str | None, key: str | None) -> str | None:
        """`key` if this person can see that conversation, else None (the default one)."""
        found = person(user_id or "")
        if found is None or key not in {c.key for c in conversations_for(found, self.fake)}:
            return None
        return key

    def names(self, some_id: str) -> str | None:
        found = person(some_id)
        if found is not None:
            return found.name
        place = next((p for p in PLACES if p.id == some_id), None)
        return place.name if place is not None else None

    def download(self, user_id: str | None, file_id: str) -> tuple[Attached, bytes]:
        """A file shared where this person can see it, with its bytes."""
        who = self.person(user_id)
        visible = {c.channel_id for c in conversations_for(who, self.fake) if c.channel_id}
        found = shared_file(self.fake, file_id, visible)
        content = self.fake.workspace.file_content(file_id) if found is not None else None
        if found is None or content is None:
            raise ConsoleError(f"{who.name} has no such file.", 404)
        return found, content

    # -- acting -----------------------------------------------------------------------------

    def command(self, user_id: str, conversation_key: str, text: str) -> Outcome:
        who = self.person(user_id)
        where = self.conversation(who, conversation_key)
        if where.channel_id is None:
            raise ConsoleError("Commands are typed in a channel or the DM, not in App Home.")
        typed = text.strip()
        name, _, rest = typed.partition(" ")
        if not typed.startswith("/"):
            raise ConsoleError("The sandbox sends slash commands only: try /matchpath help")
        if name != COMMAND:
            raise ConsoleError(f"{name[:40]} is not a command in this workspace: try /matchpath")
        self.log.add(who.id, where.channel_id, RecordKind.COMMAND, typed)
        before = self._activity()
        answer = self.driver.command(who.id, where.channel_id, slack_escape(rest.strip()))
        self._after(answer, who, where.channel_id, what="command")
        self._settle(before)
        return Outcome()

    def click(
        self, user_id: str, conversation_key: str, source: str, block: int, element: str
    ) -> Outcome:
        who = self.person(user_id)
        visible = {c.channel_id for c in conversations_for(who, self.fake) if c.channel_id}
        located = locate(self.fake, self.log, who.id, source, visible)
        target = element_at(located.blocks, block, element) if located is not None else None
        if located is None or target is None or target[1].get("type") != "button":
            raise ConsoleError("That button is no longer there: the message or view changed.", 409)
        found_block, button = target
        action: JsonObject = {
            "type": "button",
            "action_id": action_id(button, element),
            "block_id": block_id(found_block, block),
            "text": button.get("text"),
        }
        for key in ("value", "style", "url"):
            if key in button:
                action[key] = button[key]
        before = self._activity()
        if located.view is not None:
            # Slack gives no response_url for a click in App Home or a modal: replies go by DM.
            dms = len(self.fake.messages(self.fake.dm_channel(who.id)))
            answer = self.driver.click_in_view(who.id, action, view=located.view)
            self._settle(before)
            outcome = self._outcome_without_conversation(answer, "click")
            if outcome.ok and len(self.fake.messages(self.fake.dm_channel(who.id))) > dms:
                return Outcome(message="MatchPath answered in your DM (MatchPath, on the left).")
            return outcome
        channel = located.channel_id or self.conversation(who, conversation_key).channel_id or ""
        answer = self.driver.click_in_message(
            who.id,
            action,
            channel_id=channel,
            message_ts=located.message_ts,
            message=located.message,
        )
        self._after(answer, who, channel, what="click")
        self._settle(before)
        return Outcome()

    def submit(self, user_id: str, view_id: str, raw: RawFields) -> Outcome:
        who = self.person(user_id)
        view = self.open_modal(who.id)
        if view is None or view.id != view_id:
            raise ConsoleError("That form is no longer open.", 409)
        built = build_state(view.blocks, raw)
        if built.errors:
            self._set_errors(who.id, view, built.errors)
            return Outcome(closed=False, errors=built.errors)
        before = self._activity()
        answer = self.driver.submit(who.id, view.payload, built.values)
        problem = self._problem(answer, "submission")
        if problem is not None:
            # Slack keeps the modal open with a banner when the app fails to answer.
            errors = {"": "We had some trouble connecting. Try again? " + problem}
            self._set_errors(who.id, view, errors)
            return Outcome(closed=False, errors=errors)
        reply = answer.payload or {}
        action = reply.get("response_action")
        if action == "errors":
            errors = _errors(reply.get("errors"))
            self._set_errors(who.id, view, errors)
            return Outcome(closed=False, errors=errors)
        if action in ("update", "push"):
            errors = {
                "": f"The bot answered with response_action {action!r}, which the sandbox "
                "cannot show yet."
            }
            return Outcome(closed=False, errors=errors)
        self._dismiss(who.id, view.id, everything=action == "clear")
        self._settle(before)
        return Outcome(closed=True)

    def close_modal(self, user_id: str, view_id: str) -> Outcome:
        who = self.person(user_id)
        self._dismiss(who.id, view_id, everything=False)
        return Outcome(closed=True)

    def open_home(self, user_id: str) -> Outcome:
        """What Slack does when the Home tab is shown: an `app_home_opened` event."""
        who = self.person(user_id)
        current = self.fake.home_views.get(who.id)
        answer = self.driver.open_home(who.id, current.payload if current else None)
        if answer.status == 200:
            self._wait(lambda: _home_changed(self.fake, who.id, current))
        return self._outcome_without_conversation(answer, "App Home visit")

    def advance(self, seconds: float) -> Outcome:
        try:
            now = self.clock.advance(timedelta(seconds=seconds))
        except ClockError as error:
            raise ConsoleError(str(error)) from None
        return Outcome(message=f"Time moved on to {now:%a %d %b %Y %H:%M} UTC.")

    # -- seeing -----------------------------------------------------------------------------

    def open_modal(self, user_id: str) -> StoredView | None:
        """The modal this person has in front of them: the top of their stack not closed."""
        with self._lock:
            dismissed = set(self._modals.get(user_id, _Modal()).dismissed)
        for view in reversed(self.fake.modal_stack(user_id)):
            if view.id not in dismissed:
                return view
        return None

    def modal_errors(self, user_id: str, view: StoredView) -> dict[str, str]:
        with self._lock:
            kept = self._modals.get(user_id, _Modal()).errors.get(view.id)
        return dict(kept[1]) if kept is not None and kept[0] == view.hash else {}

    def state(
        self, user_id: str | None, conversation_key: str | None, *, peek: bool = False
    ) -> JsonObject:
        """Everything the page shows, as JSON with HTML fragments (the browser polls this)."""
        return page.state_json(self.screen(user_id, conversation_key, peek=peek))

    def screen(
        self, user_id: str | None, conversation_key: str | None, *, peek: bool = False
    ) -> page.Screen:
        """Everything one person sees now. Showing it marks the conversation read, unless it
        is only a peek (a script looking, not the person)."""
        who = self.person(user_id)
        active = self.conversation(who, conversation_key)
        shown: list[Item] = []
        home: StoredView | None = None
        unread: dict[str, int] = {}
        for conversation in conversations_for(who, self.fake):
            if conversation.kind is Kind.HOME:
                continue
            found = items(self.fake, self.log, who.id, conversation, self.names)
            key = (who.id, conversation.key)
            with self._lock:
                if conversation.key == active.key:
                    if not peek:
                        self._seen[key] = count(found)
                    shown = found
                unread[conversation.key] = max(0, count(found) - self._seen.get(key, 0))
        if active.kind is Kind.HOME:
            home = self.fake.home_views.get(who.id)
        modal = self.open_modal(who.id)
        errors = self.modal_errors(who.id, modal) if modal is not None else {}
        return page.Screen(
            who=who,
            active=active,
            conversations=conversations_for(who, self.fake),
            unread=unread,
            items=shown,
            home=home,
            modal=modal,
            modal_errors=errors,
            now=self.clock.now(),
            names=self.names,
            people=PEOPLE,
        )

    # -- helpers ----------------------------------------------------------------------------

    def _after(self, answer: Answer, who: Person, channel: str, *, what: str) -> None:
        """Show the ack, or what went wrong, in the conversation where the person acted."""
        problem = self._problem(answer, what)
        if problem is not None:
            self.log.add(who.id, channel, RecordKind.NOTICE, problem)
            return
        reply = answer.payload
        if reply is not None and (reply.get("blocks") or reply.get("text")):
            blocks = reply.get("blocks") if isinstance(reply.get("blocks"), list) else None
            self.log.add(who.id, channel, RecordKind.ACK, str(reply.get("text", "")), blocks)
        if answer.late:
            self.log.add(
                who.id,
                channel,
                RecordKind.NOTICE,
                f"MatchPath took {answer.elapsed:.1f} s to answer; Slack gives up after 3 s "
                "and shows the person an operation_timeout error.",
            )

    def _problem(self, answer: Answer, what: str) -> str | None:
        if answer.status == 0:
            where = f" Its log: {self._bot_log}" if self._bot_log else ""
            state = "is not running" if not self._bot_alive() else "is not answering"
            return f"MatchPath {state} ({answer.problem}); the {what} went nowhere.{where}"
        if answer.status == 200:
            return None
        if answer.status == 404:
            said = f"MatchPath has nothing that handles this {what} (HTTP 404)."
        else:
            said = f"MatchPath answered the {what} with HTTP {answer.status}."
        return f"{said} {SLACK_SHOWS.get(what, '')}".strip()

    def _outcome_without_conversation(self, answer: Answer, what: str) -> Outcome:
        problem = self._problem(answer, what)
        return Outcome(ok=problem is None, message=problem or "")

    def _set_errors(self, user_id: str, view: StoredView, errors: dict[str, str]) -> None:
        with self._lock:
            self._modals.setdefault(user_id, _Modal()).errors[view.id] = (view.hash, dict(errors))

    def _dismiss(self, user_id: str, view_id: str, *, everything: bool) -> None:
        stack = [v.id for v in self.fake.modal_stack(user_id)]
        with self._lock:
            modal = self._modals.setdefault(user_id, _Modal())
            modal.dismissed.update(stack if everything else [view_id])
            modal.errors.pop(view_id, None)

    def _activity(self) -> tuple[int, int]:
        return len(self.fake.calls()), len(self.fake.responses)

    def _settle(self, before: tuple[int, int]) -> None:
        """Wait (briefly) for the bot's follow-up, so the page can show it at once."""
        if self._wait(lambda: self._activity() != before):
            time.sleep(0.15)  # a loading modal's update or a second post lands right after

    def _wait(self, done: Callable[[], bool], limit: float = SETTLE_LIMIT) -> bool:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if done():
                return True
            time.sleep(0.03)
        return False


def slack_escape(text: str) -> str:
    """Command text as Slack sends it with `should_escape`: &, < and > escaped, then known
    @people and #channels turned into `<@U…|handle>` and `<#C…|name>`."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(match: re.Match[str]) -> str:
        word = match.group(1).rstrip(".")
        found = next(
            (p for p in PEOPLE if word.lower() in (p.handle, p.id.lower())),
            None,
        )
        if found is None:
            return match.group(0)
        return f"<@{found.id}|{found.handle}>" + match.group(1)[len(word) :]

    def channel(match: re.Match[str]) -> str:
        place = next((p for p in PLACES if p.name == match.group(1)), None)
        return f"<#{place.id}|{place.name}>" if place is not None else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(mention, escaped))


def _errors(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {"": "The bot answered with errors the sandbox cannot read."}
    return {str(k): str(v) for k, v in raw.items()}


def _home_changed(fake: FakeSlack, user_id: str, before: StoredView | None) -> bool:
    now = fake.home_views.get(user_id)
    return now is not None and (before is None or now.hash != before.hash)


def parse_fields(raw: Any) -> RawFields:
    """The browser's {block_id: {action_id: [strings]}}; anything else is refused."""
    if not isinstance(raw, Mapping):
        raise ConsoleError("The form came without its fields.")
    fields: dict[str, dict[str, list[str]]] = {}
    for bid, actions in raw.items():
        if not isinstance(actions, Mapping):
            raise ConsoleError("The form's fields are not in the expected shape.")
        for aid, values in actions.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ConsoleError("The form's fields are not in the expected shape.")
            fields.setdefault(str(bid), {})[str(aid)] = list(values)
    return fields
