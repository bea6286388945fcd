"""A TCP proxy a test can cut and restore: the database "disappears" for the process behind it
(open connections die, new ones are refused) without stopping the shared PostgreSQL server.

`RoundRobinProxy` is the reverse proxy of the deployment (deploy/Caddyfile) in miniature: each
new connection goes to the next of several upstreams, and one that refuses the connection is
skipped for the next, so a request that never reached a replica is tried on another."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections import Counter
from types import TracebackType


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = _free_port()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._stop = threading.Event()

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and kill the open ones, as a stopped server would."""
        with self._lock:
            if self._listener is not None:
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = self._connect()
            if upstream is None:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def _connect(self) -> socket.socket | None:
        try:
            return socket.create_connection(self.target, timeout=5)
        except OSError:
            return None


class RoundRobinProxy(TcpProxy):
    """Each new connection to the next upstream in turn; `connections` counts them per port."""

    def __init__(self, targets: list[tuple[str, int]]) -> None:
        super().__init__(*targets[0])
        self.targets = targets
        self._turn = itertools.cycle(range(len(targets)))
        self.connections: Counter[int] = Counter()

    def _connect(self) -> socket.socket | None:
        with self._lock:
            first = next(self._turn)
        for step in range(len(self.targets)):
            host, port = self.targets[(first + step) % len(self.targets)]
            try:
                upstream = socket.create_connection((host, port), timeout=5)
            except OSError:
                continue  # not listening (stopping, restarting): the next one
            with self._lock:
                self.connections[port] += 1
            return upstream
        return None


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
