"""Benchmark 4: a mentor's roster and a mentee's dashboard card, for mentors with 20, 200 and
2,000 mentees (in one programme of 5,000), on SQLite and PostgreSQL.

Times `bot.dashboards.roster.build_roster` (in a unit of work: it writes its audit row) and
`bot.dashboards.card.build_card` (for each of the first mentees of that mentor), counts their
SQL statements, and times the pure block builders `roster_pages` and `card_message`. Every
mentee has a posted card, so roster lines carry their thread links.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import String, cast, select, update

from bench.common import (
    BACKENDS,
    Databases,
    Goal,
    Statements,
    Table,
    counting,
    ms,
    parser,
    write_result,
)
from bench.common import median as p50
from bench.seed import analyze, seed_programme
from bot.access import resolve_actor
from bot.assessment.ruleset import Ruleset, load_ruleset
from bot.dashboards.card import CardView, build_card
from bot.dashboards.outbox import plan_dashboards, set_dashboard_channel
from bot.dashboards.roster import RosterView, build_roster
from bot.db.engine import Database
from bot.models import DashboardCard, Mentee, MentorAssignment
from handlers.blocks.dashboard import card_message, roster_pages

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
CASELOADS = (20, 200, 2_000)
FULL = {"mentees": 5_000, "mentors": 100, "reps": 30, "cards": 50}
QUICK = {"mentees": 2_500, "mentors": 20, "reps": 5, "cards": 10}
CHANNEL = "G0MENTORS"
WORKSPACE = "https://matchpath-bench.slack.com/"
T = TypeVar("T")


def timed(db: Database, work: Callable[[], T], reps: int) -> tuple[T, float, Statements]:
    """The result, the median seconds over `reps`, and the statements of one run."""
    times = []
    result: Any = None
    statements = Statements()
    for n in range(reps):
        with counting(db.engine) as seen:
            start = time.perf_counter()
            result = work()
            times.append(time.perf_counter() - start)
        if n == 0:
            statements = seen
    return result, p50(times), statements


def prepare(db: Database, sizes: dict[str, int]) -> list[str]:
    programme = seed_programme(
        db, mentees=sizes["mentees"], mentors=sizes["mentors"], now=NOW, caseloads=CASELOADS
    )
    with db.unit_of_work() as session:
        set_dashboard_channel(session, CHANNEL, NOW)
        plan_dashboards(session, now=NOW)
        session.execute(
            update(DashboardCard).values(
                ts=cast(DashboardCard.mentee_id, String) + ".000100", posted_version=1
            )
        )
    analyze(db)
    return programme.mentors[: len(CASELOADS)]


def measure_mentor(
    db: Database, ruleset: Ruleset, mentor: str, sizes: dict[str, int]
) -> dict[str, Any]:
    with db.read_only() as session:
        actor = resolve_actor(session, slack_user_id=mentor, admin_ids=frozenset(), now=NOW)

    def roster() -> RosterView:
        with db.unit_of_work() as session:
            return build_roster(session, actor=actor)

    view, roster_s, roster_sql = timed(db, roster, sizes["reps"])
    pages, pages_s, _ = timed(db, lambda: roster_pages(view, WORKSPACE), sizes["reps"])
    card_times: list[float] = []
    card_sql: set[int] = set()
    message_times: list[float] = []
    with db.read_only() as session:
        mentees = session.scalars(
            select(Mentee)
            .join(MentorAssignment, MentorAssignment.mentee_id == Mentee.id)
            .where(MentorAssignment.mentor_id == actor.person_id)
            .order_by(Mentee.id)
            .limit(sizes["cards"])
        ).all()
        for mentee in mentees:

            def card(m: Mentee = mentee) -> CardView:
                return build_card(session, m, ruleset=ruleset, now=NOW)

            shown, seconds, seen = timed(db, card, 3)
            card_times.append(seconds)
            card_sql.add(seen.count)
            message_times.append(timed(db, partial(card_message, shown), 3)[1])
    return {
        "roster_mentees": view.mentees,
        "roster_ms": ms(roster_s),
        "roster_statements": roster_sql.count,
        "pages": len(pages),
        "pages_ms": ms(pages_s),
        "card_ms": ms(p50(card_times)),
        "card_statements": sorted(card_sql),
        "card_message_ms": ms(p50(message_times)),
        "cards_timed": len(card_times),
    }


def measure(backend: str, dbs: Databases, sizes: dict[str, int]) -> list[dict[str, Any]]:
    url = dbs.new(backend)
    db = Database(url)
    ruleset = load_ruleset(None)
    rows = []
    try:
        mentors = prepare(db, sizes)
        for mentor, caseload in zip(mentors, CASELOADS, strict=True):
            row = {"backend": backend, "caseload": caseload}
            row |= measure_mentor(db, ruleset, mentor, sizes)
            print(f"{backend} {caseload}: {row}", flush=True)
            rows.append(row)
    finally:
        db.dispose()
        dbs.drop(url)
    return rows


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    sizes = QUICK if args.quick else FULL
    with Databases() as dbs:
        rows = [row for backend in BACKENDS for row in measure(backend, dbs, sizes)]
    table = Table(
        f"Roster and card by the mentor's caseload ({sizes['mentees']:,} mentees in all; "
        f"median of {sizes['reps']} roster runs, card median over {sizes['cards']} mentees)",
        [
            "backend",
            "caseload",
            "active",
            "build_roster ms",
            "statements",
            "roster_pages ms",
            "pages",
            "build_card ms",
            "card statements",
            "card_message ms",
        ],
    )
    goals: list[Goal] = []
    for r in rows:
        table.rows.append(
            [
                r["backend"],
                r["caseload"],
                r["roster_mentees"],
                r["roster_ms"],
                r["roster_statements"],
                r["pages_ms"],
                r["pages"],
                r["card_ms"],
                ", ".join(map(str, r["card_statements"])),
                r["card_message_ms"],
            ]
        )
    for backend in BACKENDS:
        mine = [r for r in rows if r["backend"] == backend]
        roster_counts = sorted({r["roster_statements"] for r in mine})
        card_counts = sorted({c for r in mine for c in r["card_statements"]})
        goals.append(
            Goal(
                f"{backend}: roster statements constant for 20, 200 and 2,000 mentees",
                len(roster_counts) == 1,
                f"{', '.join(map(str, roster_counts))} statements",
            )
        )
        goals.append(
            Goal(
                f"{backend}: card statements constant whatever the roster",
                len(card_counts) == 1,
                f"{', '.join(map(str, card_counts))} statements",
            )
        )
    write_result(
        "dashboard",
        quick=args.quick,
        tables=[table],
        goals=goals,
        notes=[
            "statements exclude BEGIN/COMMIT; build_roster's include its audit row's INSERT",
        ],
        data={"rows": rows},
    )


if __name__ == "__main__":
    main()
