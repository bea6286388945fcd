"""What a graceful stop needs: a gate that turns new requests away while the ones inside finish,
and Bolt's listener pool, which says when the work after each ack (the follow-up replies) is done.
"""

from __future__ import annotations

import contextvars
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from types import FrameType
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("matchpath.serve")


def wait_for_stop_signal(stopping: threading.Event) -> None:
    """Block until SIGTERM or SIGINT (Ctrl-C), which sets `stopping`."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    while not stopping.wait(0.5):
        pass


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
    this pool to be idle, not only for the HTTP requests.

    Each task runs in a copy of the context it was submitted from (the request's thread), so
    what the request's middleware left for its follow-up goes with it; `settle`, if given, runs
    in that copy once the task is done (the replay guard's claim that no write took)."""

    def __init__(self, max_workers: int, settle: Callable[[], object] | None = None) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._changed = threading.Condition()
        self._pending = 0
        self._settle = settle

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._changed:
            self._pending += 1
        context = contextvars.copy_context()

        def in_context() -> T:
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                if self._settle is not None:
                    context.run(self._settle)

        try:
            future = super().submit(in_context)
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
