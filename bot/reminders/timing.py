"""When, in UTC, a reminder for someone's local day goes out.

At the configured local hour, never in their quiet hours or (if they chose so) at weekends, and
right across DST: a local time that does not exist that day moves to the next minute that does;
a local time that happens twice is taken at its first occurrence, so it is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timezones import zone_or_utc

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class SendWindow:
    tz: str
    quiet_start: int  # minute of the day
    quiet_end: int
    quiet_weekends: bool

    def zone(self) -> ZoneInfo:
        return zone_or_utc(self.tz)

    def is_quiet(self, minute: int) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end


def send_instant(local_day: date, window: SendWindow, send_minute: int) -> datetime:
    """The UTC instant for a reminder meant for `local_day` in the recipient's zone."""
    day, minute = local_day, send_minute
    for _ in range(16):  # a weekend plus quiet hours can never push further than this
        if window.quiet_weekends and day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
            continue
        if window.is_quiet(minute):
            if window.quiet_start > window.quiet_end and minute >= window.quiet_start:
                day += timedelta(days=1)
            minute = window.quiet_end
            continue
        return _resolve(day, minute, window.zone())
    return _resolve(day, minute, window.zone())


def _resolve(day: date, minute: int, zone: ZoneInfo) -> datetime:
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    for step in range(4 * 60):
        local = wall + timedelta(minutes=step)
        aware = local.replace(tzinfo=zone, fold=0)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local:
            return aware.astimezone(UTC)
    return wall.replace(tzinfo=zone).astimezone(UTC)  # no zone has a gap this long


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(zone_or_utc(tz)).date()


def next_allowed(now: datetime, window: SendWindow, send_minute: int) -> datetime:
    """`now` if a reminder may go out now, else the next moment it may: a late reminder that is
    caught up still respects quiet hours (it goes when they end) and weekends (Monday, at the
    send hour)."""
    local = now.astimezone(window.zone())
    minute = local.hour * 60 + local.minute
    if window.quiet_weekends and local.weekday() >= 5:
        return send_instant(local.date(), window, send_minute)
    if not window.is_quiet(minute):
        return now
    return max(send_instant(local.date(), window, minute), now)
