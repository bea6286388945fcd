"""A WebClient that keeps its HTTP connection open between calls.

slack_sdk's own transport opens a new connection for every Web API call (urllib sends
`Connection: close`), which costs a TCP (and TLS) handshake per message: at a few hundred
messages a second that is most of the time spent. This client keeps one connection per thread
and per host and sends every call over it.

A kept connection that the server has closed while idle is noticed before it is used (it reads
as ready with nothing to read) and replaced. A call is never retried here: if a connection
fails during a call the call fails, exactly as with a fresh connection, and the caller decides
(the delivery ledger reconciles a post that may have landed).
"""

from __future__ import annotations

import http.client
import io
import selectors
import threading
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient


class KeptAliveWebClient(WebClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept = threading.local()

    # slack_sdk's hook for the one HTTP exchange of a call (a private method: the version is
    # pinned in requirements.lock, and tests/test_keepalive.py checks the behaviour).
    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        conn = self._connection(parts.scheme, parts.netloc)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(req.get_method(), path, body=req.data, headers=dict(req.header_items()))
            response = conn.getresponse()
            body = response.read()
        except BaseException:
            self._drop()
            raise
        if response.will_close:
            self._drop()
        if response.status >= 400:  # as urlopen does: slack_sdk reads the error from it
            raise HTTPError(
                url, response.status, response.reason, response.headers, io.BytesIO(body)
            )
        charset = response.headers.get_content_charset() or "utf-8"
        return {
            "status": response.status,
            "headers": response.headers,
            "body": body.decode(charset),
        }

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._kept, "conn", None)
        if conn is not None and (self._kept.where != (scheme, netloc) or _closed_by_peer(conn)):
            self._drop()
            conn = None
        if conn is None:
            conn = (
                http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self.ssl)
                if scheme == "https"
                else http.client.HTTPConnection(netloc, timeout=self.timeout)
            )
            self._kept.conn, self._kept.where = conn, (scheme, netloc)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._kept, "conn", None)
        self._kept.conn = None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close this thread's kept connection."""
        self._drop()


def _closed_by_peer(conn: http.client.HTTPConnection) -> bool:
    """An idle kept connection that is readable has been closed by the server (or holds
    bytes nobody asked for): either way it must not carry another request."""
    sock = conn.sock
    if sock is None:
        return False
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(timeout=0))
