"""What one person sees in one conversation, and where a clicked control's blocks live.

A conversation's timeline merges three sources, by time: the messages the bot posted (from the
fake Web API, threads folded under their parent), the ephemerals meant for this person (posted
with `chat.postEphemeral` or to a response_url), and the console's own records (the command the
person typed, the bot's synchronous ack, and the console's notices when something went wrong).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sandbox.demo import PLACES, Person
from sandbox.fake_slack import FakeSlack
from sandbox.records import BOT_USER_ID, JsonObject, Message

HOME = "home"
DM = "dm"
BOT_NAME = "MatchPath"
SANDBOX_NAME = "Sandbox"


class Kind(StrEnum):
    HOME = "home"
    DM = "dm"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Conversation:
    key: str
    name: str
    kind: Kind
    channel_id: str | None  # None for App Home
    private: bool = False
    topic: str = ""


def conversations_for(who: Person, fake: FakeSlack) -> list[Conversation]:
    """App Home, the DM with the bot, and the channels this person is in."""
    found = [
        Conversation(HOME, "Home", Kind.HOME, None, topic="MatchPath's App Home tab"),
        Conversation(
            DM,
            BOT_NAME,
            Kind.DM,
            fake.dm_channel(who.id),
            topic="Direct messages from the bot: reminders, confirmations",
        ),
    ]
    for place in PLACES:
        if place.staff_only and not who.is_staff:
            continue
        found.append(
            Conversation(
                place.id, place.name, Kind.CHANNEL, place.id, place.is_private, place.topic
            )
        )
    return found


class RecordKind(StrEnum):
    COMMAND = "command"  # what the person typed
    ACK = "ack"  # the bot's synchronous answer, shown only to them
    NOTICE = "notice"  # the console explaining a failure


@dataclass(frozen=True)
class Record:
    number: int
    user_id: str
    channel_id: str
    ts: float
    kind: RecordKind
    text: str
    blocks: list[JsonObject] | None = None


class ConsoleLog:
    """The console's own entries in conversations; thread-safe, in memory only."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._records: list[Record] = []
        self._numbers = itertools.count(1)

    def add(
        self,
        user_id: str,
        channel_id: str,
        kind: RecordKind,
        text: str,
        blocks: list[JsonObject] | None = None,
    ) -> Record:
        with self._lock:
            record = Record(
                next(self._numbers), user_id, channel_id, self._clock(), kind, text, blocks
            )
            self._records.append(record)
            return record

    def get(self, number: int) -> Record | None:
        with self._lock:
            return next((r for r in self._records if r.number == number), None)

    def conversation(self, user_id: str, channel_id: str) -> list[Record]:
        with self._lock:
            return [r for r in self._records if (r.user_id, r.channel_id) == (user_id, channel_id)]


class ItemKind(StrEnum):
    MESSAGE = "message"
    EPHEMERAL = "ephemeral"
    COMMAND = "command"
    NOTICE = "notice"


@dataclass(frozen=True)
class Attached:
    """A file shared in a message, as the console offers it for download."""

    id: str
    name: str
    title: str
    size: int


@dataclass(frozen=True)
class Item:
    key: str
    ts: float
    kind: ItemKind
    author: str
    text: str
    blocks: list[JsonObject] | None
    source: str  # the address a click in it carries: see `locate`
    replies: tuple[Item, ...] = field(default_factory=tuple)
    edited: bool = False
    files: tuple[Attached, ...] = ()

    def count(self) -> int:
        return 1 + len(self.replies)


def items(
    fake: FakeSlack,
    log: ConsoleLog,
    user_id: str,
    conversation: Conversation,
    names: Callable[[str], str | None],
) -> list[Item]:
    channel = conversation.channel_id
    if channel is None:
        return []
    found = _messages(fake.messages(channel), names)
    for ephemeral in fake.ephemerals:
        if ephemeral.channel == channel and ephemeral.user == user_id:
            found.append(
                Item(
                    key=f"e{ephemeral.message_ts}",
                    ts=float(ephemeral.message_ts),
                    kind=ItemKind.EPHEMERAL,
                    author=BOT_NAME,
                    text=ephemeral.text,
                    blocks=ephemeral.blocks,
                    source=f"e|{ephemeral.message_ts}",
                )
            )
    for record in log.conversation(user_id, channel):
        found.append(_record_item(record))
    return sorted(found, key=lambda item: item.ts)


def count(found: Sequence[Item]) -> int:
    return sum(item.count() for item in found)


def _messages(messages: list[Message], names: Callable[[str], str | None]) -> list[Item]:
    def item(message: Message) -> Item:
        author = BOT_NAME if message.user == BOT_USER_ID else names(message.user) or message.user
        return Item(
            key=f"m{message.channel}-{message.ts}",
            ts=float(message.ts),
            kind=ItemKind.MESSAGE,
            author=author,
            text=message.text,
            blocks=message.blocks,
            source=f"m|{message.channel}|{message.ts}",
            edited=message.edited_ts is not None,
            files=tuple(_attached(f) for f in message.files or []),
        )

    replies: dict[str, list[Item]] = {}
    for message in messages:
        if message.thread_ts is not None and message.thread_ts != message.ts:
            replies.setdefault(message.thread_ts, []).append(item(message))
    top = []
    for message in messages:
        if message.thread_ts is None or message.thread_ts == message.ts:
            top.append(replace(item(message), replies=tuple(replies.pop(message.ts, []))))
    # A reply whose parent is gone (deleted) still shows, at its own time.
    top += [orphan for orphans in replies.values() for orphan in orphans]
    return top


def _attached(shared: JsonObject) -> Attached:
    name = str(shared.get("name") or "file")
    return Attached(
        str(shared.get("id")), name, str(shared.get("title") or name), int(shared.get("size") or 0)
    )


def shared_file(fake: FakeSlack, file_id: str, channels: set[str]) -> Attached | None:
    """The file if it was shared in one of `channels` (the ones the person is in)."""
    for channel in channels:
        for message in fake.messages(channel):
            for shared in message.files or []:
                if shared.get("id") == file_id:
                    return _attached(shared)
    return None


def _record_item(record: Record) -> Item:
    if record.kind is RecordKind.COMMAND:
        kind, author = ItemKind.COMMAND, "You"
    elif record.kind is RecordKind.ACK:
        kind, author = ItemKind.EPHEMERAL, BOT_NAME
    else:
        kind, author = ItemKind.NOTICE, SANDBOX_NAME
    return Item(
        key=f"r{record.number}",
        ts=record.ts,
        kind=kind,
        author=author,
        text=record.text,
        blocks=record.blocks,
        source=f"a|{record.number}",
    )


# -- where a clicked control's blocks live ------------------------------------------------------


@dataclass(frozen=True)
class Located:
    blocks: list[JsonObject]
    channel_id: str | None = None
    message_ts: str | None = None
    message: JsonObject | None = None
    view: JsonObject | None = None


def locate(
    fake: FakeSlack, log: ConsoleLog, user_id: str, source: str, channels: set[str]
) -> Located | None:
    """The blocks at `source` if this person can see them (`channels`: the ones they are in)."""
    kind, _, rest = source.partition("|")
    if kind == "m":
        channel, _, ts = rest.partition("|")
        if channel not in channels:
            return None
        message = next((m for m in fake.messages(channel) if m.ts == ts), None)
        if message is None:
            return None
        shown: JsonObject = {"type": "message", "ts": message.ts, "text": message.text}
        if message.blocks is not None:
            shown["blocks"] = message.blocks
        return Located(message.blocks or [], channel, message.ts, shown)
    if kind == "e":
        ephemeral = next(
            (e for e in fake.ephemerals if e.message_ts == rest and e.user == user_id), None
        )
        if ephemeral is None:
            return None
        shown = {"type": "message", "ts": ephemeral.message_ts, "text": ephemeral.text}
        return Located(ephemeral.blocks or [], ephemeral.channel, ephemeral.message_ts, shown)
    if kind == "a" and rest.isdigit():
        record = log.get(int(rest))
        if record is None or record.user_id != user_id or not record.blocks:
            return None
        return Located(record.blocks, record.channel_id, None, None)
    if kind == "v":
        view = fake.views.get(rest)
        if view is None or view.user_id != user_id:
            return None
        return Located(view.blocks, None, None, None, view.payload)
    return None
