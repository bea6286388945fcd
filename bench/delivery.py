"""Benchmark 3: delivering 10,000 due reminders through the fake Slack's rate limit.

Each reminder is a milestone due today for its own mentee (one DM each, DM channel not yet
known, so each send is `conversations.open` + `chat.postMessage`). The fake answers
`chat.postMessage` with 429 + Retry-After above a workspace-wide rate; the dispatcher's own
token bucket (`DispatchConfig.send_rate`, i.e. MATCHPATH_SEND_RATE) is set a little under it.
The dispatcher runs in worker processes (`python -m bench.delivery --worker ...`), each an
unmodified `bot.outbox.dispatch.Dispatcher` with `handlers.notifier.SlackNotifier`, looping
`run()` until the ledger has nothing left to send. Total time is compared with the floor
(count ÷ allowed rate); duplicates and losses are checked against the messages' metadata and
the ledger. A second table measures what the dispatcher can do with no rate limit at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select

from bench.common import BACKENDS, ROOT, Databases, Goal, Table, parser, write_result
from bench.seed import analyze, bulk_insert
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.models import Delivery, Mentee, Milestone, Person, RateBucket
from bot.outbox.dispatch import DispatchConfig
from bot.outbox.ratelimit import SLACK_POSTS
from bot.reminders.planner import plan
from bot.reminders.schedule import expire, schedule
from bot.reminders.sweep import dispatcher_for
from bot.vocab import DeliveryState
from handlers.keepalive import KeptAliveWebClient
from handlers.notifier import SlackNotifier
from sandbox.fake_slack import FakeSlack

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
TOKEN = "xoxb-bench"  # noqa: S105 (the fake accepts any xox token)
OPEN = (DeliveryState.PENDING, DeliveryState.RETRY_WAIT, DeliveryState.CLAIMED)


@dataclass(frozen=True)
class Sizes:
    count: int  # reminders through the rate limit
    rate: float  # Slack's workspace-wide chat.postMessage limit, per second
    unlimited: int  # reminders for the capacity run (no limit)


FULL = Sizes(count=10_000, rate=250.0, unlimited=2_000)
QUICK = Sizes(count=500, rate=100.0, unlimited=300)
LANES_ENV = "MATCHPATH_BENCH_LANES"  # a worker's lanes (DispatchConfig.lanes unless set)
HEADROOM = 0.96  # the dispatcher's rate as a share of Slack's
GOAL_RATIO = 1.1


class MovingClock:
    """NOW, then moving with the wall clock (so Retry-After waits come due)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


def seed_due(db: Database, count: int) -> list[str]:
    """`count` mentees (UTC, no quiet hours), each with one open milestone due today."""
    users = [f"UDL{i:06d}" for i in range(count)]
    long_ago = NOW - timedelta(days=60)
    people = [
        {
            "id": i + 1,
            "slack_user_id": u,
            "display_name": f"Mentee {i}",
            "tz": "UTC",
            "quiet_start_minute": 0,
            "quiet_end_minute": 0,
            "quiet_weekends": False,
            "is_admin": False,
            "is_mentor": False,
            "created_at": long_ago,
        }
        for i, u in enumerate(users)
    ]
    mentees = [
        {
            "id": i + 1,
            "person_id": i + 1,
            "applicant_type": "non_us_img",
            "visa": "j1",
            "ecfmg": "certified",
            "targets": ["preliminary_surgery"],
            "mentor_advocate": False,
            "distinctive_story": False,
            "checkpoint_cadence_days": 365,
            "status": "active",
            "notes": "",
            "created_at": long_ago,
            "updated_at": long_ago,
            "flags_checked_at": NOW,
            "checkpoint_due_on": (long_ago + timedelta(days=365)).date(),
        }
        for i in range(count)
    ]
    milestones = [
        {
            "id": i + 1,
            "mentee_id": i + 1,
            "title": "Book Step 2 CK",
            "kind": "free",
            "due_on": NOW.date(),
            "due_version": 1,
            "status": "open",
            "created_at": long_ago,
        }
        for i in range(count)
    ]
    for model, rows in ((Person, people), (Mentee, mentees), (Milestone, milestones)):
        bulk_insert(db, model.__table__, rows)  # type: ignore[arg-type]
    with db.unit_of_work() as session:  # the shared bucket exists, as after the first send
        session.add(RateBucket(name=SLACK_POSTS, tokens=0.0, refilled_at=datetime.now(UTC)))
    analyze(db)
    ruleset = load_ruleset(None)
    with db.unit_of_work() as session:
        plan(session, now=NOW, ruleset=ruleset)
        schedule(session, now=NOW, ruleset=ruleset)
        expire(session, now=NOW)  # the "a week before" reminders, long past
    return users


# -- a worker process ------------------------------------------------------------------------


def worker(database_url: str, slack_url: str, rate: float, deadline: float) -> None:
    """Wait for "go" on stdin, then dispatch until nothing is left; print the totals."""
    db = Database(database_url)
    # As `SlackNotifier.from_settings` builds it for serving: one kept-alive connection.
    notifier = SlackNotifier(
        KeptAliveWebClient(token=TOKEN, base_url=slack_url, timeout=10, retry_handlers=[])
    )
    lanes = int(os.environ.get(LANES_ENV) or DispatchConfig.lanes)
    config = DispatchConfig(send_rate=rate, burst=max(1.0, rate), max_rows=10**9, lanes=lanes)
    with db.read_only() as session:  # connect before the clock starts
        session.scalar(select(func.count(Delivery.id)))
    totals: Counter[str] = Counter()

    def committed(_connection: Any) -> None:
        totals["transactions"] += 1  # write transactions (reads end in a rollback)

    event.listen(db.engine, "commit", committed)
    print("ready", flush=True)
    sys.stdin.readline()
    dispatcher = dispatcher_for(db, notifier, MovingClock(NOW), load_ruleset(None), config)
    stop_at = time.monotonic() + deadline
    while time.monotonic() < stop_at:
        report = dispatcher.run()
        for name in ("sent", "retry", "unknown", "failed", "cancelled", "lost"):
            totals[name] += getattr(report, name)
        with db.read_only() as session:
            left = session.scalar(select(func.count(Delivery.id)).where(Delivery.state.in_(OPEN)))
        if not left:
            break
        time.sleep(0.05)
    print(json.dumps(dict(totals)), flush=True)


# -- the benchmark ---------------------------------------------------------------------------


def deliver(
    backend: str, dbs: Databases, count: int, limit: float | None, workers: int
) -> dict[str, Any]:
    url = dbs.new(backend)
    db = Database(url)
    try:
        users = seed_due(db, count)
        with db.read_only() as session:
            expected = set(
                session.scalars(
                    select(Delivery.dedupe_key).where(Delivery.state == DeliveryState.PENDING)
                )
            )
        with FakeSlack() as fake:
            for user in users:
                fake.add_user(user, user, tz="UTC")
            if limit is not None:
                fake.set_rate_limit("chat.postMessage", per_second=limit)
            rate = limit * HEADROOM if limit is not None else 1000.0
            seconds, reports = _run_workers(url, fake.url, rate, workers, count, limit)
            posts = fake.calls("chat.postMessage")
            connections = fake.connections()
            keys = [
                str(m.metadata["event_payload"]["dedupe_key"])
                for m in fake.messages()
                if m.metadata is not None
            ]
        with db.read_only() as session:
            states = Counter(str(s) for s in session.scalars(select(Delivery.state)).all())
    finally:
        db.dispose()
        dbs.drop(url)
    delivered = set(keys)
    result = {
        "backend": backend,
        "count": count,
        "limit": limit,
        "rate": rate,
        "workers": workers,
        "seconds": seconds,
        "posted": len(keys),
        "duplicates": len(keys) - len(delivered),
        "lost": len(expected - delivered),
        "unexpected": len(delivered - expected),
        "rate_limited": sum(1 for c in posts if c.error == "ratelimited"),
        "connections": connections,
        "transactions": sum(int(r.get("transactions", 0)) for r in reports),
        "states": {k: v for k, v in states.items() if k != DeliveryState.EXPIRED},
        "workers_report": reports,
        "crashed": sum(1 for r in reports if "crashed" in r),
    }
    print(
        f"{backend} x{workers} limit={limit}: {seconds:.1f} s, {len(keys):,} posted, "
        f"{result['rate_limited']} 429s, states {dict(states)}",
        flush=True,
    )
    return result


def _run_workers(
    url: str, slack_url: str, rate: float, workers: int, count: int, limit: float | None
) -> tuple[float, list[dict[str, Any]]]:
    deadline = count / 10 + 60  # a dispatcher slower than 10 messages/s is a failure anyway
    args = [sys.executable, "-m", "bench.delivery", "--worker", url, slack_url]
    procs = [
        subprocess.Popen(
            [*args, str(rate), str(deadline)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for p in procs:
        assert p.stdout is not None
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("a dispatcher worker failed to start")
    start = time.monotonic()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=deadline + 30) for p in procs]
    seconds = time.monotonic() - start
    return seconds, [
        _report(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)
    ]


def _report(code: int, out: str, err: str) -> dict[str, Any]:
    """A worker's totals, or the last line of its traceback if it crashed."""
    if code == 0:
        totals: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return totals
    last = [line for line in err.strip().splitlines() if line.strip()][-1:]
    print(f"a dispatcher crashed: {last}", flush=True)
    return {"crashed": last[0] if last else f"exit {code}"}


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        url, slack_url, rate, deadline = sys.argv[2:6]
        worker(url, slack_url, float(rate), float(deadline))
        return
    p = parser(__doc__ or "")
    p.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 3],
        help="dispatchers for the rate-limited run",
    )
    p.add_argument(
        "--capacity-workers", type=int, nargs="+", help="for the capacity run (default 1 2)"
    )
    args = p.parse_args()
    capacity_workers = args.capacity_workers or ([1] if args.quick else [1, 2])
    sizes = QUICK if args.quick else FULL
    limited: list[dict[str, Any]] = []
    unlimited: list[dict[str, Any]] = []
    with Databases() as dbs:
        for backend in BACKENDS:
            for n in capacity_workers:
                unlimited.append(deliver(backend, dbs, sizes.unlimited, None, n))
        for backend in BACKENDS:
            for n in args.workers:
                limited.append(deliver(backend, dbs, sizes.count, sizes.rate, n))
    table = Table(
        f"Delivery of {sizes.count:,} due reminders through a workspace-wide limit of "
        f"{sizes.rate:.0f} chat.postMessage/s "
        f"(dispatcher rate {sizes.rate * HEADROOM:.0f}/s)",
        [
            "backend",
            "dispatchers",
            "seconds",
            "floor s",
            "x floor",
            "msgs/s",
            "429s",
            "txn/msg",
            "connections",
            "duplicates",
            "lost",
            "crashes",
            "ledger",
        ],
    )
    goals: list[Goal] = []
    for r in limited:
        floor = r["count"] / r["limit"]
        ratio = r["seconds"] / floor
        table.rows.append(
            [
                r["backend"],
                r["workers"],
                r["seconds"],
                floor,
                ratio,
                r["posted"] / r["seconds"],
                r["rate_limited"],
                r["transactions"] / max(1, r["posted"]),
                r["connections"],
                r["duplicates"],
                r["lost"],
                r["crashed"],
                _states(r["states"]),
            ]
        )
        who = f"{r['backend']}, {r['workers']} dispatcher(s)"
        goals.append(
            Goal(
                f"{who}: within {GOAL_RATIO}x of the floor",
                ratio <= GOAL_RATIO,
                f"{r['seconds']:.1f} s = {ratio:.2f}x the {floor:.0f} s floor",
            )
        )
        goals.append(
            Goal(
                f"{who}: zero duplicates, zero losses",
                r["duplicates"] == 0 and r["lost"] == 0 and r["states"] == {"sent": r["count"]},
                f"{r['duplicates']} duplicates, {r['lost']} lost, ledger {_states(r['states'])}",
            )
        )
    capacity = Table(
        f"Dispatcher capacity with no rate limit ({sizes.unlimited:,} reminders)",
        [
            "backend",
            "dispatchers",
            "seconds",
            "msgs/s",
            "txn/msg",
            "duplicates",
            "lost",
            "crashes",
            "ledger",
        ],
    )
    for r in unlimited:
        capacity.rows.append(
            [
                r["backend"],
                r["workers"],
                r["seconds"],
                r["posted"] / r["seconds"],
                r["transactions"] / max(1, r["posted"]),
                r["duplicates"],
                r["lost"],
                r["crashed"],
                _states(r["states"]),
            ]
        )
    write_result(
        "delivery",
        quick=args.quick,
        tables=[table, capacity],
        goals=goals,
        notes=[
            "dispatchers are worker processes running Dispatcher.run() in-process (not `matchpath "
            "sweep`), started before the clock and released together",
            "each reminder opens its DM first (conversations.open, not rate limited by the fake)",
            "txn/msg: write transactions the dispatchers committed per message posted; "
            "connections: TCP connections the fake Slack accepted in the run",
            "the shared rate bucket row is created before the run, as after the first send ever "
            "(see the findings: two dispatchers creating it at once crash on PostgreSQL)",
        ],
        data={"limited": limited, "unlimited": unlimited},
    )


def _states(states: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(states.items()))


if __name__ == "__main__":
    main()
