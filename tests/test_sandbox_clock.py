"""The simulated clock and the bot's clock agree: what the console writes, the bot reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import OffsetFileClock
from sandbox.simclock import ClockError, SimulatedClock


def test_the_bots_clock_follows_every_move(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    console, bot = SimulatedClock(path), OffsetFileClock(path)
    console.reset()
    assert abs(bot.now() - console.now()) < timedelta(seconds=1)
    for _ in range(5):  # quick successive moves: each one must be seen, none merged
        console.advance(timedelta(hours=1))
        assert abs(bot.now() - console.now()) < timedelta(seconds=1)
    assert console.offset == timedelta(hours=5)
    assert SimulatedClock(path).offset == timedelta(hours=5)  # kept for the next run


def test_time_only_moves_forward_and_not_too_far(tmp_path: Path) -> None:
    clock = SimulatedClock(tmp_path / "clock")
    with pytest.raises(ClockError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ClockError, match="at most"):
        clock.advance(timedelta(days=1000))


def test_a_garbled_clock_file_is_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    path.write_text("soon")
    with pytest.raises(ClockError, match="--fresh"):
        SimulatedClock(path)
