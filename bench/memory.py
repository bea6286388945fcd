"""Benchmark 5: resident set size of `matchpath serve`, idle and under load, with 100,000 mentees
(SQLite), against the bare Bolt floor under the same server.

RSS is VmRSS from /proc/<pid>/status: once the server answers /healthz and has been left alone
for two seconds (idle), every 100 ms while benchmark 1's load runs (16 clients: assess, profile,
help as each mentee's mentor), and two seconds after; VmHWM is the kernel's own peak.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import (
    Databases,
    Table,
    ms,
    parser,
    percentile,
    proc_status_kib,
    write_result,
)
from bench.loadgen import Command, run_load
from bench.seed import seed_programme
from bench.servers import FakeProcess, Server, commands, plan_commands, start_bot, start_floor
from bench.slash_commands import CONCURRENCY, throughput
from bot.db.engine import Database

FULL = {"mentees": 100_000, "mentors": 5_000, "warmup": 500, "requests": 10_000}
QUICK = {"mentees": 5_000, "mentors": 250, "warmup": 100, "requests": 1_000}
IDLE_SECONDS = 2.0


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def watch(server: Server, warm: list[Command], measured: list[Command]) -> dict[str, Any]:
    time.sleep(IDLE_SECONDS)
    idle = proc_status_kib(server.pid, "VmRSS")
    run_load("127.0.0.1", server.port, warm, concurrency=CONCURRENCY)
    seen: list[int] = []

    def sample() -> None:
        seen.append(proc_status_kib(server.pid, "VmRSS"))

    samples = run_load("127.0.0.1", server.port, measured, concurrency=CONCURRENCY, sampler=sample)
    time.sleep(IDLE_SECONDS)
    acks = [s.acked - s.sent for s in samples]
    return {
        "idle_kib": idle,
        "load_peak_kib": max(seen),
        "load_median_kib": int(percentile(seen, 50)),
        "after_kib": proc_status_kib(server.pid, "VmRSS"),
        "hwm_kib": proc_status_kib(server.pid, "VmHWM"),
        "rss_samples": len(seen),
        "p50_ms": ms(percentile(acks, 50)),
        "p99_ms": ms(percentile(acks, 99)),
        "rate": throughput(samples),
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    sizes = QUICK if args.quick else FULL
    with Databases() as dbs:
        url = dbs.new("sqlite")
        db = Database(url)
        start = time.perf_counter()
        programme = seed_programme(
            db, mentees=sizes["mentees"], mentors=sizes["mentors"], now=datetime.now(UTC)
        )
        db.dispose()
        print(f"seeded {sizes['mentees']:,} mentees in {time.perf_counter() - start:.0f} s")
        planned = plan_commands(programme, sizes["warmup"] + sizes["requests"])
        results: dict[str, dict[str, Any]] = {}
        with FakeProcess([u for _, u, _ in planned], dbs.folder) as fake:
            cmds = commands(planned, fake.urls)
            warm, measured = cmds[: sizes["warmup"]], cmds[sizes["warmup"] :]
            starters: dict[str, Callable[[], Server]] = {
                "matchpath serve": lambda: start_bot(url, fake.url, programme.admin, "memory"),
                "bare Bolt floor": lambda: start_floor("memory-floor"),
            }
            for name, starter in starters.items():
                server = starter()
                try:
                    results[name] = watch(server, warm, measured)
                finally:
                    server.stop()
    table = Table(
        f"Resident set size (MiB) with {sizes['mentees']:,} mentees in SQLite; load: "
        f"{sizes['requests']:,} commands at {CONCURRENCY} clients",
        [
            "server",
            "idle",
            "under load (median)",
            "under load (peak)",
            "after load",
            "VmHWM",
            "p50 ms",
            "p99 ms",
            "requests/s",
        ],
    )
    for name, r in results.items():
        table.rows.append(
            [
                name,
                mib(r["idle_kib"]),
                mib(r["load_median_kib"]),
                mib(r["load_peak_kib"]),
                mib(r["after_kib"]),
                mib(r["hwm_kib"]),
                r["p50_ms"],
                r["p99_ms"],
                r["rate"],
            ]
        )
    write_result(
        "memory",
        quick=args.quick,
        tables=[table],
        goals=[],
        notes=["no goal is set for memory; the floor is the same waitress + Bolt with no app"],
        data={"results": results},
    )


if __name__ == "__main__":
    main()
