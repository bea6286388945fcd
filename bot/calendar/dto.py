"""What the calendar service hands out: a feed's link, and a feed's events."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class FeedLink(BaseModel):
    """A person's feed. `token` is there only when it was just made (it is never kept)."""

    model_config = ConfigDict(frozen=True)

    token: str | None = None
    created_at: datetime
    last_used_at: datetime | None = None


class CalendarEvent(BaseModel):
    """An all-day event: a due day."""

    model_config = ConfigDict(frozen=True)

    uid: str  # stable for as long as the item lives: a changed date moves the same event
    day: date
    summary: str
    description: str


class Feed(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: int
    events: list[CalendarEvent]
