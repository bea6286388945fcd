"""GET /metrics, and what the Slack side records for it: a command's outcome, its ack and reply
latencies (docs/operations.md, "Metrics").

A scrape reads this process's metrics (bot/metrics.py), or in multiprocess mode every process's
files, and two gauges from the database in one read-only transaction: the ledger's rows by kind
and state (one GROUP BY) and the workspace pause. Nothing here touches the database on a
command's path.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from bot import metrics
from bot.db.engine import Database
from bot.db.scope import within
from bot.errors import DomainError
from bot.outbox.census import Census, empty_census, take_census
from bot.replay import Replayed
from bot.workspaces.lookup import every_workspace
from handlers.ids import Sub

log = logging.getLogger("matchpath.serve")
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
_received: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "request_received", default=None
)


# -- recording (the Slack side) ----------------------------------------------------------------


def mark_received(at: float) -> None:
    """The request's arrival (time.monotonic()), for its follow-up's reply latency: set in the
    request's own context, which its follow-up runs in a copy of (handlers/shutdown.py)."""
    _received.set(at)


def request_kind(body: bytes) -> str:
    """What a signed request is, from the start of its body: an Events API callback (JSON), an
    interaction (a form with `payload`), or a slash command (a form)."""
    if body[:1] == b"{":
        return "event"
    return "interaction" if body.startswith(b"payload=") else "command"


def command_answered(sub: Sub | None, outcome: str) -> None:
    metrics.command_answered(sub.value if sub is not None else "unknown", outcome)


@contextmanager
def observed_command(sub: Sub) -> Iterator[None]:
    """Around a subcommand's follow-up: its outcome (`ok`, `refused` for a domain error the user
    is shown, `replayed`, `error` for an apology) and the time from the request's arrival (the
    follow-up's own start in Socket Mode) to its end."""
    started = _received.get() or time.monotonic()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    except Replayed:
        outcome = "replayed"
        raise
    except DomainError:
        outcome = "refused"
        raise
    finally:
        metrics.command_answered(sub.value, outcome)
        metrics.replied(sub.value, time.monotonic() - started)


# -- GET /metrics ------------------------------------------------------------------------------


class LedgerGauges:
    """A collector: the ledger's rows and the pause, read from the database at each scrape."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def collect(self) -> Iterable[Metric]:
        try:
            census = self._census()
        except Exception as exc:  # the database is down: /healthz says so; the rest is served
            log.warning("metrics: the ledger could not be read (%s)", type(exc).__name__)
            return []
        rows = GaugeMetricFamily(
            "matchpath_ledger_rows", "Ledger rows by kind and state.", labels=["kind", "state"]
        )
        for (kind, state), count in sorted(census.rows.items()):
            rows.add_metric([kind.value, state.value], count)
        paused = GaugeMetricFamily(
            "matchpath_sending_paused",
            "1 while sending is paused because Slack refused the token, else 0.",
            value=1 if census.paused else 0,
        )
        return [rows, paused]

    def _census(self) -> Census:
        """The ledger's rows, summed over the workspaces (serving many), and paused when any
        workspace's sending is."""
        total: Census | None = None
        for scope in every_workspace(self._db):
            with within(scope), self._db.read_only() as session:
                census = take_census(session)
            total = census if total is None else total.plus(census)
        return total or empty_census()


class MetricsPage:
    """The text GET /metrics answers with, and who may read it."""

    def __init__(self, db: Database, *, token: str | None = None) -> None:
        self._token = token
        self._registry = CollectorRegistry()
        if metrics.multiprocess_dir():
            MultiProcessCollector(self._registry)  # type: ignore[no-untyped-call]
        else:
            self._registry.register(metrics.REGISTRY)
        self._registry.register(LedgerGauges(db))

    def allows(self, authorization: str) -> bool:
        """Without MATCHPATH_METRICS_TOKEN anyone who reaches the port may read; with it, only a
        request carrying `Authorization: Bearer <token>`."""
        if self._token is None:
            return True
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self._token.encode()
        )

    def render(self) -> bytes:
        return generate_latest(self._registry)


# -- multiprocess mode -------------------------------------------------------------------------


def prepare_metrics_dir() -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, before anything is recorded: the folder there, emptied
    of the files an earlier run left (prometheus_client adds up whatever files it finds)."""
    directory = metrics.multiprocess_dir()
    if directory:
        _emptied(Path(directory))


@contextmanager
def shared_metrics() -> Iterator[Path]:
    """For `serve --workers`: the folder every process of the run records into, chosen before
    the supervisor records anything and inherited by the processes it starts. It is
    PROMETHEUS_MULTIPROC_DIR, emptied first, or else a private temporary folder removed at
    the end."""
    given = metrics.multiprocess_dir()
    if given:
        directory = _emptied(Path(given))
        metrics.share_across_processes(directory)
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix="matchpath-metrics-") as temporary:
        metrics.share_across_processes(Path(temporary))
        yield Path(temporary)


def _emptied(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    return directory
