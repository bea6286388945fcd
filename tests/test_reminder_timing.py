"""Send times: local hour, quiet hours, weekends, and DST, for any zone and day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reminders.timing import SendWindow, next_allowed, send_instant

ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "UTC",
    "America/Los_Angeles",
]
windows = st.builds(
    SendWindow,
    tz=st.sampled_from(ZONES),
    quiet_start=st.integers(0, 1439),
    quiet_end=st.integers(0, 1439),
    quiet_weekends=st.booleans(),
)


@given(st.dates(date(2024, 1, 1), date(2030, 12, 31)), windows, st.integers(0, 1439))
@settings(max_examples=2000, deadline=None)
def test_send_instant_respects_the_window(day: date, window: SendWindow, minute: int) -> None:
    at = send_instant(day, window, minute)
    assert at.tzinfo == UTC
    local = at.astimezone(ZoneInfo(window.tz))
    assert local.date() >= day
    assert local.date() - day <= timedelta(days=4)
    if window.quiet_weekends:
        assert local.weekday() < 5
    assert not window.is_quiet(local.hour * 60 + local.minute) or _whole_day_quiet(window)
    assert send_instant(day, window, minute) == at  # deterministic


def _whole_day_quiet(window: SendWindow) -> bool:
    return all(window.is_quiet(m) for m in range(0, 1440, 30))


@pytest.mark.parametrize(
    ("tz", "day", "minute", "expected"),
    [
        # New York springs forward on 2026-03-08: 02:30 does not exist, 03:00 EDT does.
        ("America/New_York", date(2026, 3, 8), 150, datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        # ...and falls back on 2026-11-01: 01:30 happens twice; the first (EDT) is used, once.
        ("America/New_York", date(2026, 11, 1), 90, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # London springs forward on 2026-03-29 at 01:00.
        ("Europe/London", date(2026, 3, 29), 60 + 15, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("Europe/London", date(2026, 3, 30), 540, datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
        ("Asia/Kolkata", date(2026, 3, 30), 540, datetime(2026, 3, 30, 3, 30, tzinfo=UTC)),
    ],
)
def test_dst_edges(tz: str, day: date, minute: int, expected: datetime) -> None:
    assert send_instant(day, SendWindow(tz, 0, 0, False), minute) == expected


def test_quiet_hours_and_weekends() -> None:
    window = SendWindow("America/New_York", 20 * 60, 8 * 60, True)
    friday_late = send_instant(date(2026, 3, 6), window, 21 * 60)
    assert friday_late == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # Monday 08:00 EDT
    saturday = send_instant(date(2026, 3, 7), window, 9 * 60)
    assert saturday == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday 09:00 EDT
    early = send_instant(date(2026, 3, 10), window, 6 * 60)
    assert early == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the quiet hours end at 08:00


def test_a_late_reminder_waits_for_the_quiet_hours_to_end() -> None:
    window = SendWindow("Europe/London", 20 * 60, 8 * 60, True)
    night = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # Tuesday 23:00 GMT
    assert next_allowed(night, window, 540) == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    afternoon = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert next_allowed(afternoon, window, 540) == afternoon
    sunday = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
    assert next_allowed(sunday, window, 540) == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
