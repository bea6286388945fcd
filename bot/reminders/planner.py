"""Plan: one set-based INSERT … SELECT … ON CONFLICT DO NOTHING per reminder kind and stage,
each row inserted with its send instants.

What each kind owes is in `bot/reminders/owed.py` (a season's applications in
`bot/reminders/application_plan.py`); its instants come from the table of
(local day, window) instants (`bot/reminders/instants.py`), filled once per transaction, so no
row is written twice. The number of statements does not depend on the number of mentees.

A plan is a list of steps (`Planning.steps`), one statement each: `plan` runs them in the
caller's transaction; the sweep on SQLite commits after each, so that its one write lock is
never held for a whole first sweep after a big import (planning is idempotent: a step cut short
is done by the next sweep).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset
from bot.models import Person
from bot.outbox.ledger import plan_rows
from bot.reminders import application_plan, instants, owed
from bot.reminders.rows import COLUMNS, Window
from bot.vocab import ReminderKind

SCHEDULED = [*COLUMNS, "due_at", "expires_at"]
K = ReminderKind
PLANNING_CACHE_KIB = -64 * 1024  # SQLite's page cache while planning (negative: in KiB)
# How many rows one sweep plans at most. After a big import the ledger owes far more than a
# tick can send (the dispatcher sends at most DispatchConfig.max_rows a run, at the workspace's
# send rate), so planning it all at once would only hold the sweep up: each sweep plans this
# many, the next ones the rest. A sweep that catches up still looks up every candidate planned
# before (the steady sweep's work, 1.0-1.2 s at 100,000 mentees) and inserts at 15-50 µs a
# row: 10,000 keeps each under 2 s on both databases (bench/sweep.py), and still plans faster
# than a workspace's send rate can empty the ledger.
ROWS_PER_SWEEP = 10_000


@dataclass(frozen=True)
class Step:
    """One statement of a plan: a kind, and its candidate rows (a SELECT, not yet run)."""

    kind: ReminderKind
    candidates: Select[Any]


class Planning:
    """One sweep's plan: its steps, and how many rows each kind added."""

    def __init__(self, *, now: datetime, ruleset: Ruleset, budget: int | None = None) -> None:
        self.now, self.ruleset = now, ruleset
        self.added: dict[str, int] = {}
        # At most this many rows in all (None: no limit); `cut_short` says it was reached, so
        # that rows may be left for the next plan.
        self.budget = budget
        self.cut_short = False
        self._windows: list[instants.Window] | None = None
        self._planned: instants.Planned | None = None
        # Whose instants the table holds: this plan's own (its `now`), never another's.
        self._label = f"plan:{uuid.uuid4().hex}"

    def steps(self, session: Session) -> list[Step]:
        now, r = self.now, self.ruleset.reminders
        steps: list[Step] = []

        def window_for(kind: ReminderKind) -> Window:
            return Window.around(now, r.expiry_days[kind] + 1)

        window = window_for(K.MILESTONE_DUE)
        for stage in (r.lead_days, 0):
            steps.append(Step(K.MILESTONE_DUE, owed.milestone_due(window, now, stage)))
        every = r.overdue_every_days
        steps.append(Step(K.MILESTONE_OVERDUE, owed.milestone_overdue(window, now, every)))
        due = owed.checkpoint_dates(now)
        window = window_for(K.CHECKPOINT_DUE)
        for stage in (r.lead_days, 0):
            steps.append(Step(K.CHECKPOINT_DUE, owed.checkpoint_due(due, window, now, stage)))
        steps.append(Step(K.CHECKPOINT_OVERDUE, owed.checkpoint_overdue(due, window, now, every)))
        # Admins are few: read them first, so escalation joins a short list, not every person.
        admins = list(session.scalars(select(Person.id).where(Person.is_admin.is_(True))))
        if admins:
            after = r.escalate_to_admins_after_days
            escalation = owed.checkpoint_escalation(due, window, now, every, after, admins)
            steps.append(Step(K.CHECKPOINT_OVERDUE, escalation))
        window = window_for(K.SEASON)
        for season, event, day in owed.season_events(self.ruleset, window):
            steps.append(Step(K.SEASON, owed.season(window, now, season, event, day)))
        for due in application_plan.due_now(now, self.ruleset):
            steps.append(Step(due.kind, application_plan.application(due, now, self.ruleset)))
        steps.append(Step(K.FLAG_RAISED, owed.flags_raised(window, now, self.ruleset)))
        window = Window.around(now, 7)  # the latest digest day of the past week
        for day in owed.digest_days(window, r.digest_weekday):
            steps.append(Step(K.MENTOR_DIGEST, owed.digest(window, now, day)))
        return steps

    def run(self, session: Session, step: Step) -> int:
        """Insert the step's new rows with their instants (as many as the budget leaves);
        returns how many it added."""
        left = self._left()
        if left == 0:
            self.cut_short = True
            return 0
        if not instants.filled(session, self._label):
            _no_jit(session)
            if self._windows is None:
                self._windows = instants.every_window(session)
            days = _local_days(self.now, self.ruleset)
            instants.fill(
                session,
                itertools.product(days, self._windows),
                now=self.now,
                ruleset=self.ruleset,
                label=self._label,
            )
        if self._planned is None:  # the ledger before this plan: what the candidates skip
            self._planned = instants.worth_probing(session)
        rows = instants.with_instants(step.candidates, step.kind, planned=self._planned)
        if left is not None:
            # Rows planned already are left out before the limit, so it counts new rows only.
            rows = rows.limit(left)
        with _roomy_cache(session):
            count = plan_rows(session, SCHEDULED, rows)
        self.added[step.kind] = self.added.get(step.kind, 0) + count
        if left is not None and count >= left:
            self.cut_short = True
        return count

    def run_all(self, session: Session) -> None:
        for step in self.steps(session):
            self.run(session, step)

    def _left(self) -> int | None:
        if self.budget is None:
            return None
        return max(0, self.budget - sum(self.added.values()))


def plan(session: Session, *, now: datetime, ruleset: Ruleset) -> dict[str, int]:
    """Insert every delivery now owed, with its send instants; returns how many rows each kind
    added. (A sweep plans through `Planning` with a budget.)"""
    planning = Planning(now=now, ruleset=ruleset)
    planning.run_all(session)
    return planning.added


@contextmanager
def _roomy_cache(session: Session) -> Iterator[None]:
    """SQLite: a bigger page cache while a step inserts its rows (their index entries go all
    over the ledger's indexes, which outgrow the default 2 MiB cache at a large programme, and
    spilling it mid-transaction costs a fifth of a first sweep); the usual one after."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    usual = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = {PLANNING_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(usual or -2000)}"))


def _no_jit(session: Session) -> None:
    """PostgreSQL compiles a statement it estimates as costly (JIT) before running it: for a
    planning statement, run once per sweep, that took longer than the statement itself (0.7 s
    of 1.3 s measured at 100,000 mentees). Off for this transaction only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _local_days(now: datetime, ruleset: Ruleset) -> list[date]:
    """Every local day a planned row can be for: back as far as any kind looks (its expiry, an
    overdue stage's week, the past week's digest) to tomorrow. A row for a day outside it is
    still planned, and scheduled by the scheduler instead."""
    r = ruleset.reminders
    lookback = max(max(r.expiry_days.values()) + 1, r.overdue_every_days, 7)
    window = Window.around(now, lookback)
    return [window.lo + timedelta(days=i) for i in range((window.hi - window.lo).days + 1)]
