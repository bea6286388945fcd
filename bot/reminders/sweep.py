"""One sweep: evaluate flags, plan, schedule, expire, dispatch, reap. Safe to run on every
instance at once and after any crash: the database decides who sends what, and which instance
plans."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.assessment.ruleset import Ruleset
from bot.clock import Clock
from bot.dashboards import courier as dashboards
from bot.dashboards.outbox import plan_dashboards
from bot.dashboards.ports import ChannelPosts
from bot.db.engine import Database, contention
from bot.db.locks import PLANNING, try_step_lock
from bot.flags.sweep import FlagReport, evaluate_flags
from bot.models import Delivery, Person
from bot.outbox.courier import Couriers
from bot.outbox.crash import crashpoint
from bot.outbox.dispatch import DispatchConfig, Dispatcher
from bot.outbox.reaper import ReapReport, reap
from bot.outbox.report import DispatchReport
from bot.reminders import courier as reminders
from bot.reminders.planner import ROWS_PER_SWEEP, Planning, plan
from bot.reminders.ports import DirectMessages
from bot.reminders.schedule import expire, schedule, window_of
from bot.reminders.timing import next_allowed
from bot.reminders.zones import refresh_zones
from bot.replay import forget_old
from bot.vocab import DeliveryState

log = logging.getLogger("matchpath.reminders")
BUSY_PLANNING = "another instance is planning now"


class Slack(ChannelPosts, DirectMessages, Protocol):
    """Slack as a sweep sees it: DMs, the mentors channel, and whether the token works."""

    def auth_ok(self) -> bool:
        """Whether the app's token works again (after a workspace pause)."""
        ...


def couriers_for(slack: Slack, ruleset: Ruleset) -> Couriers:
    """Every kind of ledger row, with its courier."""
    couriers = Couriers()
    reminders.register(couriers, dms=slack, ruleset=ruleset)
    dashboards.register(couriers, channels=slack, ruleset=ruleset)
    return couriers


def dispatcher_for(
    db: Database,
    slack: Slack,
    clock: Clock,
    ruleset: Ruleset,
    config: DispatchConfig | None = None,
    *,
    stop_requested: Callable[[], bool] = lambda: False,
) -> Dispatcher:
    return Dispatcher(
        db,
        couriers_for(slack, ruleset),
        clock,
        config,
        auth_ok=slack.auth_ok,
        stop_requested=stop_requested,
    )


@dataclass
class SweepReport:
    flags: FlagReport = field(default_factory=FlagReport)
    planned: dict[str, int] = field(default_factory=dict)
    # Reminder rows given their send instants this sweep: as they were planned, or by the
    # scheduler (a recipient's zone or quiet hours changed).
    scheduled: int = 0
    expired: int = 0
    dispatch: DispatchReport | None = None
    reap: ReapReport | None = None
    would_send: list[str] = field(default_factory=list)
    would_hold: list[str] = field(default_factory=list)
    zones: int = 0
    # Steps left for a later sweep, and why (a race the database settled against this one).
    deferred: dict[str, str] = field(default_factory=dict)
    # The sweep planned as many rows as it may (ROWS_PER_SWEEP): the rest come next sweep.
    plan_cut_short: bool = False

    def lines(self) -> list[str]:
        out = [
            self._or_deferred(
                "flags",
                f"{self.flags.checked} mentees checked, {self.flags.raised} raised, "
                f"{self.flags.cleared} cleared",
            ),
            self._or_deferred(
                "planned",
                ", ".join(f"{k} {v}" for k, v in sorted(self.planned.items()) if v)
                or "nothing new",
            )
            + ("; as many as a sweep plans, the rest next sweep" if self.plan_cut_short else ""),
            f"scheduled: {self.scheduled}; expired: "
            f"{self.expired + (self.dispatch.expired if self.dispatch else 0)}",
        ]
        if self.dispatch is not None:
            d = self.dispatch
            out.append(
                f"dispatched: {d.sent} sent, {d.cancelled} cancelled, {d.retry} to retry, "
                f"{d.unknown} unknown, {d.failed} failed"
                + (f"; {d.released} handed back (stopping)" if d.released else "")
                + (f", {d.held} held for quiet hours" if d.held else "")
                + (f", {d.put_back} put back" if d.put_back else "")
                + (f", {d.unrecorded} left to the reaper" if d.unrecorded else "")
                + (f"; stopped early, {d.busy}" if d.busy else "")
                + ("; SENDING PAUSED (Slack refused the token)" if d.paused else "")
            )
        if self.reap is not None:
            r = self.reap
            out.append(
                f"reaped: {r.expired_leases} stale leases; reconciled {r.found_sent} as "
                f"sent, {r.requeued} requeued, {r.still_unknown} still unknown"
            )
        for step in ("reaped", "zones"):
            if step in self.deferred:
                out.append(self._or_deferred(step, ""))
        if self.would_send:
            out.append(f"would send {len(self.would_send)}:")
            out += [f"  {line}" for line in self.would_send]
        if self.would_hold:
            out.append(f"would hold {len(self.would_hold)} for quiet hours:")
            out += [f"  {line}" for line in self.would_hold]
        return out

    def _or_deferred(self, step: str, done: str) -> str:
        reason = self.deferred.get(step)
        return f"{step}: " + (f"skipped, {reason}" if reason else done)


def run_sweep(
    db: Database,
    slack: Slack,
    clock: Clock,
    ruleset: Ruleset,
    config: DispatchConfig | None = None,
    *,
    dry_run: bool = False,
    stop_requested: Callable[[], bool] = lambda: False,
    plan_budget: int = ROWS_PER_SWEEP,
) -> SweepReport:
    """One pass. `stop_requested` says the process is stopping: the send in progress finishes,
    what is still claimed is handed back unsent, and the rest of the pass is skipped. At most
    `plan_budget` rows are planned (a dry run shows them all)."""
    now = clock.now()
    if dry_run:
        return _dry_run(db, now, ruleset)
    report = SweepReport()
    with _or_later(report, "flags"):
        _evaluate_flags(db, now, ruleset, report)
    with _or_later(report, "planned"):
        _plan(db, Planning(now=now, ruleset=ruleset, budget=plan_budget), report)
    couriers = couriers_for(slack, ruleset)
    report.dispatch = Dispatcher(
        db, couriers, clock, config, auth_ok=slack.auth_ok, stop_requested=stop_requested
    ).run()
    if stop_requested():
        return report
    with _or_later(report, "reaped"):
        report.reap = reap(db, couriers, clock, stop_requested=stop_requested)
    if not report.dispatch.paused:
        with _or_later(report, "zones"):
            report.zones = refresh_zones(db, slack, clock, stop_requested=stop_requested)
    return report


@contextmanager
def _or_later(report: SweepReport, step: str) -> Iterator[None]:
    """A race the database settled against this step (a lock timeout, a deadlock, a session
    ended for idling) leaves it to the next sweep; the sweep goes on. Anything else is raised."""
    try:
        yield
    except DBAPIError as exc:
        reason = contention(exc)
        if reason is None:
            raise
        log.warning("sweep: %s left to the next sweep: %s", step, reason)
        report.deferred[step] = reason


# Flags and planning are done by one instance at a time (see bot/db/locks.py): another
# instance that finds them under way leaves them to it and goes on to dispatch.


def _evaluate_flags(db: Database, now: datetime, ruleset: Ruleset, report: SweepReport) -> None:
    with db.unit_of_work() as session:
        if not try_step_lock(session, PLANNING):
            report.deferred["flags"] = BUSY_PLANNING
            return
        report.flags = evaluate_flags(session, now=now, ruleset=ruleset)


def _plan(db: Database, planning: Planning, report: SweepReport) -> None:
    now, ruleset = planning.now, planning.ruleset
    if db.is_sqlite:
        _plan_in_steps(db, planning, report)
        return
    with db.unit_of_work() as session:
        if not try_step_lock(session, PLANNING):
            report.deferred["planned"] = BUSY_PLANNING
            return
        planning.run_all(session)
        report.planned, report.plan_cut_short = dict(planning.added), planning.cut_short
        timed = sum(report.planned.values())
        report.planned.update(plan_dashboards(session, now=now))
        crashpoint("mid_plan")
        report.scheduled = timed + schedule(session, now=now, ruleset=ruleset)
        report.expired = expire(session, now=now)
        forget_old(session, datetime.now(UTC))  # replay guard: wall-clock, not business time


def _plan_in_steps(db: Database, planning: Planning, report: SweepReport) -> None:
    """SQLite: the same steps, each committed on its own, so that the database's one write
    lock goes to the serving process between them (every step is idempotent, and one cut
    short is done by the next sweep)."""
    now, ruleset = planning.now, planning.ruleset
    with db.unit_of_work() as session:
        steps = planning.steps(session)
    for step in steps:
        with db.unit_of_work() as session:
            planning.run(session, step)
    report.planned, report.plan_cut_short = dict(planning.added), planning.cut_short
    timed = sum(report.planned.values())
    with db.unit_of_work() as session:
        report.planned.update(plan_dashboards(session, now=now))
    crashpoint("mid_plan")
    with db.unit_of_work() as session:
        report.scheduled = timed + schedule(session, now=now, ruleset=ruleset)
    with db.unit_of_work() as session:
        report.expired = expire(session, now=now)
        forget_old(session, datetime.now(UTC))  # replay guard: wall-clock, not business time


def _dry_run(db: Database, now: datetime, ruleset: Ruleset) -> SweepReport:
    report = SweepReport()
    with db.dry_run() as session:
        if not try_step_lock(session, PLANNING):
            report.deferred["flags"] = report.deferred["planned"] = BUSY_PLANNING
            return report
        report.flags = evaluate_flags(session, now=now, ruleset=ruleset)
        report.planned = plan(session, now=now, ruleset=ruleset)
        timed = sum(report.planned.values())
        report.planned.update(plan_dashboards(session, now=now))
        report.scheduled = timed + schedule(session, now=now, ruleset=ruleset)
        report.expired = expire(session, now=now)
        due = session.execute(
            select(Delivery.dedupe_key, Delivery.kind, Person)
            .join(Person, Person.id == Delivery.recipient_id)
            .where(
                Delivery.state.in_([DeliveryState.PENDING, DeliveryState.RETRY_WAIT]),
                Delivery.due_at <= now,
            )
            .order_by(Delivery.due_at, Delivery.id)
        ).all()
        send_minute = ruleset.reminders.send_hour * 60
        for key, kind, person in due:
            line = f"{kind} to {person.slack_user_id} ({key})"
            allowed = next_allowed(now, window_of(person), send_minute)
            if allowed > now:
                report.would_hold.append(f"{line} until {allowed:%Y-%m-%d %H:%M} UTC")
            else:
                report.would_send.append(line)
    return report
