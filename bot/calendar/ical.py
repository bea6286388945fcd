"""A feed as an iCalendar file (RFC 5545), written by the `icalendar` library."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event, vDuration

from bot.calendar.dto import Feed

PRODUCT = "-//MatchPath//Milestones and check-ins//EN"
NAME = "MatchPath"
REFRESH = timedelta(hours=6)  # how often a calendar application is asked to fetch it again


def render_feed(feed: Feed, *, now: datetime) -> bytes:
    """All-day events; each UID names the item and the feed's person, so that two feeds in one
    calendar application never merge, and a moved due date moves the same event."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", NAME)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for item in feed.events:
        event = Event()
        event.add("uid", f"{item.uid}.{feed.person_id}@matchpath")
        event.add("dtstamp", now)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("transp", "TRANSPARENT")  # a due day, not a busy time
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
