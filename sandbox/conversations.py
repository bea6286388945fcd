"""Messages, threads, ephemerals and reactions: `chat.*`, history and replies, `reactions.add`."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sandbox.blockkit_limits import (
    MESSAGE_MAX_BLOCKS,
    MESSAGE_TEXT_MAX_CHARS,
    UPDATE_TEXT_MAX_CHARS,
    block_problems,
)
from sandbox.directory import Directory, dm_channel_id
from sandbox.ids import IdMint, ts_micros
from sandbox.records import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Channel,
    Ephemeral,
    JsonObject,
    Message,
    Reaction,
)
from sandbox.wire import SlackError, flag_arg, int_arg, json_arg, text_arg

Handler = Callable[[dict[str, Any]], JsonObject]


@dataclass(frozen=True)
class Content:
    """What a message says; None means "not given" (which `chat.update` reads as "keep")."""

    text: str | None
    blocks: list[JsonObject] | None
    attachments: list[JsonObject] | None


def read_content(params: dict[str, Any], *, max_text: int) -> Content:
    text = text_arg(params, "text")
    blocks = json_arg(params, "blocks", "invalid_blocks_format")
    attachments = json_arg(params, "attachments", "invalid_attachments")
    if blocks is not None and not isinstance(blocks, list):
        raise SlackError(
            "invalid_blocks_format", ["[ERROR] must be an array [json-pointer:/blocks]"]
        )
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments", ["[ERROR] must be an array"])
    if text is None and blocks is None and not attachments:
        raise SlackError("no_text")
    if text is not None and len(text) > max_text:
        raise SlackError("msg_too_long", [f"[ERROR] text is over {max_text} characters"])
    if blocks is not None:
        problems = block_problems(blocks, max_blocks=MESSAGE_MAX_BLOCKS)
        if problems:
            raise SlackError("invalid_blocks", problems)
    return Content(text, blocks, attachments)


def read_metadata(params: dict[str, Any]) -> JsonObject | None:
    metadata = json_arg(params, "metadata", "invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise SlackError(
            "invalid_metadata_format",
            ["[ERROR] metadata needs an event_type string and an event_payload object"],
        )
    return {
        "event_type": metadata["event_type"],
        "event_payload": metadata.get("event_payload", {}),
    }


class Conversations:
    def __init__(self, directory: Directory, mint: IdMint) -> None:
        self._directory = directory
        self._mint = mint
        self._messages: dict[str, dict[str, Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.reactions: list[Reaction] = []

    def methods(self) -> dict[str, Handler]:
        return {
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "reactions.add": self._add_reaction,
        }

    # -- used by the other parts of the workspace (files, response_url) --------------------------

    def post(
        self,
        channel: Channel,
        content: Content,
        *,
        thread_ts: str | None = None,
        metadata: JsonObject | None = None,
        files: list[JsonObject] | None = None,
    ) -> Message:
        message = Message(
            channel=channel.id,
            ts=self._mint.ts(),
            text=content.text or "",
            blocks=copy.deepcopy(content.blocks),
            thread_ts=self._thread_root(channel.id, thread_ts),
            metadata=copy.deepcopy(metadata),
            attachments=copy.deepcopy(content.attachments),
            files=files,
        )
        self._messages.setdefault(channel.id, {})[message.ts] = message
        return message

    def edit(
        self, channel_id: str, ts: str, content: Content, metadata: JsonObject | None = None
    ) -> Message:
        old = self.find(channel_id, ts)
        if old.user != BOT_USER_ID:
            raise SlackError("cant_update_message")
        new = replace(
            old,
            text=old.text if content.text is None else content.text,
            blocks=old.blocks if content.blocks is None else copy.deepcopy(content.blocks),
            attachments=old.attachments
            if content.attachments is None
            else copy.deepcopy(content.attachments),
            metadata=old.metadata if metadata is None else copy.deepcopy(metadata),
            edited_ts=self._mint.ts(),
        )
        self._messages[channel_id][ts] = new
        return new

    def remove(self, channel_id: str, ts: str) -> None:
        self.find(channel_id, ts)
        del self._messages[channel_id][ts]

    def find(self, channel_id: str, ts: str | None) -> Message:
        message = self._messages.get(channel_id, {}).get(ts or "")
        if message is None:
            raise SlackError("message_not_found")
        return message

    def add_ephemeral(self, ephemeral: Ephemeral) -> None:
        self.ephemerals.append(ephemeral)

    def edit_ephemeral(self, message_ts: str, content: Content) -> bool:
        """Replace an ephemeral in place (only a response_url can); False if there is none."""
        for index, old in enumerate(self.ephemerals):
            if old.message_ts == message_ts:
                self.ephemerals[index] = replace(
                    old,
                    text=old.text if content.text is None else content.text,
                    blocks=old.blocks if content.blocks is None else copy.deepcopy(content.blocks),
                    via="response_url",
                )
                return True
        return False

    def remove_ephemeral(self, message_ts: str) -> bool:
        kept = [e for e in self.ephemerals if e.message_ts != message_ts]
        removed = len(kept) != len(self.ephemerals)
        self.ephemerals = kept
        return removed

    def snapshot(self, channel: str | None = None) -> list[Message]:
        if channel is not None and channel[:1] in {"U", "W"}:
            channel = dm_channel_id(channel)
        messages = [
            message
            for channel_id, by_ts in self._messages.items()
            if channel in (None, channel_id)
            for message in by_ts.values()
        ]
        return sorted(copy.deepcopy(messages), key=lambda m: ts_micros(m.ts))

    def render(self, message: Message, *, with_metadata: bool = True) -> JsonObject:
        """The message as Slack's API shows it, thread and reaction summaries included."""
        shown: JsonObject = {
            "type": "message",
            "user": message.user,
            "text": message.text,
            "ts": message.ts,
            "team": TEAM_ID,
        }
        if message.user == BOT_USER_ID:
            shown |= {"bot_id": BOT_ID, "app_id": APP_ID}
        if message.blocks is not None:
            shown["blocks"] = copy.deepcopy(message.blocks)
        if message.attachments:
            shown["attachments"] = copy.deepcopy(message.attachments)
        if message.files:
            shown |= {"files": copy.deepcopy(message.files), "upload": True}
        if message.edited_ts:
            shown["edited"] = {"user": message.user, "ts": message.edited_ts}
        shown |= self._thread_summary(message)
        reactions = self._reaction_summary(message)
        if reactions:
            shown["reactions"] = reactions
        if with_metadata and message.metadata is not None:
            shown["metadata"] = copy.deepcopy(message.metadata)
        return shown

    # -- Web API methods --------------------------------------------------------------------------

    def _post_message(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.destination(text_arg(params, "channel"))
        content = read_content(params, max_text=MESSAGE_TEXT_MAX_CHARS)
        message = self.post(
            channel,
            content,
            thread_ts=text_arg(params, "thread_ts"),
            metadata=read_metadata(params),
        )
        return {"channel": channel.id, "ts": message.ts, "message": self.render(message)}

    def _post_ephemeral(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.destination(text_arg(params, "channel"))
        user = self._directory.user(text_arg(params, "user"))
        content = read_content(params, max_text=MESSAGE_TEXT_MAX_CHARS)
        message_ts = self._mint.ts()
        self.add_ephemeral(
            Ephemeral(
                channel=channel.id,
                user=user.id,
                text=content.text or "",
                blocks=copy.deepcopy(content.blocks),
                message_ts=message_ts,
                thread_ts=text_arg(params, "thread_ts"),
            )
        )
        return {"message_ts": message_ts}

    def _update(self, params: dict[str, Any]) -> JsonObject:
        # chat.update takes the conversation id only: a user id does not stand for the DM here.
        channel = self._directory.existing(text_arg(params, "channel"))
        ts = text_arg(params, "ts")
        self.find(channel.id, ts)
        content = read_content(params, max_text=UPDATE_TEXT_MAX_CHARS)
        message = self.edit(channel.id, ts or "", content, read_metadata(params))
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": self.render(message),
        }

    def _delete(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.existing(text_arg(params, "channel"))
        ts = text_arg(params, "ts") or ""
        self.remove(channel.id, ts)
        return {"channel": channel.id, "ts": ts}

    def _history(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.existing(text_arg(params, "channel"))
        limit = min(max(int_arg(params, "limit", 100, "invalid_limit"), 1), 999)
        inclusive = flag_arg(params, "inclusive")
        oldest = ts_micros(params.get("oldest") or "0", "invalid_ts_oldest")
        latest: int | None = None  # Slack's default is "now"; no bound suits a fake clock better
        if params.get("latest"):
            latest = ts_micros(params["latest"], "invalid_ts_latest")
        cursor = text_arg(params, "cursor")
        if cursor is not None:
            latest, inclusive_latest = _decode_cursor(cursor), False
        else:
            inclusive_latest = inclusive

        def in_window(message: Message) -> bool:
            at = ts_micros(message.ts)
            above = at >= oldest if inclusive else at > oldest
            if latest is None:
                return above
            below = at <= latest if inclusive_latest else at < latest
            return above and below

        top_level = [
            m
            for m in self._messages.get(channel.id, {}).values()
            if m.thread_ts is None and in_window(m)
        ]
        top_level.sort(key=lambda m: ts_micros(m.ts), reverse=True)
        page, has_more = top_level[:limit], len(top_level) > limit
        with_metadata = flag_arg(params, "include_all_metadata")
        return {
            "messages": [self.render(m, with_metadata=with_metadata) for m in page],
            "has_more": has_more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": _encode_cursor(page[-1].ts) if has_more else ""},
        }

    def _replies(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.existing(text_arg(params, "channel"))
        by_ts = self._messages.get(channel.id, {})
        asked = by_ts.get(text_arg(params, "ts") or "")
        if asked is None:
            raise SlackError("thread_not_found")
        root = asked.thread_ts or asked.ts
        thread = [m for m in by_ts.values() if m.ts == root or m.thread_ts == root]
        thread.sort(key=lambda m: ts_micros(m.ts))
        limit = min(max(int_arg(params, "limit", 1000, "invalid_limit"), 1), 1000)
        with_metadata = flag_arg(params, "include_all_metadata")
        return {
            "messages": [self.render(m, with_metadata=with_metadata) for m in thread[:limit]],
            "has_more": len(thread) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _add_reaction(self, params: dict[str, Any]) -> JsonObject:
        channel = self._directory.existing(text_arg(params, "channel"))
        message = self.find(channel.id, text_arg(params, "timestamp"))
        name = text_arg(params, "name")
        if name is None:
            raise SlackError("invalid_name")
        reaction = Reaction(channel.id, message.ts, name)
        if reaction in self.reactions:
            raise SlackError("already_reacted")
        self.reactions.append(reaction)
        return {}

    # -- helpers ----------------------------------------------------------------------------------

    def _thread_root(self, channel_id: str, thread_ts: str | None) -> str | None:
        """A reply to a reply joins the parent's thread, as in Slack."""
        if thread_ts is None:
            return None
        parent = self._messages.get(channel_id, {}).get(thread_ts)
        return parent.thread_ts or parent.ts if parent is not None else thread_ts

    def _thread_summary(self, message: Message) -> JsonObject:
        by_ts = self._messages.get(message.channel, {})
        if message.thread_ts is not None:
            parent = by_ts.get(message.thread_ts)
            summary: JsonObject = {"thread_ts": message.thread_ts}
            if parent is not None:
                summary["parent_user_id"] = parent.user
            return summary
        replies = sorted(
            (m for m in by_ts.values() if m.thread_ts == message.ts),
            key=lambda m: ts_micros(m.ts),
        )
        if not replies:
            return {}
        users = list(dict.fromkeys(m.user for m in replies))
        return {
            "thread_ts": message.ts,
            "reply_count": len(replies),
            "reply_users_count": len(users),
            "reply_users": users,
            "latest_reply": replies[-1].ts,
        }

    def _reaction_summary(self, message: Message) -> list[JsonObject]:
        by_name: dict[str, list[str]] = {}
        for reaction in self.reactions:
            if (reaction.channel, reaction.timestamp) == (message.channel, message.ts):
                by_name.setdefault(reaction.name, []).append(reaction.user)
        return [{"name": n, "users": u, "count": len(u)} for n, u in by_name.items()]


def _encode_cursor(ts: str) -> str:
    # Slack's history cursors are base64 of "next_ts:<micros>"; the shape is kept for realism.
    return base64.b64encode(f"next_ts:{ts_micros(ts)}".encode()).decode("ascii")


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, micros = base64.b64decode(cursor).decode("ascii").partition(":")
        if kind != "next_ts":
            raise ValueError(kind)
        return int(micros)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc
