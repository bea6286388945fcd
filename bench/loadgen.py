"""A closed-loop load generator: N keep-alive HTTP/1.1 connections on 127.0.0.1, each sending
its next signed slash command as soon as the previous one is answered.

One asyncio loop in one thread, so a sample's clock is read as soon as its response arrives
(no thread waiting for the GIL between the socket and the timestamp).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sandbox.signing import slash_command

SECRET = "bench-signing-secret"  # noqa: S105 (a made-up secret shared with the servers)


@dataclass(frozen=True)
class Command:
    kind: str  # assess, profile, help
    user: str  # who types it (the mentee's mentor)
    text: str
    response_url: str

    @property
    def response_id(self) -> str:
        return self.response_url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Sample:
    command: Command
    sent: float  # time.monotonic()
    acked: float
    status: int
    body: bytes


def _request(command: Command, host: str, port: int) -> bytes:
    signed = slash_command(
        SECRET,
        command="/matchpath",
        text=command.text,
        user_id=command.user,
        channel_id="C0GENERAL",
        response_url=command.response_url,
        trigger_id=f"trig.{command.response_id}",
    )
    head = [
        "POST /slack/events HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {len(signed.body)}",
        *(f"{k}: {v}" for k, v in signed.headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + signed.body


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the server keeps the connection open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() != "close"


async def _client(
    host: str, port: int, queue: list[Command], samples: list[Sample], timeout: float
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while queue:
            command = queue.pop()
            request = _request(command, host, port)
            sent = time.monotonic()
            writer.write(request)
            status, body, keep = await asyncio.wait_for(_response(reader), timeout)
            samples.append(Sample(command, sent, time.monotonic(), status, body))
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def _run(
    host: str,
    port: int,
    commands: Sequence[Command],
    concurrency: int,
    sample_every: float,
    sampler: Callable[[], None] | None,
    timeout: float,
) -> list[Sample]:
    queue = list(reversed(commands))
    samples: list[Sample] = []
    clients = [
        asyncio.create_task(_client(host, port, queue, samples, timeout))
        for _ in range(concurrency)
    ]
    if sampler is None:
        await asyncio.gather(*clients)
        return samples
    waiting = asyncio.gather(*clients)
    while not waiting.done():
        sampler()
        await asyncio.wait([waiting], timeout=sample_every)
    waiting.result()
    return samples


def run_load(
    host: str,
    port: int,
    commands: Sequence[Command],
    *,
    concurrency: int = 16,
    sampler: Callable[[], None] | None = None,
    sample_every: float = 0.1,
    timeout: float = 30.0,
) -> list[Sample]:
    """Send every command over `concurrency` connections; samples in completion order.

    `sampler` (if given) is called every `sample_every` seconds while the load runs.
    """
    return asyncio.run(_run(host, port, commands, concurrency, sample_every, sampler, timeout))
