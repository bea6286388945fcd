"""Benchmark 2: the planning sweep at 1k, 10k and 100k mentees, on SQLite and PostgreSQL.

Times `plan` + `schedule` + `expire` in one unit of work (the first sweep, which inserts every
due row, and a steady-state one, which finds nothing new), counts the SQL statements each sends,
times one batch of flag evaluation, and one whole `run_sweep` tick with the Slack notifier
pointed at the fake (after the due rows were marked sent, so it is a tick with nothing to send).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import case, update

from bench.common import BACKENDS, Databases, Goal, Table, counting, ms, parser, write_result
from bench.seed import analyze, seed_programme
from bot.assessment.ruleset import Ruleset, load_ruleset
from bot.clock import FixedClock
from bot.db.engine import Database
from bot.flags.sweep import BATCH, evaluate_flags
from bot.models import Delivery, Mentee
from bot.outbox.dispatch import DispatchConfig
from bot.reminders.planner import ROWS_PER_SWEEP, Planning
from bot.reminders.schedule import WAITING, expire, schedule
from bot.reminders.sweep import run_sweep
from bot.subscriptions import install
from bot.vocab import DeliveryState
from handlers.notifier import SlackNotifier
from sandbox.fake_slack import FakeSlack

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday: the mentor digest is due too
FULL = (1_000, 10_000, 100_000)
QUICK = (200, 1_000, 5_000)
GOAL_SECONDS = 2.0
MAX_SWEEPS = 50  # a plan that never finishes is reported, not waited for
LINEAR_TOLERANCE = 1.1
BENCH_TOKEN = "xoxb-bench"  # noqa: S105 (the fake accepts any xox token)  # a ratio up to 11 for 10x the mentees still counts as linear


def one_sweep(db: Database, ruleset: Ruleset) -> dict[str, Any]:
    """Plan (with a sweep's budget of rows), schedule and expire in one unit of work."""
    planning = Planning(now=NOW, ruleset=ruleset, budget=ROWS_PER_SWEEP)
    with counting(db.engine) as statements:
        start = time.perf_counter()
        with db.unit_of_work() as session:
            planning.run_all(session)
            planned = planning.added
            planned_at = time.perf_counter()
            scheduled = schedule(session, now=NOW, ruleset=ruleset)
            scheduled_at = time.perf_counter()
            expired = expire(session, now=NOW)
            expired_at = time.perf_counter()
        done = time.perf_counter()
    return {
        "planned": sum(planned.values()),
        "by_kind": planned,
        "cut_short": planning.cut_short,
        "scheduled": scheduled,
        "expired": expired,
        "plan_s": planned_at - start,
        "schedule_s": scheduled_at - planned_at,
        "expire_s": expired_at - scheduled_at,
        "commit_s": done - expired_at,
        "total_s": done - start,
        "statements": statements.count,
        "rows": statements.rows,
    }


def flag_batch(db: Database, ruleset: Ruleset) -> dict[str, Any]:
    with counting(db.engine) as statements:
        start = time.perf_counter()
        with db.unit_of_work() as session:
            report = evaluate_flags(session, now=NOW, ruleset=ruleset)
        seconds = time.perf_counter() - start
    return {
        "checked": report.checked,
        "raised": report.raised,
        "seconds": seconds,
        "statements": statements.count,
    }


def settle(db: Database, ruleset: Ruleset) -> None:
    """A steady state: everything planned so far delivered (including the reminders of the
    flags just raised), and the mentees whose flags were evaluated due for their daily re-check
    while every other mentee is fresh."""
    for _ in range(2):
        with db.unit_of_work() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.state.in_(WAITING))
                .values(state=DeliveryState.SENT, updated_at=NOW)
            )
        one_sweep(db, ruleset)
    with db.unit_of_work() as session:
        session.execute(
            update(Mentee).values(
                flags_checked_at=case(
                    (Mentee.flags_checked_at.is_(None), NOW), else_=NOW - timedelta(days=2)
                )
            )
        )


def whole_tick(db: Database, ruleset: Ruleset, fake: FakeSlack) -> dict[str, Any]:
    settle(db, ruleset)
    client = WebClient(token=BENCH_TOKEN, base_url=fake.url, retry_handlers=[])
    notifier = SlackNotifier(client)
    with counting(db.engine) as statements:
        start = time.perf_counter()
        report = run_sweep(db, notifier, FixedClock(NOW), ruleset, DispatchConfig())
        seconds = time.perf_counter() - start
    dispatched = report.dispatch
    if report.flags.raised or dispatched is None or dispatched.sent or dispatched.failed:
        raise RuntimeError(f"the tick was meant to have nothing to do: {report.lines()}")
    return {"seconds": seconds, "statements": statements.count, "checked": report.flags.checked}


def measure(backend: str, size: int, dbs: Databases, fake: FakeSlack) -> dict[str, Any]:
    url = dbs.new(backend)
    db = Database(url)
    ruleset = load_ruleset(None)
    try:
        start = time.perf_counter()
        seed_programme(db, mentees=size, mentors=max(1, size // 20), now=NOW, flags_checked=None)
        analyze(db)
        seeded = time.perf_counter() - start
        first = one_sweep(db, ruleset)
        catching_up = [first]
        while catching_up[-1]["cut_short"] and len(catching_up) < MAX_SWEEPS:
            catching_up.append(one_sweep(db, ruleset))
        steady = one_sweep(db, ruleset)
        flags = [flag_batch(db, ruleset) for _ in range(2)]
        tick = whole_tick(db, ruleset, fake)
    finally:
        db.dispose()
        dbs.drop(url)
    print(
        f"{backend} {size:>7,}: seed {seeded:.1f} s; first {ms(first['total_s'])} ms "
        f"({first['planned']:,} rows); {len(catching_up)} sweeps to plan all "
        f"({sum(c['planned'] for c in catching_up):,} rows, slowest "
        f"{ms(max(c['total_s'] for c in catching_up))} ms); steady {ms(steady['total_s'])} ms",
        flush=True,
    )
    return {
        "backend": backend,
        "mentees": size,
        "seed_s": seeded,
        "first": first,
        "catching_up": catching_up,
        "steady": steady,
        "flags": flags,
        "tick": tick,
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    install()  # flags raised in the batch reach the dashboards, as in `serve`
    sizes = QUICK if args.quick else FULL
    runs: list[dict[str, Any]] = []
    with Databases() as dbs, FakeSlack() as fake:
        for backend in BACKENDS:
            for size in sizes:
                runs.append(measure(backend, size, dbs, fake))
    sweeps = Table(
        "Planning sweep: plan + schedule + expire in one unit of work (times in ms)",
        [
            "backend",
            "mentees",
            "sweep",
            "rows planned",
            "plan",
            "schedule",
            "expire",
            "commit",
            "total",
            "statements",
            "executemany rows",
        ],
    )
    for run in runs:
        for label in ("first", "steady"):
            s = run[label]
            sweeps.rows.append(
                [
                    run["backend"],
                    run["mentees"],
                    label,
                    s["planned"],
                    ms(s["plan_s"]),
                    ms(s["schedule_s"]),
                    ms(s["expire_s"]),
                    ms(s["commit_s"]),
                    ms(s["total_s"]),
                    s["statements"],
                    s["rows"],
                ]
            )
    flags = Table(
        f"Flag evaluation: one batch of {BATCH} mentees per sweep (by design)",
        ["backend", "mentees", "checked", "ms per batch", "mentees/s", "statements"],
    )
    ticks = Table(
        "Whole run_sweep tick with nothing due (flags batch, plan, schedule, expire, dispatch, "
        "reap; Slack notifier at the fake)",
        ["backend", "mentees", "flags re-checked", "ms", "statements"],
    )
    for run in runs:
        done = [f for f in run["flags"] if f["checked"]]
        seconds = sum(f["seconds"] for f in done) / len(done)
        checked = sum(f["checked"] for f in done) // len(done)
        flags.rows.append(
            [
                run["backend"],
                run["mentees"],
                checked,
                ms(seconds),
                checked / seconds,
                max(f["statements"] for f in done),
            ]
        )
        tick = run["tick"]
        ticks.rows.append(
            [
                run["backend"],
                run["mentees"],
                tick["checked"],
                ms(tick["seconds"]),
                tick["statements"],
            ]
        )
    catch_up = Table(
        f"After the import: sweeps until every owed row is planned (at most {ROWS_PER_SWEEP:,} "
        "rows a sweep; times in ms)",
        ["backend", "mentees", "sweeps", "rows planned", "slowest sweep", "all sweeps"],
    )
    for run in runs:
        sweeps_run = run["catching_up"]
        catch_up.rows.append(
            [
                run["backend"],
                run["mentees"],
                len(sweeps_run),
                sum(c["planned"] for c in sweeps_run),
                ms(max(c["total_s"] for c in sweeps_run)),
                ms(sum(c["total_s"] for c in sweeps_run)),
            ]
        )
    growth = Table(
        "Growth: time ratios for 10x the mentees (10 = linear)",
        ["backend", "sweep", f"{sizes[1]}/{sizes[0]}", f"{sizes[2]}/{sizes[1]}", "statements"],
    )
    goals: list[Goal] = []
    for backend in BACKENDS:
        mine = [r for r in runs if r["backend"] == backend]
        for label in ("first", "steady"):
            t = [r[label]["total_s"] for r in mine]
            counts = sorted({r[label]["statements"] for r in mine})
            growth.rows.append(
                [backend, label, t[1] / t[0], t[2] / t[1], ", ".join(map(str, counts))]
            )
            largest = mine[-1]
            goals.append(
                Goal(
                    f"{backend}, {label} sweep of {largest['mentees']:,} mentees under 2 s",
                    t[2] < GOAL_SECONDS,
                    f"{t[2]:.2f} s ({t[2] / GOAL_SECONDS:.2f}x the goal)",
                )
            )
            by_size = [r[label]["statements"] for r in mine]
            goals.append(
                Goal(
                    # A first sweep cut short by its budget skips the steps left for the next
                    # one: fewer statements, never more.
                    f"{backend}, {label} sweep: statements do not grow with the mentees",
                    max(by_size) <= by_size[0],
                    f"{', '.join(map(str, by_size))} statements at {', '.join(map(str, sizes))}",
                )
            )
            if label == "first":
                slowest = max(c["total_s"] for c in largest["catching_up"])
                finished = not largest["catching_up"][-1]["cut_short"]
                goals.append(
                    Goal(
                        f"{backend}, every sweep until all of {largest['mentees']:,} mentees' "
                        "rows are planned under 2 s",
                        slowest < GOAL_SECONDS and finished,
                        f"slowest {slowest:.2f} s of {len(largest['catching_up'])} sweeps"
                        + ("" if finished else f", not finished after {MAX_SWEEPS}"),
                    )
                )
            worst = max(t[1] / t[0], t[2] / t[1])
            goals.append(
                Goal(
                    f"{backend}, {label} sweep: growth no worse than linear",
                    worst <= 10 * LINEAR_TOLERANCE,
                    f"worst ratio {worst:.1f} for 10x the mentees",
                )
            )
    write_result(
        "sweep",
        quick=args.quick,
        tables=[sweeps, catch_up, growth, flags, ticks],
        goals=goals,
        notes=[
            f"now = {NOW.isoformat()}; each size is a fresh database seeded with bench.seed "
            "(one mentor per 20 mentees, one admin, no dashboard channel); PostgreSQL is "
            "ANALYZEd after the bulk load, SQLite is left as the product leaves it",
            "statements exclude BEGIN/COMMIT; an executemany counts once (its parameter sets "
            "are in 'executemany rows')",
        ],
        data={"runs": runs},
    )


if __name__ == "__main__":
    main()
