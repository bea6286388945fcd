"""The log filter on every handler (bot/logs.py): what it lets through, and what it takes out."""

from __future__ import annotations

import io
import json
import logging
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.logs import (
    IncidentFiles,
    JsonLines,
    LogHygiene,
    LogStream,
    TextLines,
    configure_logging,
)

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


def test_a_traceback_goes_to_an_incident_file_and_the_log_keeps_one_line(tmp_path: Path) -> None:
    """What reaches the stream (the operator's terminal, for a command) is one line naming the
    exception and the private file that holds its traceback, secrets redacted there too."""
    folder = tmp_path / "incidents"
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(LogHygiene(hidden=[SIGNING_SECRET], incidents=IncidentFiles(folder)))
    logger = logging.getLogger("matchpath.incident-test")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad secret {SIGNING_SECRET}")
        except ValueError:
            logger.exception("unexpected error (incident %s)", "abc123")
    finally:
        logger.removeHandler(handler)
    line = out.getvalue()
    assert line.count("\n") == 1
    assert "Traceback" not in line
    assert line.startswith("unexpected error (incident abc123) [ValueError; traceback in ")
    [kept] = list(folder.iterdir())
    assert str(kept) in line
    text = kept.read_text()
    assert "Traceback (most recent call last)" in text
    assert "ValueError: bad secret [redacted]" in text
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_folder_that_cannot_be_written_still_gives_one_line(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(LogHygiene(incidents=IncidentFiles(blocked / "incidents")))
    logger = logging.getLogger("matchpath.incident-test")
    logger.addHandler(handler)
    try:
        try:
            raise KeyError("x")
        except KeyError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().startswith("failed [KeyError; traceback not kept: ")
    assert out.getvalue().count("\n") == 1


def test_configured_logging_never_writes_a_traceback_to_stderr(tmp_path: Path) -> None:
    """The set-up every command uses, in a process of its own."""
    script = (
        "import logging\n"
        "from pathlib import Path\n"
        "from bot.logs import configure_logging\n"
        f"configure_logging(incident_dir=Path({str(tmp_path)!r}))\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('matchpath.cli').exception('unexpected error (incident x)')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "[ZeroDivisionError; traceback in " in result.stderr
    assert "ZeroDivisionError: division by zero" in next(tmp_path.iterdir()).read_text()


# -- the two formats ---------------------------------------------------------------------------


def emit(formatter: str, tmp_path: Path, log: Callable[[logging.Logger], None]) -> str:
    """What the process's log stream says for the records `log` writes, formatted as
    configure_logging sets it up (its handler, its filter, its formatter)."""
    out = io.StringIO()
    handler = LogStream(out)
    hygiene = LogHygiene(hidden=[SIGNING_SECRET], incidents=IncidentFiles(tmp_path))
    handler.addFilter(hygiene)
    handler.setFormatter(JsonLines(hygiene) if formatter == "json" else TextLines())
    logger = logging.getLogger("matchpath.format-test")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        log(logger)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    return out.getvalue()


def test_json_lines_hold_the_fields_and_nothing_else(tmp_path: Path) -> None:
    def log(logger: logging.Logger) -> None:
        logger.info("plain %s", "words")
        try:
            raise ValueError(f"secret {SIGNING_SECRET} in an exception")
        except ValueError:
            logger.exception("failed (incident %s)", "ab12cd34", extra={"incident": "ab12cd34"})
        logger.warning("token %s\nsecond line", "xoxb-1-2-abc", extra={"card": "Maya Rahman"})

    lines = emit("json", tmp_path, log).splitlines()
    assert len(lines) == 3
    plain, failed, warned = map(json.loads, lines)
    assert set(plain) == {"time", "level", "logger", "message"}
    assert plain["time"].endswith("+00:00")
    assert datetime.fromisoformat(plain["time"]).tzinfo is not None
    assert (plain["level"], plain["logger"], plain["message"]) == (
        "INFO",
        "matchpath.format-test",
        "plain words",
    )
    assert failed["incident"] == "ab12cd34"
    assert failed["message"] == "failed (incident ab12cd34)"
    assert failed["exception"] == "ValueError"
    [kept] = list(tmp_path.iterdir())
    assert failed["traceback"] == f"traceback in {kept}"
    assert "secret [redacted] in an exception" in kept.read_text()
    # The line break stays inside the JSON string; an extra attribute is not a field.
    assert warned["message"] == "token [redacted]\nsecond line"
    assert "card" not in warned
    assert "Maya" not in "".join(lines)


def test_json_lines_redact_whatever_reached_them(tmp_path: Path) -> None:
    """The formatter redacts again: a record that skipped the filter still hides the secrets."""
    hygiene = LogHygiene(hidden=[SIGNING_SECRET])
    record = logging.LogRecord(
        "matchpath.x", logging.INFO, __file__, 1, "secret %s", (SIGNING_SECRET,), None
    )
    record.incident = "xoxp-4-5-six"
    line = json.loads(JsonLines(hygiene).format(record))
    assert line["message"] == "secret [redacted]"
    assert line["incident"] == "[redacted]"


def test_text_lines_keep_every_event_on_one_line(tmp_path: Path) -> None:
    def log(logger: logging.Logger) -> None:
        logger.info("first\nsecond\r\nthird")
        try:
            raise KeyError("x")
        except KeyError:
            logger.exception("failed")

    text = emit("text", tmp_path, log)
    assert text.count("\n") == 2
    first, failed = text.splitlines()
    assert first.endswith(" INFO matchpath.format-test first\\nsecond\\r\\nthird")
    assert " ERROR matchpath.format-test failed [KeyError; traceback in " in failed


def test_configured_json_logging_in_a_process(tmp_path: Path) -> None:
    """configure_logging's set-up: our records, a library's and a warning, each one JSON line."""
    script = (
        "import logging, warnings\n"
        "from pathlib import Path\n"
        "from bot.logs import configure_logging\n"
        f"configure_logging('debug', hidden=['{SIGNING_SECRET}'], "
        f"incident_dir=Path({str(tmp_path)!r}), log_format='json')\n"
        "logging.getLogger('matchpath.cli').debug('ours %s', 'xoxb-9-9-zz')\n"
        "logging.getLogger('urllib3').debug('below the floor')\n"
        "logging.getLogger('waitress').info('theirs')\n"
        "warnings.warn('careful\\nnow')\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('matchpath.cli').exception('boom (incident x)')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(r["level"], r["logger"]) for r in lines] == [
        ("DEBUG", "matchpath.cli"),
        ("INFO", "waitress"),
        ("WARNING", "py.warnings"),
        ("ERROR", "matchpath.cli"),
    ]
    assert lines[0]["message"] == "ours [redacted]"
    assert lines[3]["exception"] == "ZeroDivisionError"
    assert "Traceback" not in result.stderr


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        configure_logging(log_format="xml")
