"""What the fake workspace holds and records: immutable snapshots that tests assert on."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

TEAM_ID = "T0FAKE"
TEAM_NAME = "Fake Workspace"
TEAM_DOMAIN = "fake-workspace"
BOT_USER_ID = "UBOT"
BOT_USER_NAME = "matchpath"
BOT_ID = "BFAKE"
APP_ID = "AFAKE"

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class User:
    id: str
    real_name: str
    tz: str = "America/New_York"
    deleted: bool = False
    is_bot: bool = False
    name: str = ""
    display_name: str = ""

    def to_api(self, now: float) -> JsonObject:
        moment = datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(self.tz))
        offset = moment.utcoffset()
        name = self.name or self.real_name.lower().replace(" ", ".")
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": moment.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": self.is_bot,
            "is_admin": False,
            "is_app_user": False,
            "profile": {
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.display_name,
                "display_name_normalized": self.display_name,
                "team": TEAM_ID,
            },
        }


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = True
    user: str | None = None  # the other party, for a DM

    @property
    def is_im(self) -> bool:
        return self.id.startswith("D")

    def to_api(self) -> JsonObject:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.user, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": self.is_member,
            "is_general": False,
            "is_shared": False,
        }


@dataclass(frozen=True)
class Message:
    """A message as it stands now: updates replace it, `chat.delete` removes it."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonObject] | None = None
    thread_ts: str | None = None  # set on replies only
    metadata: JsonObject | None = None
    attachments: list[JsonObject] | None = None
    files: list[JsonObject] | None = None
    user: str = BOT_USER_ID
    edited_ts: str | None = None


@dataclass(frozen=True)
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[JsonObject] | None
    message_ts: str
    thread_ts: str | None = None
    via: Literal["chat.postEphemeral", "response_url"] = "chat.postEphemeral"


@dataclass(frozen=True)
class StoredView:
    """A view as Slack returns it (`payload`), plus who it was opened or published for."""

    id: str
    user_id: str
    payload: JsonObject

    @property
    def type(self) -> str:
        return str(self.payload["type"])

    @property
    def hash(self) -> str:
        return str(self.payload["hash"])

    @property
    def blocks(self) -> list[JsonObject]:
        blocks: list[JsonObject] = self.payload.get("blocks", [])
        return blocks

    @property
    def callback_id(self) -> str:
        return str(self.payload.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.payload.get("private_metadata", ""))

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id", ""))


@dataclass(frozen=True)
class Reaction:
    channel: str
    timestamp: str
    name: str
    user: str = BOT_USER_ID


@dataclass(frozen=True)
class UploadedFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class ResponsePost:
    """One POST the app made to a `response_url` (what Bolt's `respond()` does)."""

    response_id: str
    channel_id: str
    user_id: str
    payload: JsonObject
    accepted: bool
    error: str | None = None


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake saw it; the token is never kept."""

    method: str
    params: JsonObject
    accepted: bool
    error: str | None = None
    status: int = 200
    fault: str | None = None
    messages: list[str] = field(default_factory=list)


def jsonable(value: object) -> Any:
    """A JSON-ready copy of a record (or of anything nested in one); bytes become base64."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value
