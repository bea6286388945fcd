"""What an attacker can send to /slack/events, over HTTP to the real `matchpath serve` process:
oversized bodies (with a length, and chunked with none) are refused with 413 before they are
read whole, a refused body never reaches the log, and any signature or timestamp header gets 401
(200 only with Slack's signature), never a 500, and writes nothing."""

from __future__ import annotations

import http.client
import select
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select as sql_select

from bot.access import Actor
from bot.db.base import Base
from bot.db.engine import Database
from bot.roster.service import import_roster, parse_roster
from sandbox.fake_slack import FakeSlack
from sandbox.signing import command_fields, compute_signature
from tests.botproc import ROOT, SECRET, BotProcess
from tests.conftest import NOW
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
HUNDRED_MB = 100 * 1024 * 1024
PIECE = 64 * 1024


@pytest.fixture(scope="module")
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        import_roster(
            session,
            actor=Actor.system(NOW),
            roster=parse_roster((ROOT / "examples" / "roster.json").read_text()),
        )
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def bot(
    db: Database, db_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    with FakeSlack() as fake:
        fake.add_user("UMENTOR01", "Dr. Grace Whitfield")
        fake.add_channel("C0GENERAL", "general")
        process = BotProcess(fake, db.url, workdir=tmp_path_factory.mktemp("limits")).start()
        yield process
        process.stop()


def rows(db: Database) -> dict[str, int]:
    with db.read_only() as session:
        return {
            name: session.scalar(sql_select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
            if name != "seen_request"
        }


def rss_kib(bot: BotProcess) -> int:
    assert bot.process is not None
    status = Path(f"/proc/{bot.process.pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


def push(bot: BotProcess, head: bytes, body: Iterator[bytes]) -> tuple[bytes, int, float]:
    """Send the head, then the body as fast as the server takes it, until the server answers.
    Returns the answer, how many body bytes went out before it, and the seconds it took."""
    started = time.monotonic()
    sent, answer, pending = 0, b"", b""
    with socket.create_connection(("127.0.0.1", bot.port), timeout=30) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        while b"\r\n\r\n" not in answer and time.monotonic() - started < 60:
            if not pending:
                pending = next(body, b"")
            readable, writable, _ = select.select([conn], [conn] if pending else [], [], 1)
            try:
                if readable:
                    data = conn.recv(65536)
                    if not data:
                        break
                    answer += data
                elif writable:
                    count = conn.send(pending)
                    sent, pending = sent + count, pending[count:]
            except (BrokenPipeError, ConnectionResetError):
                break
    return answer, sent, time.monotonic() - started


def _head(framing: str) -> bytes:
    return (
        "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'0' * 64}\r\n"
        f"{framing}\r\n\r\n"
    ).encode()


def _plain(total: int) -> Iterator[bytes]:
    piece = b"text=" + b"A" * (PIECE - 5)
    for _ in range(total // PIECE):
        yield piece


def _chunked(total: int) -> Iterator[bytes]:
    data = b"B" * PIECE
    for _ in range(total // PIECE):
        yield f"{PIECE:x}\r\n".encode() + data + b"\r\n"
    yield b"0\r\n\r\n"


@pytest.mark.parametrize(
    ("framing", "body"),
    [
        (f"Content-Length: {HUNDRED_MB}", _plain),
        ("Transfer-Encoding: chunked", _chunked),
    ],
    ids=["content-length", "chunked"],
)
def test_an_oversized_body_is_refused_before_it_is_read(
    bot: BotProcess, framing: str, body: Callable[[int], Iterator[bytes]]
) -> None:
    log_before, rss_before = bot.log_path.stat().st_size, rss_kib(bot)
    for _ in range(3):
        answer, sent, seconds = push(bot, _head(framing), body(HUNDRED_MB))
        # The server closes with our body still arriving, so its reset can reach us before
        # we read the 413 it sent (TCP discards it): an empty answer is that race, tried again.
        if answer:
            break
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < 8 * 1024 * 1024, "the server read far past its limit"
    assert seconds < 10
    time.sleep(0.5)  # let anything the server would log about it reach the file
    assert bot.log_path.stat().st_size - log_before < 4096
    assert rss_kib(bot) - rss_before < 16 * 1024  # KiB: far below the 100 MB sent
    assert bot.health()[0] == 200


def test_a_refused_body_never_reaches_the_log(bot: BotProcess, db: Database) -> None:
    marker = f"secret-profile-{uuid.uuid4().hex}"
    fields = command_fields(
        command="/matchpath", text=marker * 20_000, user_id="UMENTOR01", channel_id="C0GENERAL"
    )
    body = urlencode(fields).encode()
    assert 500_000 < len(body) < 1024 * 1024
    before = rows(db)
    status = _post(bot, body, {"X-Slack-Request-Timestamp": str(int(time.time()))})
    assert status == 401
    assert marker not in bot.log()
    assert rows(db) == before


# -- the signature headers, fuzzed -------------------------------------------------------------

# Whatever a header can carry on the wire (HTTP/1.1 header values are latin-1; CR and LF would end
# the header, and the client refuses them).
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)
# Each header is, half the time, Slack's own (a fresh timestamp; the signature over it and the
# body), so that about a quarter of the requests are authentic; otherwise one of these.
timestamps = st.one_of(
    st.none(),  # left out
    header_values,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.integers(min_value=301, max_value=10**6).map(lambda ago: str(int(time.time()) - ago)),
    st.sampled_from([" NOW", "NOW.0", "+NOW", "NOW\t", "0x10", "1e9", "١٢٣"]),
)
signatures = st.one_of(
    st.none(),
    header_values,
    st.sampled_from(["VALID_UPPER", "VALID_FLIPPED", "VALID_PADDED"]),
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64).map(lambda h: "v0=" + h),
)


@given(
    slack_timestamp=st.booleans(),
    timestamp=timestamps,
    slack_signature=st.booleans(),
    signature=signatures,
)
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_signature_headers_get_401_unless_slack_signed(
    bot: BotProcess,
    db: Database,
    slack_timestamp: bool,
    timestamp: str | None,
    slack_signature: bool,
    signature: str | None,
) -> None:
    now = str(int(time.time()))
    ts = now if slack_timestamp else timestamp and timestamp.replace("NOW", now)
    fields = command_fields(
        command="/matchpath",
        text=f"help {uuid.uuid4().hex}",  # a new body each time: a valid signature is used once
        user_id="UMENTOR01",
        channel_id="C0GENERAL",
    )
    body = urlencode(fields).encode()
    # HTTP drops the blanks around a header's value: Slack's signature is over what is left.
    sent_ts = (ts or "").strip(" \t")
    valid = compute_signature(SECRET, sent_ts, body)
    sig = (
        valid
        if slack_signature
        else {
            "VALID_UPPER": valid.upper(),
            "VALID_FLIPPED": valid[:-1] + ("0" if valid[-1] != "0" else "1"),
            "VALID_PADDED": valid + " x",
        }.get(signature or "", signature)
    )
    headers = {}
    if ts is not None:
        headers["X-Slack-Request-Timestamp"] = ts
    if sig is not None:
        headers["X-Slack-Signature"] = sig
    log_before = bot.log_path.stat().st_size
    before = rows(db)
    status = _post(bot, body, headers)
    authentic = ts is not None and sent_ts == now and sig == valid
    event("signed by Slack" if authentic else "forged")
    assert status == (200 if authentic else 401), (ts, sig)
    assert rows(db) == before
    grown = bot.log_path.read_bytes()[log_before:].decode(errors="replace")
    assert " ERROR " not in grown
    assert "Traceback" not in grown


def _post(bot: BotProcess, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=10)
    try:
        conn.putrequest("POST", "/slack/events")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(len(body)))
        for name, value in headers.items():
            conn.putheader(name, value.encode())  # any bytes, not only latin-1
        conn.endheaders(body)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
