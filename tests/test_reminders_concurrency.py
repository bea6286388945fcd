"""Concurrency: several dispatchers at once, thousands of due reminders: zero duplicates, zero
losses. Three processes on PostgreSQL; two threads on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.assessment.ruleset import load_ruleset
from bot.clock import FixedClock
from bot.db.engine import Database
from bot.models import Delivery
from bot.outbox.dispatch import DispatchConfig
from bot.reminders.planner import plan
from bot.reminders.schedule import schedule
from bot.reminders.sweep import dispatcher_for
from bot.roster.schema import Roster
from bot.roster.service import import_roster
from sandbox.fake_slack import FakeSlack
from tests.bulk import seed_due_milestones
from tests.databases import DatabaseFactory
from tests.reminder_world import FAST, World

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NIGHT = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def _prepare(db: Database, fake: FakeSlack, count: int) -> None:
    users = seed_due_milestones(db, count=count, due_on=NOON.date(), now=NOON, prefix="UCONC")
    for user in users:
        fake.add_user(user, user, tz="UTC")
    with db.unit_of_work() as session:
        plan(session, now=NOON, ruleset=load_ruleset())
        schedule(session, now=NOON, ruleset=load_ruleset())


def sweeps_at_once(
    db: Database, fake: FakeSlack, at: datetime, *, processes: int
) -> list[tuple[str, str]]:
    """Run `matchpath sweep` in several processes at the same time; their outputs."""
    env = {
        **os.environ,
        "MATCHPATH_DATABASE_URL": db.url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "MATCHPATH_SLACK_API_URL": fake.url,
        "MATCHPATH_SEND_RATE": "1000",
    }
    stamp = at.isoformat().replace("+00:00", "Z")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "sweep", "--now", stamp],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * processes, outputs
    return outputs


def _check(db: Database, fake: FakeSlack, count: int) -> None:
    keys = Counter(m.metadata["event_payload"]["dedupe_key"] for m in fake.messages() if m.metadata)
    assert len(keys) == count, f"lost {count - len(keys)}"
    duplicates = {k: n for k, n in keys.items() if n > 1}
    assert duplicates == {}
    with db.read_only() as session:
        sent = session.scalar(select(func.count(Delivery.id)).where(Delivery.state == "sent"))
    assert sent == count


def test_three_processes_on_postgresql(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("the multi-process drill runs on PostgreSQL")
    count = 1500
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        _prepare(db, fake, count)
        outputs = sweeps_at_once(db, fake, NOON + timedelta(minutes=1), processes=3)
        sent_by = [int(out.split("dispatched: ")[1].split(" sent")[0]) for out, _ in outputs]
        assert sum(sent_by) == count
        assert sum(1 for n in sent_by if n > 0) >= 2, f"no contention to speak of: {sent_by}"
        _check(db, fake, count)
    db.dispose()


def test_two_threads_on_sqlite(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "sqlite":
        pytest.skip("the thread drill runs on SQLite")
    count = 300
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        _prepare(db, fake, count)
        world = World(
            db=db, fake=fake, clock=FixedClock(NOON + timedelta(minutes=1)), ruleset=load_ruleset()
        )
        config = DispatchConfig(send_rate=1000, burst=1000, batch=10)
        errors: list[BaseException] = []
        reports = []

        def run() -> None:
            try:
                reports.append(
                    dispatcher_for(db, world.notifier, world.clock, world.ruleset, config).run()
                )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []
        assert sum(r.sent for r in reports) == count
        assert all(r.sent > 0 for r in reports), [r.sent for r in reports]
        _check(db, fake, count)
    db.dispose()


def test_two_processes_never_duplicate_dashboards(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("the multi-process drill runs on PostgreSQL")
    from bot.dashboards.outbox import set_dashboard_channel

    count = 300
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel("GMENTORS1", "mentors", is_private=True)
        seed_due_milestones(
            db, count=count, due_on=NOON.date() + timedelta(days=30), now=NOON, prefix="UDSH"
        )
        with db.unit_of_work() as session:
            set_dashboard_channel(session, "GMENTORS1", NOON)
        sweeps_at_once(db, fake, NOON, processes=2)
        parents = [m for m in fake.messages("GMENTORS1") if m.thread_ts is None]
        keys = Counter(m.metadata["event_payload"]["dedupe_key"] for m in parents if m.metadata)
        assert len(parents) == count
        assert set(keys.values()) == {1}
    db.dispose()


FLAGGED_MENTEES = 40  # the old code crashed a sweep in nearly every round at this size
ROUNDS = 20


def flagged_roster(mentees: int) -> Roster:
    """Mentees whose profiles raise flags at the first sweep: two cycles without an interview
    (STAG-NO-TRACTION), applying again with nothing new (STAG-REAPPLY)."""
    mentors = [
        {"slack_user_id": f"UFLM{i:03d}", "name": f"Mentor {i}", "tz": "UTC"} for i in range(4)
    ]
    cycles = [
        {
            "season": season,
            "submitted_on": f"{season - 1}-09-03",
            "applications": {"general_surgery": 60},
            "interviews": 0,
            "outcome": "unmatched",
        }
        for season in (2025, 2026)
    ]
    return Roster.model_validate(
        {
            "mentors": mentors,
            "mentees": [
                {
                    "slack_user_id": f"UFLG{i:04d}",
                    "name": f"Mentee {i}",
                    "tz": "UTC",
                    "mentors": [mentors[i % 4]["slack_user_id"]],
                    "applicant_type": "non_us_img",
                    "visa": "j1",
                    "ecfmg": "certified",
                    "targets": ["general_surgery"],
                    "exams": [
                        {"exam": "step2ck", "score": 231, "attempt": 1, "taken_on": "2023-03-01"}
                    ],
                    "cycles": cycles,
                }
                for i in range(mentees)
            ],
        }
    )


def raised_in(output: str) -> int:
    """The flags a sweep says it raised (none when another instance was planning)."""
    flags = output.splitlines()[0]
    if "skipped" in flags:
        return 0
    return int(flags.split(" checked, ")[1].split(" raised")[0])


@pytest.mark.slow
def test_three_sweeps_after_an_import_raise_each_flag_once(db_factory: DatabaseFactory) -> None:
    """Three `matchpath sweep` processes started together on a fresh PostgreSQL database right
    after an import, round after round: none may crash on a race the database resolves, and
    each flag, card and line exists once."""
    if db_factory.backend != "postgresql":
        pytest.skip("the multi-process drill runs on PostgreSQL")
    from bot.access import Actor
    from bot.dashboards.outbox import set_dashboard_channel
    from bot.models import DashboardCard, Flag, Mentee

    roster = flagged_roster(FLAGGED_MENTEES)
    imported_at = NIGHT - timedelta(days=1)
    with FakeSlack() as fake:
        fake.add_channel("GMENTORSFL", "mentors", is_private=True)
        users = [m.slack_user_id for m in roster.mentors] + [
            m.slack_user_id for m in roster.mentees
        ]
        for user in users:
            assert user is not None
            fake.add_user(user, user, tz="UTC")
        for round_ in range(ROUNDS):
            db = Database(db_factory.new())
            with db.unit_of_work() as session:
                import_roster(session, actor=Actor.system(imported_at), roster=roster)
                set_dashboard_channel(session, "GMENTORSFL", imported_at)
            # At 03:00 the flags' DMs wait for the morning: the sweeps raise flags and create
            # and post cards and thread lines together, and each round stays short.
            outputs = sweeps_at_once(db, fake, NIGHT, processes=3)  # every exit code 0
            raised = sum(raised_in(out) for out, _ in outputs)
            with db.read_only() as session:
                flags = Counter(session.execute(select(Flag.mentee_id, Flag.rule)).all())
                lines = session.scalar(
                    select(func.count(Delivery.id)).where(
                        Delivery.dedupe_key.like("%:flag-raised:%")
                    )
                )
                cards = session.scalar(select(func.count(DashboardCard.mentee_id)))
                mentees = session.scalar(select(func.count(Mentee.id)))
            assert set(flags.values()) == {1}, f"round {round_}: a flag raised twice"
            assert len(flags) >= 2 * FLAGGED_MENTEES, f"round {round_}: flags missing"
            assert raised == len(flags) == lines, f"round {round_}: {raised} raised"
            assert cards == mentees == FLAGGED_MENTEES
            db.dispose()


def held_meanwhile(db: Database, hold: Callable[[Session], object], work: Callable[[], T]) -> T:
    """Run `work` in a thread while another transaction has done `hold` and not committed:
    `work` must wait for it (they conflict), then finish without error once it commits."""
    done: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:
            errors.append(exc)

    with Session(db.engine) as holder, holder.begin():
        hold(holder)
        holder.flush()
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=2)
        assert thread.is_alive(), f"did not wait for the held row: {errors or done}"
    thread.join(timeout=60)
    assert errors == []
    return done[0]


def test_a_card_created_while_a_sweep_plans_it(db_factory: DatabaseFactory) -> None:
    """A mentor's action creates a mentee's card while a sweep's planning has inserted it and
    not yet committed: the action waits, then uses that card (no IntegrityError)."""
    if db_factory.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    from bot.access import Actor
    from bot.dashboards.outbox import plan_dashboards, set_dashboard_channel
    from bot.mentees.milestones import MilestoneCreate, add_milestones
    from bot.models import DashboardCard

    db = Database(db_factory.new())
    users = seed_due_milestones(db, count=1, due_on=NOON.date(), now=NOON, prefix="UCARDR")
    with db.unit_of_work() as session:
        set_dashboard_channel(session, "GMENTORSR", NOON)

    def add_one() -> None:
        with db.unit_of_work() as session:
            add_milestones(
                session,
                actor=Actor.system(NOON),
                slack_user_id=users[0],
                milestones=[MilestoneCreate(title="Book Step 3", due_on=NOON.date())],
            )

    held_meanwhile(db, lambda s: plan_dashboards(s, now=NOON), add_one)
    with db.read_only() as session:
        assert session.scalar(select(func.count(DashboardCard.mentee_id))) == 1
        keys = set(session.scalars(select(Delivery.dedupe_key)))
    assert "card:1:g1" in keys
    assert any(key.startswith("dash:1:") for key in keys)  # the action's line
    db.dispose()


def test_two_instances_pausing_the_workspace_at_once(db_factory: DatabaseFactory) -> None:
    """Slack refuses the token to two instances at once: both pause, neither crashes."""
    if db_factory.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    from bot.models import WorkspacePause

    db = Database(db_factory.new())
    with FakeSlack() as fake:
        _prepare(db, fake, 2)
        fake.fail_next("chat.postMessage", "error", error="invalid_auth", times=1)
        w = World(db=db, fake=fake, clock=FixedClock(NOON), ruleset=load_ruleset())

        def paused_by_the_other(session: Session) -> None:
            session.add(
                WorkspacePause(name="workspace", reason="x", paused_at=NOON, checked_at=NOON)
            )

        def dispatch() -> bool:
            return dispatcher_for(db, w.notifier, w.clock, w.ruleset, FAST).run().paused

        assert held_meanwhile(db, paused_by_the_other, dispatch) is True
    db.dispose()


def test_a_flag_raised_while_another_transaction_raises_it(db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    from bot.flags.sweep import evaluate_flags
    from bot.models import Flag, Mentee

    db = Database(db_factory.new())
    seed_due_milestones(db, count=1, due_on=NOON.date(), now=NOON - timedelta(days=400))
    later = NOON + timedelta(days=1)  # 400 days without progress: STAG-NO-PROGRESS holds

    def raised_by_the_other(session: Session) -> None:
        mentee = session.scalars(select(Mentee.id)).one()
        session.add(Flag(mentee_id=mentee, rule="STAG-NO-PROGRESS", raised_at=later, detail=""))

    def evaluate() -> int:
        with db.unit_of_work() as session:
            return evaluate_flags(session, now=later, ruleset=load_ruleset()).raised

    assert held_meanwhile(db, raised_by_the_other, evaluate) == 0  # the other one raised it
    with db.read_only() as session:
        assert session.scalar(select(func.count(Flag.id))) == 1
    db.dispose()


def test_a_sweep_leaves_planning_to_the_instance_doing_it_and_sends(
    db_factory: DatabaseFactory,
) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    from bot.db.locks import PLANNING, try_step_lock

    db = Database(db_factory.new())
    with FakeSlack() as fake:
        _prepare(db, fake, 5)  # planned and scheduled before
        w = World(db=db, fake=fake, clock=FixedClock(NOON), ruleset=load_ruleset())
        with Session(db.engine) as other, other.begin():
            assert try_step_lock(other, PLANNING)
            report = w.sweep()
        assert report.deferred == {
            "flags": "another instance is planning now",
            "planned": "another instance is planning now",
        }
        assert "planned: skipped, another instance is planning now" in report.lines()
        assert report.dispatch is not None
        assert report.dispatch.sent == 5
        assert w.sweep().deferred == {}  # the lock went with the other transaction
    db.dispose()
