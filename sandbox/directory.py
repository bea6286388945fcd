"""Who and where: the workspace's users, channels and DMs, and which of them can be posted to."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.records import BOT_USER_ID, BOT_USER_NAME, Channel, User
from sandbox.wire import SlackError

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")


def dm_channel_id(user_id: str) -> str:
    """Stable per user, like Slack's: the same D… id every time the DM is opened."""
    return "D" + user_id[1:]


class Directory:
    def __init__(self, *, strict_channels: bool) -> None:
        self._strict = strict_channels
        self.users: dict[str, User] = {
            BOT_USER_ID: User(BOT_USER_ID, "MatchPath", tz="UTC", is_bot=True, name=BOT_USER_NAME)
        }
        self.channels: dict[str, Channel] = {}

    def add_user(self, user: User) -> None:
        if not _USER_ID.fullmatch(user.id):
            raise ValueError(f"{user.id!r} is not a Slack user id (U… or W…)")
        try:
            ZoneInfo(user.tz)  # fail here, not later inside users.info
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{user.tz!r} is not an IANA time zone") from error
        self.users[user.id] = user

    def add_channel(self, channel: Channel) -> None:
        if not _CHANNEL_ID.fullmatch(channel.id) or channel.is_im:
            raise ValueError(f"{channel.id!r} is not a channel id (C… or G…; DMs come from users)")
        self.channels[channel.id] = channel

    def user(self, user_id: str | None) -> User:
        user = self.users.get(user_id or "")
        if user is None:
            raise SlackError("user_not_found")
        return user

    def open_dm(self, user_id: str) -> Channel:
        user = self.user(user_id)
        if user.deleted:
            raise SlackError("user_disabled")
        channel_id = dm_channel_id(user.id)
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = Channel(channel_id, name=user.id, user=user.id)
            self.channels[channel_id] = channel
        return channel

    def existing(self, channel_id: str | None) -> Channel:
        """A conversation that must already exist (reads, updates, deletes)."""
        channel = self.channels.get(channel_id or "")
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def destination(self, target: str | None) -> Channel:
        """Where a new message goes: a channel id, an opened DM, or a user id (meaning their DM).

        A well-formed channel id the test never registered is taken as a public channel the bot
        is in, unless the fake is strict about channels; a malformed one is `channel_not_found`.
        """
        target = target or ""
        if _USER_ID.fullmatch(target):
            if target not in self.users:
                raise SlackError("channel_not_found")  # what Slack says for an unknown user here
            channel = self.open_dm(target)
        elif target in self.channels:
            channel = self.channels[target]
        elif _CHANNEL_ID.fullmatch(target) and not target.startswith("D") and not self._strict:
            channel = Channel(target, name=target.lower(), is_private=target.startswith("G"))
            self.channels[target] = channel
        else:
            raise SlackError("channel_not_found")
        self._check_writable(channel)
        return channel

    def _check_writable(self, channel: Channel) -> None:
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.is_im:
            other = self.users.get(channel.user or "")
            if other is not None and other.is_bot:
                raise SlackError("cannot_dm_bot")
        elif not channel.is_member:
            raise SlackError("not_in_channel")
