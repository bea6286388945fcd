"""Modals and App Home: `views.open/push/update/publish`, and the trigger ids they consume."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.blockkit_limits import view_problems, view_too_large
from sandbox.directory import Directory
from sandbox.ids import IdMint
from sandbox.records import APP_ID, BOT_ID, TEAM_ID, JsonObject, StoredView
from sandbox.wire import SlackError, json_arg, text_arg

Handler = Callable[[dict[str, Any]], JsonObject]

MODAL_STACK_MAX = 3


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    used: bool = False


class ViewStacks:
    def __init__(self, directory: Directory, mint: IdMint, *, trigger_ttl: float | None) -> None:
        self._directory = directory
        self._mint = mint
        self._trigger_ttl = trigger_ttl
        self.views: dict[str, StoredView] = {}
        self.home: dict[str, str] = {}  # user id -> the id of their Home tab view
        self._stacks: dict[str, list[str]] = {}  # user id -> open modal stack, root first
        self._triggers: dict[str, _Trigger] = {}

    def methods(self) -> dict[str, Handler]:
        return {
            "views.open": self._open,
            "views.push": self._push,
            "views.update": self._update,
            "views.publish": self._publish,
        }

    def issue_trigger(self, user_id: str) -> str:
        """A trigger id as Slack puts in an interaction payload: single use, maybe short-lived."""
        self._directory.user(user_id)
        trigger_id = f"{self._mint.object_id('')}.{int(self._mint.now())}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user_id, self._mint.now())
        return trigger_id

    def stack(self, user_id: str) -> list[StoredView]:
        return [self.views[view_id] for view_id in self._stacks.get(user_id, [])]

    # -- Web API methods --------------------------------------------------------------------------

    def _open(self, params: dict[str, Any]) -> JsonObject:
        view = _read_view(params, kind="modal")
        trigger = self._exchange(params)
        self._check_external_id(view, None)
        stored = self._store(view, trigger.user_id, view_id=None, root_id=None, previous_id=None)
        self._stacks[trigger.user_id] = [stored.id]
        return {"view": stored.payload}

    def _push(self, params: dict[str, Any]) -> JsonObject:
        view = _read_view(params, kind="modal")
        trigger = self._exchange(params)
        stack = self._stacks.get(trigger.user_id)
        if not stack:
            raise SlackError("invalid_arguments", ["[ERROR] no modal is open to push onto"])
        if len(stack) >= MODAL_STACK_MAX:
            raise SlackError("push_limit_reached")
        self._check_external_id(view, None)
        stored = self._store(
            view, trigger.user_id, view_id=None, root_id=stack[0], previous_id=stack[-1]
        )
        stack.append(stored.id)
        return {"view": stored.payload}

    def _update(self, params: dict[str, Any]) -> JsonObject:
        current = self._find(text_arg(params, "view_id"), text_arg(params, "external_id"))
        view = _read_view(params, kind=current.type)
        _check_hash(params, current)
        self._check_external_id(view, current.id)
        stored = self._store(
            view,
            current.user_id,
            view_id=current.id,
            root_id=current.payload["root_view_id"],
            previous_id=current.payload["previous_view_id"],
        )
        return {"view": stored.payload}

    def _publish(self, params: dict[str, Any]) -> JsonObject:
        user = self._directory.user(text_arg(params, "user_id"))
        view = _read_view(params, kind="home")
        existing = self.views.get(self.home.get(user.id, ""))
        if existing is not None:
            _check_hash(params, existing)
        view_id = existing.id if existing is not None else None
        stored = self._store(view, user.id, view_id=view_id, root_id=None, previous_id=None)
        self.home[user.id] = stored.id
        return {"view": stored.payload}

    # -- helpers ----------------------------------------------------------------------------------

    def _exchange(self, params: dict[str, Any]) -> _Trigger:
        trigger = self._triggers.get(text_arg(params, "trigger_id") or "")
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        age = self._mint.now() - trigger.issued_at
        if self._trigger_ttl is not None and age > self._trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _find(self, view_id: str | None, external_id: str | None) -> StoredView:
        if view_id is None and external_id is None:
            raise SlackError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        for stored in self.views.values():
            if stored.id == view_id or (external_id and stored.external_id == external_id):
                return stored
        raise SlackError("not_found")

    def _check_external_id(self, view: JsonObject, own_id: str | None) -> None:
        external_id = view.get("external_id")
        if external_id and any(
            v.external_id == external_id and v.id != own_id for v in self.views.values()
        ):
            raise SlackError("duplicate_external_id")

    def _store(
        self,
        view: JsonObject,
        user_id: str,
        *,
        view_id: str | None,
        root_id: str | None,
        previous_id: str | None,
    ) -> StoredView:
        view_id = view_id or self._mint.object_id("V")
        payload: JsonObject = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": copy.deepcopy(view["blocks"]),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._mint.now())}.{self._mint.object_id('').lower()}",
            "title": copy.deepcopy(view.get("title")),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "root_view_id": root_id or view_id,
            "previous_view_id": previous_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        stored = StoredView(view_id, user_id, payload)
        self.views[view_id] = stored
        return stored


def _read_view(params: dict[str, Any], *, kind: str) -> JsonObject:
    view = json_arg(params, "view", "invalid_arguments")
    if view is None:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
    if view_too_large(view):
        raise SlackError("view_too_large")
    problems = view_problems(view)
    if problems:
        raise SlackError("invalid_arguments", problems)
    if view["type"] != kind:
        raise SlackError("invalid_arguments", [f"[ERROR] expected a {kind} view here"])
    result: JsonObject = view
    return result


def _check_hash(params: dict[str, Any], current: StoredView) -> None:
    given = text_arg(params, "hash")
    if given is not None and given != current.hash:
        raise SlackError("hash_conflict")
