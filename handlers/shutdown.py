"""What a graceful stop needs: a gate that turns new requests away while the ones inside finish,
and Bolt's listener pool, which says when the work after each ack (the follow-up replies) is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Deadline:
    """The one time bound of a shutdown, shared by its steps."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._at - time.monotonic())


class Gate:
    """Counts the requests being handled; once closed, lets no new one in."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._inside = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @contextmanager
    def passage(self) -> Iterator[bool]:
        """Yields whether the request may go ahead (False once the gate is closed)."""
        with self._changed:
            admitted = not self._closed
            self._inside += admitted
        try:
            yield admitted
        finally:
            if admitted:
                with self._changed:
                    self._inside -= 1
                    self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True

    def wait_empty(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._inside == 0, timeout)

    @property
    def inside(self) -> int:
        return self._inside


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor. A listener acks, and then its follow-up (the reply through
    response_url, a modal) runs on here after the HTTP answer has gone: so a stop waits for
    this pool to be idle, not only for the HTTP requests."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._changed = threading.Condition()
        self._pending = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._changed:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[T] | None) -> None:
        with self._changed:
            self._pending -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)

    @property
    def pending(self) -> int:
        return self._pending
