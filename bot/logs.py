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
"""

from __future__ import annotations

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
        """The traceback into its own file; the record keeps one line that points at it."""
        error = record.exc_info[1] if record.exc_info else None
        kept = incidents.keep("\n".join(filter(None, [record.exc_text, record.stack_info])))
        what = f"{type(error).__name__}; " if error is not None else ""
        record.msg, record.args = f"{record.getMessage()} [{what}{kept}]", None
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


def configure_logging(
    level: int | str = logging.INFO,
    *,
    hidden: Iterable[str] = (),
    incident_dir: Path | None = None,
) -> None:
    """Set up logging to stderr; safe to call again (the CLI calls it once before reading the
    settings, and again with MATCHPATH_LOG_LEVEL, the secrets to hide and the incident folder)."""
    number = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    incidents = IncidentFiles(incident_dir or default_incident_dir())
    logging.basicConfig(format=FORMAT)
    for handler in logging.getLogger().handlers:
        hygiene = next((f for f in handler.filters if isinstance(f, LogHygiene)), None)
        if hygiene is None:
            handler.addFilter(LogHygiene(hidden, incidents))
        else:
            hygiene.hide(hidden)
            hygiene.incidents = incidents
    library_level = max(number, LIBRARY_FLOOR)
    logging.getLogger().setLevel(library_level)
    logging.getLogger(OURS).setLevel(number)
    # Bolt copies this logger's level onto its own when the app is built: never below INFO.
    logging.getLogger(BOLT).setLevel(library_level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, library_level))
