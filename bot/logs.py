"""Logging set-up: one format, a level for our own loggers (MATCHPATH_LOG_LEVEL), and a filter on
every handler that keeps secrets, request bodies and profile contents out of the log.

The libraries log what they carry. Below INFO, slack_sdk logs every Web API request and response
(profile cards included) and Bolt the body of every ack; at INFO, Bolt's signature check logs the
whole body of each request it refuses. Logger levels cannot hold these back on their own: when
the app is built, Bolt copies the level of the logger it is given (or of the root) onto every
logger it makes, undoing any level set here before. So the handlers decide, whatever the loggers
say:

- our own records (`matchpath.*`, Bolt's apart) pass at the configured level;
- everyone else's, Bolt's included, pass at INFO or above only;
- Bolt's signature-check record is cut to one line without the request;
- tokens and the configured secrets are replaced by `[redacted]`, tracebacks included;
- a database error's traceback keeps its frames, classes and SQLSTATE, not its text;
- a traceback never reaches the log stream (the operator's terminal, for a command): it is kept
  in an incident file of its own (0600, in MATCHPATH_INCIDENT_DIR), and the record ends with one
  line naming the exception and that file, so every event stays one line.

Two formats (MATCHPATH_LOG_FORMAT), one line per event in both: `text` (the default), and `json`,
one object per line for a log collector (`JsonLines`). Both format the record the filter has
cleaned, and a line break inside a message is written as `\\n`, never as a new line.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError

OURS = "matchpath"
BOLT = "matchpath.bolt"  # the logger handed to Bolt: Bolt's records, under our name
SIGNATURE_CHECK = "slack_bolt.RequestVerification"
LIBRARY_FLOOR = logging.INFO
TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
REDACTED = "[redacted]"
SHORTEST_SECRET = 8  # a shorter "secret" would redact ordinary words
REFUSED = "refused a request: its Slack signature is invalid or too old (request not logged)"
QUIET = {"alembic": logging.WARNING, "apscheduler": logging.WARNING}
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FORMATS = ("text", "json")  # MATCHPATH_LOG_FORMAT


def default_incident_dir() -> Path:
    """`$XDG_STATE_HOME/matchpath/incidents`, or `~/.local/state/matchpath/incidents`."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "matchpath" / "incidents"


class IncidentFiles:
    """One private file per traceback, named by time and a short id."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, traceback_text: str) -> str:
        """Write the traceback; return where it is, or why it could not be kept."""
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        path = self.directory / name
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(path, flags, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(traceback_text + "\n")
        except OSError as exc:
            return f"traceback not kept: {self.directory}: {exc.strerror}"
        return f"traceback in {path}"


def _under(name: str, parent: str) -> bool:
    return name == parent or name.startswith(parent + ".")


class LogHygiene(logging.Filter):
    """On a handler: what may be written, and with what taken out."""

    def __init__(self, hidden: Iterable[str] = (), incidents: IncidentFiles | None = None) -> None:
        super().__init__()
        self.hidden: tuple[str, ...] = ()
        self.incidents = incidents
        self.hide(hidden)

    def hide(self, secrets: Iterable[str]) -> None:
        known = {*self.hidden, *(s for s in secrets if len(s) >= SHORTEST_SECRET)}
        self.hidden = tuple(sorted(known, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        if _under(record.name, SIGNATURE_CHECK):
            record.msg, record.args = REFUSED, None
            return True
        ours = _under(record.name, OURS) and not _under(record.name, BOLT)
        if not ours and record.levelno < LIBRARY_FLOOR:
            return False
        self._redact(record)
        return True

    def _redact(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            error = record.exc_info[1]
            if error is not None and any(isinstance(e, DBAPIError) for e in _chain(error)):
                record.exc_text = _withheld(error)
            else:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if self.incidents is not None and (record.exc_text or record.stack_info):
            self._to_incident_file(record, self.incidents)

    def _to_incident_file(self, record: logging.LogRecord, incidents: IncidentFiles) -> None:
        """The traceback into its own file; the record keeps one line that points at it (and,
        for `JsonLines`, the message, the exception's class and the pointer apart)."""
        error = record.exc_info[1] if record.exc_info else None
        kept = incidents.keep("\n".join(filter(None, [record.exc_text, record.stack_info])))
        what = f"{type(error).__name__}; " if error is not None else ""
        message = record.getMessage()
        record.plain_message = message
        record.exception_class = type(error).__name__ if error is not None else None
        record.traceback_kept = kept
        record.msg, record.args = f"{message} [{what}{kept}]", None
        record.exc_info, record.exc_text, record.stack_info = None, None, None

    def redact(self, text: str) -> str:
        text = TOKEN.sub(REDACTED, text)
        for secret in self.hidden:
            text = text.replace(secret, REDACTED)
        return text


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _withheld(error: BaseException) -> str:
    """A database error's traceback, classes and SQLSTATE, without its text: the text can hold
    user data (the statement's parameters, which the engine hides, and on PostgreSQL the
    failing row, which the server repeats in its DETAIL)."""
    lines = ["Traceback (most recent call last):\n", *traceback.format_tb(error.__traceback__)]
    for e in _chain(error):
        name = f"{type(e).__module__}.{type(e).__qualname__}"
        orig = e.orig if isinstance(e, DBAPIError) else None
        code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
        driver = f" ({type(orig).__module__}.{type(orig).__qualname__})" if orig else ""
        lines.append(f"{name}{driver}{f' [{code}]' if code else ''}: text withheld\n")
    return "".join(lines).rstrip("\n")


class TextLines(logging.Formatter):
    """`time level logger message`, a line break inside the message written as `\\n`."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return _one_line(super().format(record))


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line: `time` (UTC, ISO 8601), `level`, `logger`,
    `message`, and when there is one `incident` (the id a user was shown: `extra=` on the call),
    `exception` (its class) and `traceback` (where its text is kept, or the redacted text itself
    when no incident folder is set). Only these fields: a record's other attributes (its raw
    arguments among them) are never written. Every value is redacted again by the handler's
    `LogHygiene`, so a record that reached here without passing it still hides the secrets."""

    def __init__(self, hygiene: LogHygiene) -> None:
        super().__init__()
        self.hygiene = hygiene

    def format(self, record: logging.LogRecord) -> str:
        message = getattr(record, "plain_message", None) or record.getMessage()
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        incident = getattr(record, "incident", None)
        if incident:
            entry["incident"] = str(incident)
        error = getattr(record, "exception_class", None)
        traceback_text = getattr(record, "traceback_kept", None)
        if record.exc_info and record.exc_info[1] is not None:
            error = error or type(record.exc_info[1]).__name__
            traceback_text = (
                traceback_text or record.exc_text or self.formatException(record.exc_info)
            )
        if error:
            entry["exception"] = error
        if traceback_text:
            entry["traceback"] = traceback_text
        return json.dumps({name: self.hygiene.redact(value) for name, value in entry.items()})


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class LogStream(logging.StreamHandler):  # type: ignore[type-arg]
    """The process's log (stderr): the one handler whose format MATCHPATH_LOG_FORMAT sets."""


def configure_logging(
    level: int | str = logging.INFO,
    *,
    hidden: Iterable[str] = (),
    incident_dir: Path | None = None,
    log_format: str = "text",
) -> None:
    """Set up logging to stderr; safe to call again (the CLI calls it once before reading the
    settings, and again with MATCHPATH_LOG_LEVEL, MATCHPATH_LOG_FORMAT, the secrets to hide and
    the incident folder)."""
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r}: one of {', '.join(FORMATS)}")
    number = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    incidents = IncidentFiles(incident_dir or default_incident_dir())
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(LogStream())
    logging.captureWarnings(True)  # a library's warning is a record too, not lines on stderr
    for handler in root.handlers:
        hygiene = next((f for f in handler.filters if isinstance(f, LogHygiene)), None)
        if hygiene is None:
            hygiene = LogHygiene(hidden, incidents)
            handler.addFilter(hygiene)
        else:
            hygiene.hide(hidden)
            hygiene.incidents = incidents
        if isinstance(handler, LogStream):
            handler.setFormatter(JsonLines(hygiene) if log_format == "json" else TextLines())
    library_level = max(number, LIBRARY_FLOOR)
    root.setLevel(library_level)
    logging.getLogger(OURS).setLevel(number)
    # Bolt copies this logger's level onto its own when the app is built: never below INFO.
    logging.getLogger(BOLT).setLevel(library_level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, library_level))
