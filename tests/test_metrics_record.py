"""Recording a metric (bot/metrics.py): what a command's records cost, in one process and in
multiprocess mode; how a signed request's kind is told; the dispatcher's result names. The
counts themselves are checked on a running `serve` in tests/test_metrics.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from bot.outbox.metering import RESULTS
from bot.outbox.outcomes import Outcome
from handlers.metrics import request_kind
from sandbox.signing import block_actions_payload, event_callback, interactivity, slash_command

# A command costs 6-11 ms of CPU (docs/performance.md); its three records must stay a small
# fraction of that even on a busy machine.
MAX_MICROSECONDS_PER_COMMAND = 200
COST = """
import time
from bot import metrics
N = 5000
started = time.perf_counter()
for _ in range(N):
    metrics.command_answered("profile", "ok")
    metrics.acked("command", 0.012)
    metrics.replied("profile", 0.2)
print((time.perf_counter() - started) / N * 1e6)
"""


@pytest.mark.parametrize("mode", ["one process", "multiprocess"])
def test_a_commands_records_cost_microseconds(mode: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if mode == "multiprocess":
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", COST], env=env, capture_output=True, text=True, check=True
    )
    microseconds = float(result.stdout)
    assert 0 < microseconds < MAX_MICROSECONDS_PER_COMMAND
    assert bool(list(tmp_path.glob("*.db"))) == (mode == "multiprocess")


def test_a_requests_kind_is_told_from_its_body() -> None:
    command = slash_command("s", command="/matchpath", text="help", user_id="U1", channel_id="C1")
    click = interactivity("s", block_actions_payload(user_id="U1", actions=[]))
    event = event_callback("s", {"type": "app_home_opened", "user": "U1"})
    assert [request_kind(r.body) for r in (command, click, event)] == [
        "command",
        "interaction",
        "event",
    ]


def test_every_outcome_has_a_result_name() -> None:
    outcomes = set(get_args(Outcome))
    assert set(RESULTS) == outcomes
    assert len(set(RESULTS.values())) == len(outcomes)
