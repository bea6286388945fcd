"""The process's counters and histograms (prometheus_client), recorded where things happen and
served at GET /metrics (handlers/metrics.py, docs/operations.md "Metrics").

Each record is a few hundred nanoseconds: a lock and a float in memory, or, in multiprocess
mode, in a memory-mapped file; never a database query or a network call. The gauges read from
the database (the ledger's rows, the pause) are not here: they are collected when /metrics is
scraped.

Multiprocess mode (`serve --workers N`): every process writes its own file in
PROMETHEUS_MULTIPROC_DIR and a scrape adds them up. prometheus_client picks the mode once, from
the environment, and a metric's storage when the metric is made, so the metrics here are made on
first use: the supervisor of `serve --workers` can still switch its own process over
(`share_across_processes`) after it has started, before its reminder ticker records anything.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, values

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Slack wants an ack within 3 s; the buckets are finest where a command's ack lands.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
SWEEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

# A `_created` series per counter says when this process made it: noise (multiprocess mode,
# which adds processes up, has none), so single-process mode leaves it out too.
disable_created_metrics()  # type: ignore[no-untyped-call]
# The metrics of this process, for a scrape in single-process mode (in multiprocess mode the
# scrape reads every process's files instead).
REGISTRY = CollectorRegistry()


@dataclass(frozen=True)
class Instruments:
    commands: Counter
    ack_seconds: Histogram
    reply_seconds: Histogram
    sends: Counter
    rate_limited: Counter
    sweep_seconds: Histogram


_made: Instruments | None = None
_making = threading.Lock()


def _instruments() -> Instruments:
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _make()
    return _made


def _make() -> Instruments:
    return Instruments(
        commands=Counter(
            "matchpath_commands",
            "Slash commands answered, by subcommand and outcome.",
            ["subcommand", "outcome"],
            registry=REGISTRY,
        ),
        ack_seconds=Histogram(
            "matchpath_ack_seconds",
            "From a signed request's arrival to its HTTP answer (the ack), by request kind.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=REGISTRY,
        ),
        reply_seconds=Histogram(
            "matchpath_reply_seconds",
            "From a command's arrival to the end of its follow-up (the reply posted).",
            ["subcommand"],
            buckets=REPLY_BUCKETS,
            registry=REGISTRY,
        ),
        sends=Counter(
            "matchpath_outbox_sends",
            "Attempts to deliver a ledger row through Slack, by kind and result.",
            ["kind", "result"],
            registry=REGISTRY,
        ),
        rate_limited=Counter(
            "matchpath_slack_rate_limited",
            "Slack's 429 answers to the outbox, by kind.",
            ["kind"],
            registry=REGISTRY,
        ),
        sweep_seconds=Histogram(
            "matchpath_sweep_seconds",
            "How long one reminder sweep took (planning and dispatch).",
            buckets=SWEEP_BUCKETS,
            registry=REGISTRY,
        ),
    )


def share_across_processes(directory: Path) -> None:
    """Record into `directory` (multiprocess mode) from now on, in this process and in the
    processes it starts. Before any metric is recorded: a metric's storage is fixed when it is
    made."""
    if _made is not None:
        raise RuntimeError("metrics were recorded before multiprocess mode was chosen")
    os.environ[MULTIPROC_ENV] = str(directory)
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


# -- recording --------------------------------------------------------------------------------


def command_answered(subcommand: str, outcome: str) -> None:
    _instruments().commands.labels(subcommand, outcome).inc()


def acked(kind: str, seconds: float) -> None:
    _instruments().ack_seconds.labels(kind).observe(seconds)


def replied(subcommand: str, seconds: float) -> None:
    _instruments().reply_seconds.labels(subcommand).observe(seconds)


def delivery_result(kind: str, result: str, *, rate_limited: bool = False) -> None:
    made = _instruments()
    made.sends.labels(kind, result).inc()
    if rate_limited:
        made.rate_limited.labels(kind).inc()


def sweep_took(seconds: float) -> None:
    _instruments().sweep_seconds.observe(seconds)
