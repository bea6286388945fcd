"""Benchmark 1: slash commands over HTTP against the framework floor.

`matchpath serve --no-scheduler` (a child process, waitress with 8 threads) with 10,000 mentees
and 500 mentors seeded, the fake Slack in another child process, and a closed-loop load
generator in this one: 16 keep-alive connections sending signed `/matchpath assess <@mentee>`,
`profile <@mentee>` and `help` as the mentee's mentor. The same commands then go to a bare Bolt
app that only acks (bench/bare_bolt.py) under the same server and thread count: the floor.
Reports ack latency percentiles, throughput, the bot's CPU per request, and how long the
follow-up reply (the response_url post) took after the ack.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bench.common import (
    BACKENDS,
    Databases,
    Goal,
    Table,
    cpu_seconds,
    ms,
    parser,
    percentile,
    write_result,
)
from bench.loadgen import Sample, run_load
from bench.seed import analyze, seed_programme
from bench.servers import (
    KINDS,
    FakeProcess,
    Server,
    commands,
    plan_commands,
    start_bot,
    start_floor,
)
from bot.db.engine import Database

CONCURRENCY = 16
FULL = {"mentees": 10_000, "mentors": 500, "warmup": 1_000, "requests": 10_000}
QUICK = {"mentees": 1_000, "mentors": 50, "warmup": 200, "requests": 1_500}
P99_GOAL_MS = 100.0


def latency_row(label: str, samples: list[Sample]) -> list[Any]:
    acks = [s.acked - s.sent for s in samples]
    errors = sum(1 for s in samples if s.status != 200)
    return [
        label,
        len(samples),
        ms(percentile(acks, 50)),
        ms(percentile(acks, 95)),
        ms(percentile(acks, 99)),
        ms(max(acks)),
        errors,
    ]


def throughput(samples: list[Sample]) -> float:
    return len(samples) / (max(s.acked for s in samples) - min(s.sent for s in samples))


def drive(server: Server, warm: list[Any], measured: list[Any]) -> dict[str, Any]:
    run_load("127.0.0.1", server.port, warm, concurrency=CONCURRENCY)
    cpu = cpu_seconds(server.pid)
    start = time.monotonic()
    samples = run_load("127.0.0.1", server.port, measured, concurrency=CONCURRENCY)
    return {
        "samples": samples,
        "seconds": time.monotonic() - start,
        "cpu_per_request_ms": (cpu_seconds(server.pid) - cpu) / len(samples) * 1000,
    }


def follow_ups(samples: list[Sample], arrivals: dict[str, tuple[float, str]]) -> dict[str, Any]:
    """ack → response_url post, for the commands that answer after their ack."""
    out: dict[str, Any] = {}
    for kind in ("assess", "profile"):
        mine = [s for s in samples if s.command.kind == kind]
        delays = [
            arrivals[s.command.response_id][0] - s.acked
            for s in mine
            if s.command.response_id in arrivals
        ]
        texts = [
            arrivals[s.command.response_id][1] for s in mine if s.command.response_id in arrivals
        ]
        out[kind] = {
            "count": len(mine),
            "replied": len(delays),
            "apologies": sum(1 for t in texts if "went wrong" in t or "cannot" in t),
            "p50_ms": ms(percentile(delays, 50)) if delays else None,
            "p95_ms": ms(percentile(delays, 95)) if delays else None,
            "p99_ms": ms(percentile(delays, 99)) if delays else None,
            "max_ms": ms(max(delays)) if delays else None,
        }
    return out


def bot_run(
    backend: str, sizes: dict[str, int], dbs: Databases, workers: int = 1
) -> dict[str, Any]:
    url = dbs.new(backend)
    db = Database(url)
    programme = seed_programme(
        db, mentees=sizes["mentees"], mentors=sizes["mentors"], now=datetime.now(UTC)
    )
    analyze(db)
    db.dispose()
    planned = plan_commands(programme, sizes["warmup"] + sizes["requests"])
    users = [user for _, user, _ in planned]
    try:
        with FakeProcess(users, dbs.folder) as fake:
            cmds = commands(planned, fake.urls)
            bot = start_bot(
                url, fake.url, programme.admin, f"slash-{backend}-{workers}", workers=workers
            )
            try:
                result = drive(bot, cmds[: sizes["warmup"]], cmds[sizes["warmup"] :])
                time.sleep(2)  # let the last follow-ups land before the fake stops
            finally:
                bot.stop()
            result["log_errors"] = bot.log_errors()
        result["follow_ups"] = follow_ups(result["samples"], fake.arrivals)
        result["planned"] = planned
        return result
    finally:
        dbs.drop(url)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    p.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="serving processes, each count against a floor with as many (default 1 2; more "
        "than one on PostgreSQL only, as `serve --workers`)",
    )
    args = p.parse_args()
    sizes = QUICK if args.quick else FULL
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    runs: dict[str, dict[str, Any]] = {}
    floors: dict[int, dict[str, Any]] = {}
    with Databases() as dbs:
        for workers in args.workers:
            for backend in backends:
                if workers == 1 or backend == "postgresql":
                    runs[_label(backend, workers)] = bot_run(backend, sizes, dbs, workers)
        some = next(iter(runs.values()))
        with FakeProcess([u for _, u, _ in some["planned"]], dbs.folder) as fake:
            cmds = commands(some["planned"], fake.urls)
            for workers in args.workers:
                floor = start_floor(f"slash-floor-{workers}", workers=workers)
                try:
                    floors[workers] = drive(floor, cmds[: sizes["warmup"]], cmds[sizes["warmup"] :])
                finally:
                    floor.stop()
                floors[workers]["log_errors"] = floor.log_errors()
    report(args, sizes, runs, floors)


def _label(backend: str, workers: int) -> str:
    return backend if workers == 1 else f"{backend} ×{workers}"


def _workers(label: str) -> int:
    return int(label.split("×")[1]) if "×" in label else 1


def report(
    args: Any,
    sizes: dict[str, int],
    runs: dict[str, dict[str, Any]],
    floors: dict[int, dict[str, Any]],
) -> None:
    latency = Table(
        f"Ack latency at {CONCURRENCY} concurrent clients, {sizes['requests']:,} requests after "
        f"{sizes['warmup']:,} warm-up ({sizes['mentees']:,} mentees, {sizes['mentors']} mentors)",
        ["server", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
    )
    rates = Table(
        "Throughput against the floor",
        ["server", "requests/s", "x floor", "server CPU ms per request", "errors logged"],
    )
    floor_rates = {n: throughput(run["samples"]) for n, run in floors.items()}
    for n, floor_run in floors.items():
        latency.rows.append(latency_row(f"bare Bolt floor ×{n} (all)", floor_run["samples"]))
        rates.rows.append(
            [
                f"bare Bolt floor ×{n}",
                floor_rates[n],
                1.0,
                floor_run["cpu_per_request_ms"],
                floor_run["log_errors"],
            ]
        )
    replies = Table(
        "Follow-up replies: ack → response_url post at the fake (ms)",
        ["server", "command", "replied", "p50", "p95", "p99", "max", "apologies"],
    )
    goals: list[Goal] = []
    for backend, run in runs.items():
        floor_rate = floor_rates[_workers(backend)]
        samples: list[Sample] = run["samples"]
        latency.rows.append(latency_row(f"matchpath/{backend} (all)", samples))
        for kind in KINDS:
            latency.rows.append(
                latency_row(
                    f"matchpath/{backend} {kind}", [s for s in samples if s.command.kind == kind]
                )
            )
        rate = throughput(samples)
        rates.rows.append(
            [
                f"matchpath/{backend}",
                rate,
                rate / floor_rate,
                run["cpu_per_request_ms"],
                run["log_errors"],
            ]
        )
        for kind, f in run["follow_ups"].items():
            replies.rows.append(
                [
                    f"matchpath/{backend}",
                    kind,
                    f"{f['replied']}/{f['count']}",
                    f["p50_ms"],
                    f["p95_ms"],
                    f["p99_ms"],
                    f["max_ms"],
                    f["apologies"],
                ]
            )
        p99 = ms(percentile([s.acked - s.sent for s in samples], 99))
        goals.append(
            Goal(
                f"matchpath/{backend}: p99 ack latency under {P99_GOAL_MS:.0f} ms",
                p99 < P99_GOAL_MS,
                f"p99 {p99} ms",
            )
        )
        goals.append(
            Goal(
                f"matchpath/{backend}: throughput at least half the floor's "
                f"(with as many processes)",
                rate >= floor_rate / 2,
                f"{rate:,.0f} req/s = {rate / floor_rate:.2f}x the floor's {floor_rate:,.0f}",
            )
        )
    write_result(
        "slash_commands",
        quick=args.quick,
        tables=[latency, rates, replies],
        goals=goals,
        notes=[
            "ack latency = request written → HTTP response read, on the load generator's clock; "
            "throughput = requests ÷ (last ack − first send) of the measured run",
            "the load generator, the fake Slack and the server under test share the machine's "
            "2 cores; the floor runs with the same load generator and command list",
        ],
        data={
            "runs": {
                b: {k: v for k, v in r.items() if k not in ("samples", "planned")}
                for b, r in runs.items()
            }
        },
    )


if __name__ == "__main__":
    main()
