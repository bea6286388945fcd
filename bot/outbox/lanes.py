"""Lanes: a batch's Slack calls made a few at a time instead of one after another.

A dispatcher posting one message at a time spends most of a batch waiting on Slack's answers,
and at a workspace's send rate the next post is often due before the last one has answered.
Lanes run the calls on a few threads of the dispatcher's own (each keeps its own connection to
Slack, `handlers/keepalive.py`), while the dispatcher keeps everything else to itself: pacing,
leases and the ledger stay on its thread, and a call is only started when it would have been
started one at a time.

Calls to the same place keep their order: a post waits for the one before it to the same
channel (a DM's reminders in the order claimed; a card before its thread lines in the mentors
channel), so only posts to different places overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Lanes:
    """`width` calls at once (1: each call made on the caller's thread, in turn)."""

    def __init__(self, width: int) -> None:
        if width < 1:
            raise ValueError("a dispatcher needs at least one lane")
        self.width = width
        self._pool: ThreadPoolExecutor | None = None
        self._last: dict[Hashable, Future[object]] = {}

    def map(self, call: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`call` on every item, at once; the results in the items' order. An exception in one
        call is raised here once all have finished."""
        if self.width == 1 or len(items) < 2:
            return [call(item) for item in items]
        futures = [self._executor().submit(call, item) for item in items]
        _wait(futures)
        return [future.result() for future in futures]

    def start(self, place: Hashable, call: Callable[[], R]) -> Future[R]:
        """Start `call` once the last call started for the same `place` has finished."""
        if self.width == 1:
            done: Future[R] = Future()
            done.set_result(call())
            return done
        before = self._last.get(place)
        future = self._executor().submit(_after, before, call)
        self._last[place] = future  # type: ignore[assignment]
        return future

    def finish(self, futures: Sequence[Future[R]]) -> None:
        """Wait for these calls (their exceptions stay in them)."""
        _wait(futures)
        self._last.clear()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.width, thread_name_prefix="matchpath-lane")
        return self._pool


class Abandoned(Exception):
    """Not called: the call before it to the same place raised."""


def _after(before: Future[object] | None, call: Callable[[], R]) -> R:
    # The pool takes calls in the order they were started, so the one waited for here is
    # already running or done: waiting cannot tie up every thread.
    if before is not None and before.exception() is not None:
        raise Abandoned
    return call()


def _wait(futures: Sequence[Future[R]]) -> None:
    for future in futures:
        future.exception()  # blocks until done, raises nothing
