"""Pruning (bot/retention.py, `matchpath prune`): what goes after its retention period, what
never goes, in chunks, once a day across instances, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from bot.access import Actor
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.db.locks import PRUNING
from bot.db.migrate import upgrade
from bot.models import AppSetting, AuditEvent, Delivery, Mentee, SlackEvent
from bot.retention import BUSY, FINISHED, LAST_RUN_SETTING, Retention, prune, prune_if_due
from bot.vocab import AuditOutcome, DeliveryKind, DeliveryState
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.factories import build_programme
from tests.reminder_world import world
from tests.test_cli_database import run_cli
from tests.test_reminders_season import KOLKATA, LONDON, NY, START
from tests.test_reminders_season import _populate as populate_season

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
RETENTION = Retention(audit_days=400, ledger_days=90, events_days=7)
_ids = itertools.count(1)


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        build_programme(session, Actor.system(NOW - timedelta(days=800)))
    yield database
    database.dispose()


def mentee_id(db: Database) -> int:
    with db.read_only() as session:
        return int(session.scalars(select(Mentee.id).order_by(Mentee.id)).first() or 0)


def audit(at: datetime) -> AuditEvent:
    return AuditEvent(
        at=at,
        actor_slack_id="UADMIN1",
        mentee_id=None,
        subject_slack_id=None,
        action="test.row",
        outcome=AuditOutcome.OK,
        detail={},
    )


@dataclass(frozen=True)
class Row:
    """A ledger row: its state and kind, days since it last changed and until (or since, when
    negative) it expires, and whether it is about a mentee still on the roster."""

    state: DeliveryState
    kind: DeliveryKind
    age_days: int
    expires_in_days: int | None
    for_mentee: bool

    def model(self, mentee: int) -> Delivery:
        changed = NOW - timedelta(days=self.age_days)
        expires = None if self.expires_in_days is None else NOW + timedelta(self.expires_in_days)
        return Delivery(
            dedupe_key=f"test:{next(_ids)}",
            kind=self.kind,
            recipient_id=None,
            mentee_id=mentee if self.for_mentee else None,
            anchor_date=changed.date(),
            offset_days=0,
            due_at=changed,
            expires_at=expires,
            state=self.state,
            attempts=0,
            created_at=changed,
            updated_at=changed,
        )

    def prunable(self, ledger_days: int) -> bool:
        """What the ledger's retention rule says, written out plainly."""
        past = -ledger_days
        return (
            self.state in FINISHED
            and self.age_days > ledger_days
            and (self.expires_in_days is None or self.expires_in_days < past)
            and not (
                self.for_mentee
                and self.state is DeliveryState.SENT
                and self.kind in (DeliveryKind.DASHBOARD_CARD, DeliveryKind.DASHBOARD_REPLY)
            )
        )


def keys_left(db: Database) -> set[str]:
    with db.read_only() as session:
        return set(session.scalars(select(Delivery.dedupe_key)))


def add(db: Database, *rows: object) -> None:
    with db.unit_of_work() as session:
        session.add_all(rows)


def test_each_kind_goes_after_its_own_period_and_a_dry_run_deletes_nothing(
    db: Database,
) -> None:
    day = timedelta(days=1)
    with db.read_only() as session:  # the programme's set-up, audited 800 days ago
        set_up = session.scalar(select(text("count(*)")).select_from(AuditEvent)) or 0
    assert set_up > 0
    add(
        db,
        *(audit(NOW - days * day) for days in (401, 400.5, 399, 10)),
        *(SlackEvent(event_id=f"Ev{days}", received_at=NOW - days * day) for days in (30, 8, 6, 0)),
        *(
            Row(state, DeliveryKind.MILESTONE_DUE, age, -age, False).model(0)
            for state in DeliveryState
            for age in (91, 89)
        ),
    )
    dry = prune(db, now=NOW, retention=RETENTION, dry_run=True)
    expected = {"audit": set_up + 2, "ledger": len(FINISHED), "events": 2}
    assert (dry.audit, dry.ledger, dry.events, dry.dry_run) == (*expected.values(), True)
    assert dry.lines() == [
        f"audit: would delete {set_up + 2} events",
        f"ledger: would delete {len(FINISHED)} finished deliveries",
        "slack events: would delete 2 handled event ids",
    ]
    before = keys_left(db)
    done = prune(db, now=NOW, retention=RETENTION)
    assert (done.audit, done.ledger, done.events, done.dry_run) == (*expected.values(), False)
    with db.read_only() as session:
        ages = sorted((NOW - at).days for at in session.scalars(select(AuditEvent.at)))
        events = sorted(session.scalars(select(SlackEvent.event_id)))
        states = list(
            session.scalars(select(Delivery.state).where(Delivery.dedupe_key.in_(before)))
        )
    assert ages == [10, 399]
    assert events == ["Ev0", "Ev6"]
    # Every unfinished row stays whatever its age; a finished one only until its period is up.
    unfinished = set(DeliveryState) - set(FINISHED)
    assert sorted(states) == sorted([*unfinished, *unfinished, *FINISHED])
    assert prune(db, now=NOW, retention=RETENTION).lines() == [
        "audit: deleted 0 events",
        "ledger: deleted 0 finished deliveries",
        "slack events: deleted 0 handled event ids",
    ]


KINDS = st.sampled_from(
    [
        DeliveryKind.MILESTONE_DUE,
        DeliveryKind.FLAG_RAISED,
        DeliveryKind.DASHBOARD_CARD,
        DeliveryKind.DASHBOARD_REPLY,
        DeliveryKind.DASHBOARD_UPDATE,
        DeliveryKind.DASHBOARD_DELETE,
    ]
)
ROWS = st.builds(
    Row,
    state=st.sampled_from(list(DeliveryState)),
    kind=KINDS,
    age_days=st.integers(0, 200),
    expires_in_days=st.none() | st.integers(-200, 30),
    for_mentee=st.booleans(),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(ROWS, max_size=30), ledger_days=st.integers(30, 120), chunk=st.integers(1, 7))
def test_the_ledger_loses_exactly_the_finished_rows_past_retention(
    db: Database, rows: list[Row], ledger_days: int, chunk: int
) -> None:
    with db.unit_of_work() as session:
        session.execute(delete(Delivery))
    mentee = mentee_id(db)
    models = [row.model(mentee) for row in rows]
    add(db, *models)
    keep = {
        m.dedupe_key for m, row in zip(models, rows, strict=True) if not row.prunable(ledger_days)
    }
    retention = Retention(ledger_days=ledger_days)
    counted = prune(db, now=NOW, retention=retention, dry_run=True).ledger
    report = prune(db, now=NOW, retention=retention, chunk=chunk)
    assert report.ledger == counted == len(rows) - len(keep)
    assert keys_left(db) == keep
    assert report.stopped is None


def events_left(db: Database) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(text("count(*)")).select_from(SlackEvent)) or 0)


def test_deletes_go_in_chunks_and_stop_between_them(db: Database) -> None:
    old = NOW - timedelta(days=30)
    add(db, *(SlackEvent(event_id=f"Ev{n}", received_at=old) for n in range(10)))
    # Asked before each chunk: stop once the first chunk of events has gone.
    stopped = prune(
        db, now=NOW, retention=RETENTION, chunk=3, stop_requested=lambda: events_left(db) < 10
    )
    assert (stopped.events, stopped.stopped) == (3, "the process is stopping")
    assert stopped.lines()[-1] == "stopped early: the process is stopping; the next run goes on"
    assert events_left(db) == 7
    finished = prune(db, now=NOW, retention=RETENTION, chunk=3)
    assert (finished.events, finished.stopped) == (7, None)
    assert events_left(db) == 0


def test_the_daily_job_runs_once_a_day_whatever_the_instances(db: Database) -> None:
    add(db, SlackEvent(event_id="EvOld", received_at=NOW - timedelta(days=30)))
    first = prune_if_due(db, now=NOW, retention=RETENTION)
    assert first is not None
    assert first.events == 1
    add(db, SlackEvent(event_id="EvOlder", received_at=NOW - timedelta(days=30)))
    # Another instance, or the next hourly tick, the same day: not due.
    assert prune_if_due(db, now=NOW + timedelta(hours=23), retention=RETENTION) is None
    with db.read_only() as session:
        last = session.get(AppSetting, LAST_RUN_SETTING)
        assert last is not None
        assert datetime.fromisoformat(last.value) == NOW
    later = prune_if_due(db, now=NOW + timedelta(days=1, minutes=1), retention=RETENTION)
    assert later is not None
    assert later.events == 1


def test_one_instance_prunes_at_a_time(db: Database, db_factory: DatabaseFactory) -> None:
    if db_factory.backend != "postgresql":
        pytest.skip("SQLite: every write transaction has the database to itself")
    add(db, SlackEvent(event_id="EvOld", received_at=NOW - timedelta(days=30)))
    other = Database(db.url)
    try:
        with other.unit_of_work() as session:  # another instance, pruning now
            session.execute(select(text(f"pg_advisory_xact_lock({PRUNING})")))
            assert prune_if_due(db, now=NOW, retention=RETENTION) is None
            busy = prune(db, now=NOW, retention=RETENTION)
            assert (busy.events, busy.stopped) == (0, BUSY)
    finally:
        other.dispose()
    assert prune(db, now=NOW, retention=RETENTION).events == 1


def test_pruning_at_the_shortest_retention_never_sends_a_reminder_twice(
    db_factory: DatabaseFactory,
) -> None:
    """A finished row is what keeps its reminder from being planned again: pruned at the
    shortest retention after every sweep, with every kind's expiry (and so the planner's
    look-back) at the longest a ruleset allows, each reminder still reaches Slack once."""
    ruleset = load_ruleset()
    longest = dict.fromkeys(ruleset.reminders.expiry_days, 60)
    ruleset = ruleset.model_copy(
        update={"reminders": ruleset.reminders.model_copy(update={"expiry_days": longest})}
    )
    shortest = Retention(audit_days=30, ledger_days=30, events_days=1)
    database = Database(db_factory.new())
    pruned = 0
    try:
        with FakeSlack() as fake:
            for user, tz in [("UMA", NY), ("UMB", KOLKATA), ("UMM", LONDON), ("UMX", KOLKATA)]:
                fake.add_user(user, user, tz=tz)
            w = world(database, fake, START.replace(hour=14), ruleset)
            populate_season(w)
            for _ in range(120):
                w.sweep()
                pruned += prune(database, now=w.clock.now(), retention=shortest).ledger
                w.clock.advance(timedelta(days=1))
            keys = w.accepted_keys()
    finally:
        database.dispose()
    assert pruned > 10  # sent rows really went, while their reminders were still plannable
    assert sum(keys.values()) > 10
    assert {key: count for key, count in keys.items() if count > 1} == {}


def test_the_prune_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'matchpath.db'}"
    database = Database(url)
    try:
        upgrade(url)
        now = datetime.now(UTC)
        add(
            database,
            audit(now - timedelta(days=500)),
            audit(now - timedelta(days=5)),
            *(SlackEvent(event_id=f"Ev{n}", received_at=now - timedelta(days=n)) for n in (3, 9)),
        )
        env = {"MATCHPATH_DATABASE_URL": url, "MATCHPATH_RETAIN_EVENTS_DAYS": "2"}
        dry = run_cli("prune", "--dry-run", env=env)
        assert (dry.returncode, dry.stderr) == (0, "")
        assert dry.stdout.splitlines() == [
            "audit: would delete 1 events",
            "ledger: would delete 0 finished deliveries",
            "slack events: would delete 2 handled event ids",
        ]
        assert events_left(database) == 2
        done = run_cli("prune", env=env)
        assert done.returncode == 0
        assert done.stdout.splitlines()[0] == "audit: deleted 1 events"
        assert events_left(database) == 0
        refused = run_cli("prune", env=env | {"MATCHPATH_RETAIN_LEDGER_DAYS": "7"})
        assert refused.returncode == 2
        assert refused.stderr == (
            "matchpath: setting MATCHPATH_RETAIN_LEDGER_DAYS: Input should be greater than or "
            "equal to 30\n"
        )
    finally:
        database.dispose()
