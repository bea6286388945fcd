"""One fake Slack workspace: its state, the Web API methods over it, and what was asked of it.

Thread-safe: the HTTP server answers on many threads while a test scripts and inspects it.
Everything handed out is a deep copy, so a test cannot change the workspace by accident.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox.conversations import Conversations
from sandbox.directory import Directory
from sandbox.ids import IdMint
from sandbox.records import (
    BOT_ID,
    BOT_USER_ID,
    BOT_USER_NAME,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Call,
    Channel,
    Ephemeral,
    JsonObject,
    Message,
    Reaction,
    ResponsePost,
    StoredView,
    UploadedFile,
    User,
    jsonable,
)
from sandbox.response_urls import ResponseUrls
from sandbox.uploads import Uploads
from sandbox.view_stacks import ViewStacks
from sandbox.wire import SlackError, flag_arg, text_arg

Handler = Callable[[dict[str, Any]], JsonObject]


class Workspace:
    def __init__(
        self,
        public_url: str,
        *,
        clock: Callable[[], float] = time.time,
        trigger_ttl: float | None = None,
        strict_channels: bool = False,
        team_id: str = TEAM_ID,
        team_name: str = TEAM_NAME,
        mint: IdMint | None = None,
    ) -> None:
        self._public_url = public_url
        self._trigger_ttl = trigger_ttl
        self._strict_channels = strict_channels
        self.team_id, self.team_name = team_id, team_name
        self._lock = threading.RLock()
        self._mint = mint or IdMint(clock)
        # Set by a Socket Mode stand-in (sandbox.socket_mode): issues a fresh WebSocket URL.
        self.socket_mode_url: Callable[[], str] | None = None
        self._build()

    def _build(self) -> None:
        self._calls: list[Call] = []
        self._directory = Directory(strict_channels=self._strict_channels)
        self._conversations = Conversations(self._directory, self._mint)
        self._views = ViewStacks(self._directory, self._mint, trigger_ttl=self._trigger_ttl)
        self._uploads = Uploads(self._directory, self._conversations, self._mint, self._public_url)
        self._responses = ResponseUrls(
            self._directory, self._conversations, self._mint, self._public_url
        )
        self._methods: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            **self._conversations.methods(),
            **self._views.methods(),
            **self._uploads.methods(),
        }

    def reset(self) -> None:
        """Forget everything but the clock and id counters (so stale ids never come back)."""
        with self._lock:
            self._build()

    # -- serving ----------------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any], token: str | None) -> JsonObject:
        """Answer one Web API call, or raise SlackError with what Slack would say."""
        if token is None:
            raise SlackError("not_authed")
        if method == "apps.connections.open":
            return self._apps_connections_open(token)
        if not token.startswith("xox"):
            raise SlackError("invalid_auth")
        with self._lock:
            handler = self._methods.get(method)
            if handler is None:
                raise SlackError("unknown_method", status=404)
            return {"ok": True, **handler(params)}

    def _apps_connections_open(self, token: str) -> JsonObject:
        """Socket Mode's WebSocket URL, for an app-level token (as Slack, refused for others)."""
        if not token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if self.socket_mode_url is None:
            raise SlackError("unknown_method", status=404)
        return {"ok": True, "url": self.socket_mode_url()}

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            return self._uploads.receive(file_id, content)

    def receive_response(self, response_id: str, payload: object) -> tuple[int, JsonObject]:
        with self._lock:
            return self._responses.receive(response_id, payload)

    def holds_response(self, response_id: str) -> bool:
        with self._lock:
            return self._responses.issued(response_id)

    def holds_file(self, file_id: str) -> bool:
        with self._lock:
            return file_id in self._uploads.files

    def file_content(self, file_id: str) -> bytes | None:
        with self._lock:
            upload = self._uploads.files.get(file_id)
            return upload.content if upload is not None and upload.completed else None

    # -- arranging --------------------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        with self._lock:
            self._directory.add_user(user)

    def add_channel(self, channel: Channel) -> None:
        with self._lock:
            self._directory.add_channel(channel)

    def issue_trigger(self, user_id: str) -> str:
        with self._lock:
            return self._views.issue_trigger(user_id)

    def issue_response_url(self, channel_id: str, user_id: str, message_ts: str | None) -> str:
        with self._lock:
            return self._responses.issue(channel_id, user_id, message_ts)

    # -- inspecting -------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return copy.deepcopy([c for c in self._calls if method in (None, c.method)])

    def messages(self, channel: str | None = None) -> list[Message]:
        with self._lock:
            return self._conversations.snapshot(channel)

    def ephemerals(self) -> list[Ephemeral]:
        with self._lock:
            return copy.deepcopy(self._conversations.ephemerals)

    def reactions(self) -> list[Reaction]:
        with self._lock:
            return list(self._conversations.reactions)

    def views(self) -> dict[str, StoredView]:
        with self._lock:
            return copy.deepcopy(self._views.views)

    def home_views(self) -> dict[str, StoredView]:
        with self._lock:
            return copy.deepcopy(self._home_views())

    def modal_stack(self, user_id: str) -> list[StoredView]:
        with self._lock:
            return copy.deepcopy(self._views.stack(user_id))

    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._uploads.files.values())

    def responses(self) -> list[ResponsePost]:
        with self._lock:
            return copy.deepcopy(self._responses.posts)

    def snapshot(self) -> JsonObject:
        """Everything at once, JSON-ready: what the control endpoint serves."""
        with self._lock:
            state: JsonObject = jsonable(
                {
                    "calls": self._calls,
                    "messages": self._conversations.snapshot(),
                    "ephemerals": self._conversations.ephemerals,
                    "reactions": self._conversations.reactions,
                    "views": self._views.views,
                    "home_views": self._home_views(),
                    "files": list(self._uploads.files.values()),
                    "responses": self._responses.posts,
                    "users": list(self._directory.users.values()),
                    "channels": list(self._directory.channels.values()),
                }
            )
            return state

    def _home_views(self) -> dict[str, StoredView]:
        return {user: self._views.views[view_id] for user, view_id in self._views.home.items()}

    # -- Web API methods about the workspace itself -----------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> JsonObject:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": self.team_name,
            "user": BOT_USER_NAME,
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, params: dict[str, Any]) -> JsonObject:
        user = self._directory.user(text_arg(params, "user"))
        return {"user": user.to_api(self._mint.now())}

    def _conversations_open(self, params: dict[str, Any]) -> JsonObject:
        resumed = text_arg(params, "channel")
        if resumed is not None:
            channel = self._directory.existing(resumed)
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
        users = params.get("users")
        ids = [
            u.strip()
            for u in (",".join(users) if isinstance(users, list) else str(users or "")).split(",")
            if u.strip()
        ]
        if not ids:
            raise SlackError("users_list_not_supplied")
        if len(ids) > 1:
            raise SlackError("invalid_arguments", ["[ERROR] the fake opens 1:1 DMs only"])
        already_open = ids[0] in self._directory.users and any(
            c.user == ids[0] for c in self._directory.channels.values()
        )
        channel = self._directory.open_dm(ids[0])
        shown = channel.to_api() if flag_arg(params, "return_im") else {"id": channel.id}
        answer: JsonObject = {"channel": shown}
        if already_open:
            answer |= {"no_op": True, "already_open": True}
        return answer

    def _conversations_info(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.existing(text_arg(params, "channel"))
        return {"channel": channel.to_api()}
