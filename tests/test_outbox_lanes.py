"""Lanes: a batch's Slack calls several at once, in order for the same place."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db.engine import Database
from bot.outbox.lanes import Abandoned, Lanes
from sandbox.fake_slack import FakeSlack
from sandbox.ids import ts_micros
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory
from tests.reminder_world import world

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_map_runs_the_calls_at_once_and_keeps_their_order() -> None:
    lanes = Lanes(4)
    together = threading.Barrier(4, timeout=5)  # broken unless four calls overlap

    def call(n: int) -> int:
        together.wait()
        return n * 10

    try:
        assert lanes.map(call, [1, 2, 3, 4]) == [10, 20, 30, 40]
    finally:
        lanes.close()


def test_one_lane_calls_on_the_callers_thread() -> None:
    lanes = Lanes(1)
    me = threading.get_ident()
    assert lanes.map(lambda _: threading.get_ident(), [1, 2]) == [me, me]
    assert lanes.start("C1", threading.get_ident).result() == me


def test_calls_to_different_places_overlap() -> None:
    lanes = Lanes(3)
    together = threading.Barrier(3, timeout=5)
    try:
        futures = [lanes.start(place, together.wait) for place in ("C1", "C2", "C3")]
        lanes.finish(futures)
        assert all(f.exception() is None for f in futures)
    finally:
        lanes.close()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["C1", "C2", "C3", None]), min_size=1, max_size=25))
def test_calls_to_the_same_place_keep_their_order(places: list[str | None]) -> None:
    lanes = Lanes(4)
    log: list[tuple[str | None, int]] = []
    lock = threading.Lock()

    def call(place: str | None, n: int) -> None:
        time.sleep(0.001 * (n % 3))  # later calls sometimes quicker
        with lock:
            log.append((place, n))

    try:
        futures = [lanes.start(p, partial(call, p, n)) for n, p in enumerate(places)]
        lanes.finish(futures)
    finally:
        lanes.close()
    assert sorted(n for _, n in log) == list(range(len(places)))  # each call made once
    for place in set(places):
        mine = [n for p, n in log if p == place]
        assert mine == sorted(mine)
        assert len(mine) == places.count(place)


def test_a_call_that_raises_abandons_the_later_ones_to_its_place() -> None:
    lanes = Lanes(2)
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("slack fell over")

    try:
        first = lanes.start("C1", boom)
        second = lanes.start("C1", lambda: ran.append("C1 after"))
        other = lanes.start("C2", lambda: ran.append("C2"))
        lanes.finish([first, second, other])
    finally:
        lanes.close()
    assert isinstance(first.exception(), RuntimeError)
    assert isinstance(second.exception(), Abandoned)
    assert other.exception() is None
    assert ran == ["C2"]


def test_map_raises_once_every_call_has_finished() -> None:
    lanes = Lanes(2)
    finished: list[int] = []

    def call(n: int) -> int:
        if n == 0:
            raise ValueError("no")
        time.sleep(0.05)
        finished.append(n)
        return n

    try:
        with pytest.raises(ValueError, match="no"):
            lanes.map(call, [0, 1, 2])
    finally:
        lanes.close()
    assert sorted(finished) == [1, 2]


def test_no_lanes_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one lane"):
        Lanes(0)


def test_finish_waits_for_calls_still_running() -> None:
    lanes = Lanes(2)
    release = threading.Event()
    try:
        slow: Future[bool] = lanes.start("C1", lambda: release.wait(5))
        threading.Timer(0.05, release.set).start()
        lanes.finish([slow])
        assert slow.done()
        assert slow.result() is True
    finally:
        lanes.close()


# -- in the dispatcher --------------------------------------------------------------------------

DELAY = 1.0  # seconds each post waits in the fake before it lands


@pytest.fixture
def due(db_factory: DatabaseFactory) -> Iterator[tuple[Database, list[str]]]:
    db = Database(db_factory.new())
    users = seed_due_milestones(
        db, count=8, due_on=NOON.date(), now=NOON - timedelta(days=30), prefix="ULANE"
    )
    yield db, users
    db.dispose()


def test_a_batch_posts_on_several_lanes_its_first_post_alone(
    due: tuple[Database, list[str]],
) -> None:
    db, users = due
    with FakeSlack() as fake:
        for user in users:
            fake.add_user(user, user, tz="UTC")
        fake.fail_next("chat.postMessage", "slow", delay=DELAY, times=len(users))
        w = world(db, fake, NOON)
        report = w.sweep()
        landed = sorted(ts_micros(m.ts) / 1e6 for m in fake.messages())
        keys = w.accepted_keys()
    assert report.dispatch is not None
    assert report.dispatch.sent == len(users)
    assert len(keys) == len(users)
    assert max(keys.values()) == 1
    gaps = [b - a for a, b in itertools.pairwise(landed)]
    # Posting one at a time, each lands at least DELAY after the one before. The batch's first
    # post goes alone, so the second lands a whole DELAY after it; after that, lanes overlap.
    assert gaps[0] >= DELAY * 0.95
    assert min(gaps[1:]) < DELAY / 2
