"""The fake Slack as a separate process that also notes when each response_url post arrives.

    python -m bench.fake_timed --users users.json --urls urls.json --times times.json

Adds the users, issues one response_url per entry of `--users` (a JSON list of
[channel, user] pairs) into `--urls`, prints its API URL on the first line of stdout, and on
SIGTERM writes `{response_id: [monotonic arrival, text]}` into `--times`. CLOCK_MONOTONIC is
shared by every process on the machine, so the load generator can subtract its ack times.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from sandbox.fake_slack import FakeSlack
from sandbox.records import JsonObject


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--users", type=Path, required=True)
    p.add_argument("--urls", type=Path, required=True)
    p.add_argument("--times", type=Path, required=True)
    args = p.parse_args()
    pairs: list[list[str]] = json.loads(args.users.read_text())
    fake = FakeSlack(keep_alive=True)
    for user in sorted({u for _, u in pairs}):
        fake.add_user(user, user)
    args.urls.write_text(json.dumps([fake.issue_response_url(c, u) for c, u in pairs]))
    arrivals: dict[str, tuple[float, str]] = {}
    receive = fake.workspace.receive_response

    def timed(response_id: str, payload: object) -> tuple[int, JsonObject]:
        arrived = time.monotonic()
        text = str(payload.get("text", "")) if isinstance(payload, dict) else ""
        arrivals[response_id] = (arrived, text[:200])
        return receive(response_id, payload)

    fake.workspace.receive_response = timed  # type: ignore[method-assign]
    done = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with fake:
        print(fake.url, flush=True)
        while not done.wait(0.2):
            pass
    snapshot: dict[str, Any] = dict(arrivals)
    args.times.write_text(json.dumps(snapshot))


if __name__ == "__main__":
    main()
