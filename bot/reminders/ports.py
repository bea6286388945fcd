"""What the reminders need from Slack: a person's DM (`DirectMessages`), and what a reminder
says (`Notice`, its buttons and their `Intent`). The Slack adapter is handlers/notifier.py."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.outbox.outcomes import Failure, Outcome


class Intent(StrEnum):
    """What a button on a reminder does; the Slack adapter maps it to an action id."""

    MILESTONE_DONE = "milestone_done"
    MILESTONE_SNOOZE = "milestone_snooze"
    FLAG_SNOOZE = "flag_snooze"
    RECORD_CHECKIN = "record_checkin"
    OPEN_PROFILE = "open_profile"
    ASSESS = "assess"


class NoticeButton(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    intent: Intent
    mentee: str | None = None  # Slack user id
    subject: int | None = None  # milestone or flag id


class Notice(BaseModel):
    """What a reminder says: a title, the facts, why it matters (the rule), and buttons."""

    model_config = ConfigDict(frozen=True)

    kind: str
    title: str
    lines: list[str]
    why: str
    rule: str | None
    buttons: list[NoticeButton] = []


class DirectMessages(Protocol):
    """Slack as the reminders see it: people and their DMs."""

    def open_dm(self, slack_user_id: str) -> str | Failure:
        """The DM channel id with this user (conversations.open)."""
        ...

    def post(self, channel: str, notice: Notice, dedupe_key: str) -> Outcome:
        """Post once, with message metadata carrying the dedupe key."""
        ...

    def find_posted(self, channel: str, dedupe_key: str, since: datetime) -> str | Failure | None:
        """The ts of a message carrying this dedupe key posted since `since`, if any."""
        ...

    def user_zone(self, slack_user_id: str) -> tuple[str | None, str | None] | Failure:
        """The user's IANA time zone and real name from Slack (`users.info`)."""
        ...
