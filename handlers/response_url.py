"""Posts to Slack's response_url over kept-alive connections.

Bolt's `respond` opens a new connection (a TLS handshake, against Slack) for every post; a
command's follow-up reply is the one thing nearly every command sends, so each serving process
keeps one pool of connections instead, shared by its listener threads.

A post is not retried once it may have reached Slack (a second post would show the answer
twice); only a connection that could not be made is tried again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import urllib3

log = logging.getLogger("matchpath.slack")
CONNECT_SECONDS = 10.0
READ_SECONDS = 30.0  # slack_sdk's webhook client waits as long
# As many kept connections per host as Bolt has listener threads (handlers/app.py).
POOL_PER_HOST = 32

_pool = urllib3.PoolManager(
    num_pools=4,
    maxsize=POOL_PER_HOST,
    timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
    retries=urllib3.Retry(total=2, connect=2, read=0, redirect=0, status=0, other=0),
    headers={"Content-Type": "application/json; charset=utf-8"},
)


def post_response(url: str, message: dict[str, Any]) -> int:
    """Post `message` to a response_url; the HTTP status Slack answered with. A status other
    than 200 is logged (Slack took nothing), a connection failure raises urllib3's error."""
    response = _pool.request("POST", url, body=json.dumps(message).encode())
    if response.status != 200:
        # The URL carries a secret of the conversation: its status alone goes to the log.
        log.warning("response_url refused the reply (HTTP %d)", response.status)
    return response.status
