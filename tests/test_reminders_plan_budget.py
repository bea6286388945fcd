"""A sweep plans at most its budget of rows: after a big import the ledger fills over a few
sweeps, each bounded, and ends with exactly the rows one unbounded plan would have written,
each sent once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bench.seed import Programme, seed_programme
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.models import Delivery
from bot.reminders.planner import Planning, plan
from bot.reminders.sweep import SweepReport, run_sweep
from bot.vocab import ReminderKind
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import FAST, World, world

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday: digests are owed too
RULESET = load_ruleset()
REMINDER_KINDS = {str(k) for k in ReminderKind}


@pytest.fixture
def programme(db_factory: DatabaseFactory) -> Iterator[tuple[Database, Programme]]:
    db = Database(db_factory.new())
    seeded = seed_programme(db, mentees=60, mentors=4, now=NOW, flags_checked=NOW)
    try:
        yield db, seeded
    finally:
        db.dispose()


@pytest.fixture
def seeded(programme: tuple[Database, Programme]) -> Database:
    return programme[0]


def owed_keys(db: Database) -> set[str]:
    """What one plan with no budget would write (rolled back)."""
    with db.dry_run() as session:
        plan(session, now=NOW, ruleset=RULESET)
        return set(session.scalars(select(Delivery.dedupe_key)))


def ledger_keys(db: Database) -> list[str]:
    with db.read_only() as session:
        return list(session.scalars(select(Delivery.dedupe_key)))


def test_sweeps_fill_the_ledger_within_their_budget(
    programme: tuple[Database, Programme],
) -> None:
    seeded, people = programme
    owed = owed_keys(seeded)
    budget = 37
    assert len(owed) > 3 * budget  # the programme owes several sweeps' worth
    with FakeSlack() as fake:
        for user in [people.admin, *people.mentors, *people.mentees]:
            fake.add_user(user, user)
        w: World = world(seeded, fake, NOW)
        added: list[int] = []
        reports: list[SweepReport] = []
        while not reports or reports[-1].plan_cut_short:
            report = run_sweep(w.db, w.notifier, w.clock, RULESET, FAST, plan_budget=budget)
            reports.append(report)
            added.append(sum(n for k, n in report.planned.items() if k in REMINDER_KINDS))
            assert len(added) < 20, "planning made no progress"
        # Each sweep but the last planned its whole budget and said the rest comes later.
        assert len(added) == len(owed) // budget + 1
        assert added[:-1] == [budget] * (len(added) - 1)
        assert "the rest next sweep" in reports[0].lines()[1]
        assert "the rest next sweep" not in reports[-1].lines()[1]
        keys = ledger_keys(seeded)
        reminders = {k for k in keys if k in owed}
        assert reminders == owed
        assert len(keys) == len(set(keys))
        sent = w.accepted_keys()
        assert sent
        assert max(sent.values()) == 1
        assert sum(r.dispatch.failed for r in reports if r.dispatch) == 0


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(budget=st.integers(min_value=1, max_value=400))
def test_any_budget_plans_the_same_rows_in_the_end(seeded: Database, budget: int) -> None:
    """Planning in budgeted passes (rolled back together) writes what one pass writes."""
    owed = owed_keys(seeded)
    with seeded.dry_run() as session:
        passes = 0
        while True:
            planning = Planning(now=NOW, ruleset=RULESET, budget=budget)
            planning.run_all(session)
            passes += 1
            assert sum(planning.added.values()) <= budget
            if not planning.cut_short:
                break
            assert sum(planning.added.values()) == budget
            assert passes <= len(owed) // budget + 2
        planned = set(session.scalars(select(Delivery.dedupe_key)))
        count = session.scalar(select(func.count()).select_from(Delivery))
    assert planned == owed
    assert count == len(owed)
    assert passes == len(owed) // budget + 1
