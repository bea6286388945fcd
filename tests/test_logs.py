"""The log filter on every handler (bot/logs.py): what it lets through, and what it takes out."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import LogHygiene

SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"


def write(name: str, level: int, message: str, *args: object) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(LogHygiene(hidden=[SIGNING_SECRET]))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        logger.log(level, message, *args)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        logger.propagate = True
    return out.getvalue()


def test_the_signature_checks_line_loses_the_request() -> None:
    line = write(
        "slack_bolt.RequestVerification",
        logging.INFO,
        "Invalid request signature detected (signature: v0=ab, timestamp: 1, body: text=notes)",
    )
    assert "notes" not in line
    assert "refused a request" in line


@pytest.mark.parametrize(
    "name", ["slack_sdk.web.base_client", "urllib3.connectionpool", "app.py", "matchpath.bolt"]
)
def test_libraries_say_nothing_below_info(name: str) -> None:
    assert write(name, logging.DEBUG, "Received the following response - body: %s", "a card") == ""
    assert write(name, logging.INFO, "serving") == "serving\n"


def test_our_own_debug_lines_pass() -> None:
    assert write("matchpath.ticker", logging.DEBUG, "tick") == "tick\n"


def test_tokens_and_secrets_are_redacted_in_messages_and_tracebacks() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(LogHygiene(hidden=[SIGNING_SECRET]))
    logger = logging.getLogger("matchpath.hygiene-test")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad secret {SIGNING_SECRET}")
        except ValueError:
            logger.exception("token %s", "xoxb-123-456-abcDEF")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "Traceback" in text
    assert SIGNING_SECRET not in text
    assert "xoxb-123" not in text
    assert text.count("[redacted]") == 2
