"""Where `matchpath serve` spends its CPU per slash command (a diagnostic for benchmark 1).

    python -m bench.profile_serve [--backend sqlite|postgresql] [--requests N]

Seeds 10,000 mentees, runs `matchpath serve --no-scheduler` in a child process with cProfile on
every thread (waitress's workers and Bolt's listener pool) timing each thread's CPU (not the
wall clock), sends the benchmark's commands, and prints the functions with the most cumulative
CPU time.
"""

from __future__ import annotations

import atexit
import cProfile
import pstats
import sys
import threading
import time
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from bench.common import RESULTS, ROOT, Databases, parser
from bench.loadgen import run_load
from bench.seed import analyze, seed_programme
from bench.servers import FakeProcess, commands, plan_commands, start_bot
from bot.db.engine import Database

STATS = RESULTS / "serve.prof"
SHOWN = 45


def serve_profiled(argv: list[str]) -> None:
    """`matchpath serve` with a profiler in each thread; the merged stats go to STATS on
    SIGTERM."""
    profiles: list[cProfile.Profile] = []

    def start(frame: FrameType, event: str, arg: Any) -> None:
        sys.setprofile(None)
        # Each thread's own CPU time, not the wall clock: waiting for a lock, the GIL or the
        # database is not where a CPU-bound server spends its CPU.
        profile = cProfile.Profile(time.thread_time)
        profiles.append(profile)
        profile.enable()

    def finish() -> None:
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(STATS)

    # serve handles SIGTERM itself (a graceful stop) and returns, so the stats are written at exit.
    threading.setprofile(start)
    atexit.register(finish)
    from app.cli import main

    main(argv)


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_profiled(sys.argv[2:])
        return
    p = parser(__doc__ or "")
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--requests", type=int, default=3_000)
    args = p.parse_args()
    with Databases() as dbs:
        url = dbs.new(args.backend)
        db = Database(url)
        programme = seed_programme(db, mentees=10_000, mentors=500, now=datetime.now(UTC))
        analyze(db)
        db.dispose()
        planned = plan_commands(programme, args.requests)
        with FakeProcess([u for _, u, _ in planned], dbs.folder) as fake:
            profiled = ["-m", "bench.profile_serve", "--serve"]
            bot = start_bot(url, fake.url, programme.admin, "profile", launcher=profiled)
            try:
                run_load("127.0.0.1", bot.port, commands(planned, fake.urls))
            finally:
                bot.stop()
    stats = pstats.Stats(str(STATS), stream=sys.stdout)
    print(f"\n{args.requests:,} requests on {args.backend}; seconds are totals over all of them")
    stats.sort_stats("cumulative").print_stats(f"{ROOT}/(bot|handlers)/", SHOWN)
    stats.sort_stats("cumulative").print_stats(r"slack_bolt|slack_sdk|sqlalchemy/orm", SHOWN)
    stats.sort_stats("tottime").print_stats(SHOWN)


if __name__ == "__main__":
    main()
