"""`/matchpath calendar`: a person's feed link, shown once and to them alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.blocks.kit import context, message, section

HOW_TO_SUBSCRIBE = (
    "Add it to your calendar as a subscription, not a download: Google Calendar, *Other "
    "calendars → From URL*; Outlook, *Add calendar → Subscribe from web*; Apple Calendar, "
    "*File → New Calendar Subscription*. Calendars fetch it again every few hours."
)
KEEP_IT_PRIVATE = (
    "Anyone with this link sees these dates and names: keep it to yourself. "
    "`/matchpath calendar reset` makes a new link and stops this one; "
    "`/matchpath calendar off` stops it."
)


def calendar_link_message(url: str, *, reset: bool) -> dict[str, Any]:
    what = "Your new calendar link" if reset else "Your calendar link"
    blocks = [
        section(
            f"*{what}* (your MatchPath milestones and check-in due dates):\n```{url}```\n"
            "MatchPath shows it this once: copy it now."
        ),
        context(HOW_TO_SUBSCRIBE),
        context(KEEP_IT_PRIVATE),
    ]
    if reset:
        blocks.insert(1, context("The link you had before no longer opens anything."))
    return message(blocks, f"{what}: {url}", escaped=True)


def calendar_known_message(created_at: datetime, last_used_at: datetime | None) -> dict[str, Any]:
    used = (
        f"last fetched {last_used_at:%Y-%m-%d}" if last_used_at else "not fetched by a calendar yet"
    )
    text = (
        f"You have a calendar link already (made {created_at:%Y-%m-%d}, {used}). MatchPath keeps "
        "only a fingerprint of it, so it cannot show it again: `/matchpath calendar reset` makes "
        "a new one (the old one stops working), `/matchpath calendar off` stops it."
    )
    return message([section(text)], text, escaped=True)


def calendar_off_message(was_on: bool) -> dict[str, Any]:
    text = (
        "Your calendar link is off: it opens nothing now. `/matchpath calendar` makes a new one."
        if was_on
        else "You have no calendar link, so there was nothing to switch off."
    )
    return message([section(text)], text, escaped=True)
