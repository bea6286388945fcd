"""Benchmark: one mentee's programme list over 5,000 programme rows, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.programme_list [--quick]

The floor, measured in the same run: reading the latest version's rows alone (one SELECT of
every column, as tuples). Against it: the whole list as `matchpath list` and the Slack command
build it: the rows read as DTOs, the assessment, screening and tiering for every track of the
strategy, the summary and the CSV. Two mentees: Tariq (two tracks) and Maya (four, one applied
to in full). The goal: well inside the 3 s Slack gives an acknowledgement (a third of it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from bench.common import (
    BACKENDS,
    Databases,
    Goal,
    Table,
    counting,
    ms,
    parser,
    percentile,
    write_result,
)
from bench.common import median as p50
from bot.access import Actor
from bot.assessment.dto import Assessment
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.profile.schema import ProfileIn
from bot.programmes.dto import ProgrammeData, ProgrammeList
from bot.programmes.files import ParsedRow, render_csv
from bot.programmes.list_text import list_csv, summary
from bot.programmes.listing import applied_tracks, build_list
from bot.programmes.models import Programme
from bot.programmes.service import import_programmes, load_programmes
from bot.programmes.synthetic import generate
from bot.programmes.vocab import ProgrammeTrack
from bot.roster.schema import MenteeRecord

ROOT = Path(__file__).resolve().parents[1]
MENTEES = {
    "tariq": ROOT / "examples" / "profiles" / "tariq-j1-prelim.json",
    "maya": ROOT / "examples" / "profiles" / "maya-us-img-plastics.json",
}
AS_OF = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
FULL = {"rows": 5_000, "reps": 30}
QUICK = {"rows": 1_000, "reps": 5}
BUDGET_MS = 1_000.0  # a third of Slack's 3 s
T = TypeVar("T")


def seed(db: Database, rows: int) -> None:
    programmes = generate(institutions=rows // 2)[:rows]
    assert len(programmes) == rows, "the generator made too few rows for this size"
    parsed = [ParsedRow(where=f"line {n + 2}", programme=p) for n, p in enumerate(programmes)]
    with db.unit_of_work() as session:
        import_programmes(
            session,
            actor=Actor.system(NOW),
            rows=parsed,
            source="bench.csv",
            content=render_csv(programmes).encode(),
        )


def timed(
    work: Callable[[], T], reps: int, cpu: list[float] | None = None
) -> tuple[T, list[float]]:
    """The result and the wall times; `cpu` collects this process's CPU time per run (which a
    busy machine inflates far less than the wall clock)."""
    result: Any = None
    times = []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return result, times


def measure(backend: str, dbs: Databases, sizes: dict[str, int]) -> list[list[Any]]:
    db = Database(dbs.new(backend))
    ruleset = load_ruleset(None)
    out = []
    try:
        seed(db, sizes["rows"])

        def floor() -> int:
            with db.read_only() as session:
                return len(session.execute(select(Programme.__table__)).all())

        count, floor_times = timed(floor, sizes["reps"])
        assert count == sizes["rows"]
        for name, path in MENTEES.items():
            profile: ProfileIn = MenteeRecord.model_validate_json(path.read_text()).profile()

            def whole(p: ProfileIn = profile) -> tuple[int, int]:
                result = assess(p, ruleset=ruleset, as_of=AS_OF)
                with db.read_only() as session:
                    data = load_programmes(session, tracks=applied_tracks(result, ruleset))
                listing = build_list(p, assessment=result, data=data, ruleset=ruleset)
                text = summary(listing) + list_csv(listing)
                return sum(len(t.listed) for t in listing.tracks), len(text)

            with counting(db.engine) as statements:
                whole()
            cpu: list[float] = []
            (listed, _), times = timed(whole, sizes["reps"], cpu)
            result = assess(profile, ruleset=ruleset, as_of=AS_OF)
            tracks = applied_tracks(result, ruleset)
            with db.read_only() as session:
                data = load_programmes(session, tracks=tracks)

            def load(tracks: list[ProgrammeTrack] = tracks) -> int:
                with db.read_only() as session:
                    return len(load_programmes(session, tracks=tracks).programmes)

            def screen_and_tier(
                p: ProfileIn = profile, r: Assessment = result, d: ProgrammeData = data
            ) -> ProgrammeList:
                return build_list(p, assessment=r, data=d, ruleset=ruleset)

            _, load_times = timed(load, sizes["reps"])
            _, build_times = timed(screen_and_tier, sizes["reps"])
            row = [
                backend,
                name,
                sizes["rows"],
                listed,
                ms(p50(floor_times)),
                ms(p50(load_times)),
                ms(p50(build_times)),
                ms(p50(times)),
                ms(percentile(times, 95)),
                ms(p50(cpu)),
                round(p50(times) / p50(floor_times), 1),
                statements.count,
            ]
            print(f"{backend} {name}: {row}", flush=True)
            out.append(row)
    finally:
        db.dispose()
    return out


def main() -> int:
    args = parser(__doc__ or "").parse_args()
    sizes = QUICK if args.quick else FULL
    table = Table(
        title=f"One mentee's list over {sizes['rows']:,} programme rows (median of "
        f"{sizes['reps']}, ms)",
        columns=[
            "backend",
            "mentee",
            "rows",
            "listed",
            "floor: rows read",
            "tracks' rows as DTOs",
            "screen + tier",
            "whole list",
            "whole p95",
            "whole, CPU",
            "× floor",
            "statements",
        ],
    )
    load_before = os.getloadavg()[0]
    with Databases() as dbs:
        for backend in BACKENDS:
            try:
                table.rows += measure(backend, dbs, sizes)
            except Exception as exc:  # PostgreSQL not reachable: the SQLite figures stand
                print(f"{backend}: skipped ({type(exc).__name__}: {exc})", flush=True)
    worst_median = max(row[7] for row in table.rows)
    worst = max(row[8] for row in table.rows)
    worst_cpu = max(row[9] for row in table.rows)
    goals = [
        Goal(
            goal=f"a list over {sizes['rows']:,} rows well inside Slack's 3 s ack "
            f"(median under {BUDGET_MS:,.0f} ms)",
            met=worst_median < BUDGET_MS,
            measured=f"worst median {worst_median:,.0f} ms (CPU {worst_cpu:,.0f} ms)",
        ),
        Goal(
            goal="inside the ack budget even at the slow end (p95 under 3,000 ms)",
            met=worst < 3_000,
            measured=f"worst p95 {worst:,.0f} ms",
        ),
        Goal(
            goal="a fixed number of statements per list (the version, then its rows)",
            met={row[11] for row in table.rows} == {2},
            measured=", ".join(sorted({str(row[11]) for row in table.rows})),
        ),
    ]
    notes = [
        f"machine load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at "
        f"the end, on {os.cpu_count()} CPUs: compare with the floor of the same run",
    ]
    write_result("programme_list", quick=args.quick, tables=[table], goals=goals, notes=notes)
    return 0 if all(g.met for g in goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
