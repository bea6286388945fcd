"""The outbox's protocol with a courier written here: the outbox knows no kind, so a courier
registered for one takes its rows over, and they are planned, claimed, sent, recorded and
reaped through the same ledger as reminders and dashboards (a real database, the fake Slack
over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.db.engine import Database
from bot.models import Delivery
from bot.outbox import ledger
from bot.outbox.courier import Couriers, Decision, Hold, Job, NotYet, Result, Unsettled
from bot.outbox.dispatch import DispatchConfig, Dispatcher
from bot.outbox.keys import key
from bot.outbox.outcomes import Cancelled, Failure, PostTarget, Sent
from bot.outbox.reaper import reap
from bot.vocab import DeliveryKind, DeliveryState
from handlers.notifier import EVENT_TYPE, SlackNotifier
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CHANNEL = "COUTBOX01"
# Any member will do: the courier below takes it over, and nothing else is registered.
KIND = DeliveryKind.MENTOR_DIGEST
OTHER = DeliveryKind.SEASON
FAST = DispatchConfig(send_rate=1000, burst=1000, batch=5)


@dataclass(frozen=True, kw_only=True)
class Line(Job):
    text: str


class LineCourier:
    """Posts a row's body to one channel. A body of `cancel`, `hold` or `after:<key>` makes
    it decide instead (cancelled; held for an hour; waiting until that key is sent)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.settled: list[tuple[str, Result]] = []
        self.found_rows: list[tuple[str, Sent]] = []

    def prepare(self, session: Session, row: Delivery, now: datetime) -> Line | Decision:
        body = row.body or ""
        if body == "cancel":
            return Cancelled("no longer owed")
        if body == "hold":
            return Hold(now + timedelta(hours=1))
        if body.startswith("after:"):
            state = session.scalar(
                select(Delivery.state).where(Delivery.dedupe_key == body.removeprefix("after:"))
            )
            if state != DeliveryState.SENT:
                return NotYet(30)
        return Line(key=row.dedupe_key, text=body)

    def route(self, job: Line) -> Line | Failure:
        return replace(job, target=PostTarget(CHANNEL))

    def send(self, job: Line) -> Result:
        response = self.client.chat_postMessage(
            channel=CHANNEL,
            text=job.text,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"dedupe_key": job.key}},
        )
        return Sent(channel=str(response["channel"]), ts=str(response["ts"]))

    def settle(self, session: Session, job: Line, result: Result, now: datetime) -> None:
        self.settled.append((job.key, result))

    def find(self, row: Unsettled) -> str | Failure | None:
        if row.channel_id is None:
            return None
        notifier = SlackNotifier(self.client)
        return notifier.find_posted(row.channel_id, row.dedupe_key, row.created_at)

    def found(self, session: Session, row: Unsettled, sent: Sent) -> None:
        self.found_rows.append((row.dedupe_key, sent))


@dataclass
class Bench:
    db: Database
    fake: FakeSlack
    clock: FixedClock
    courier: LineCourier
    couriers: Couriers

    def plan(self, name: str, body: str, kind: DeliveryKind = KIND) -> bool:
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            return ledger.plan_row(
                session,
                dedupe_key=key("test:", name).text(),
                kind=kind,
                body=body,
                anchor_date=now.date(),
                offset_days=0,
                due_at=now,
                expires_at=now + timedelta(days=1),
                state=DeliveryState.PENDING,
                attempts=0,
                created_at=now,
                updated_at=now,
            )

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.db, self.couriers, self.clock, FAST, auth_ok=lambda: True)

    def rows(self) -> dict[str, Delivery]:
        with self.db.read_only() as session:
            rows = session.scalars(select(Delivery)).all()
            session.expunge_all()
        return {r.dedupe_key: r for r in rows}

    def posted(self) -> list[str]:
        return [
            str(m.metadata["event_payload"]["dedupe_key"])
            for m in self.fake.messages(CHANNEL)
            if m.metadata
        ]


@pytest.fixture
def bench(db_factory: DatabaseFactory) -> Iterator[Bench]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel(CHANNEL, "outbox-test")
        client = WebClient(token="xoxb-test", base_url=fake.url, timeout=5, retry_handlers=[])
        courier = LineCourier(client)
        couriers = Couriers()
        couriers.register([KIND], courier)
        yield Bench(db, fake, FixedClock(NOON), courier, couriers)
    db.dispose()


def test_a_courier_plugs_in_planned_claimed_sent_recorded(bench: Bench) -> None:
    assert bench.plan("one", "hello") is True
    assert bench.plan("one", "hello again") is False  # the same event is planned once
    report = bench.dispatcher().run()
    assert (report.sent, report.sent_keys) == (1, ["test:one"])
    row = bench.rows()["test:one"]
    assert (row.state, row.attempts, row.channel_id) == (DeliveryState.SENT, 1, CHANNEL)
    assert row.message_ts == bench.fake.messages(CHANNEL)[0].ts
    assert (row.claim_token, row.lease_until) == (None, None)
    assert bench.posted() == ["test:one"]
    assert bench.courier.settled == [("test:one", Sent(channel=CHANNEL, ts=row.message_ts))]
    assert bench.dispatcher().run().sent == 0  # nothing left: never sent twice


def test_decisions_are_applied_by_the_ledger(bench: Bench) -> None:
    bench.plan("cancel", "cancel")
    bench.plan("hold", "hold")
    bench.plan("waits-forever", "after:test:nothing")
    bench.plan("first", "the first line")
    bench.plan("second", "after:test:first")  # waits on a row of its own batch
    report = bench.dispatcher().run()
    assert (report.sent, report.cancelled, report.held) == (2, 1, 1)
    rows = bench.rows()
    assert rows["test:cancel"].state == DeliveryState.CANCELLED
    assert rows["test:cancel"].last_error == "no longer owed"
    held = rows["test:hold"]
    assert (held.state, held.attempts) == (DeliveryState.PENDING, 0)  # not an attempt
    assert held.due_at == NOON + timedelta(hours=1)
    waiting = rows["test:waits-forever"]
    assert (waiting.state, waiting.attempts) == (DeliveryState.RETRY_WAIT, 1)
    assert waiting.next_attempt_at == NOON + timedelta(seconds=30)
    assert bench.posted() == ["test:first", "test:second"]  # in order, in one run


def test_a_held_row_past_its_expiry_expires(bench: Bench) -> None:
    bench.plan("hold", "hold")
    with bench.db.unit_of_work() as session:
        session.execute(update(Delivery).values(expires_at=NOON + timedelta(minutes=30)))
    report = bench.dispatcher().run()
    assert (report.held, report.expired) == (0, 1)
    assert bench.rows()["test:hold"].state == DeliveryState.EXPIRED


def test_only_registered_kinds_are_claimed_or_reaped(bench: Bench) -> None:
    bench.plan("mine", "mine")
    bench.plan("theirs", "theirs", kind=OTHER)
    with bench.db.unit_of_work() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.kind == OTHER)
            .values(state=DeliveryState.UNKNOWN, updated_at=NOON - timedelta(hours=1))
        )
    assert bench.dispatcher().run().sent == 1
    assert reap(bench.db, bench.couriers, bench.clock).requeued == 0
    rows = bench.rows()
    assert rows["test:theirs"].state == DeliveryState.UNKNOWN  # left to its own courier
    assert rows["test:theirs"].attempts == 0


def test_a_crash_between_post_and_record_is_reaped_and_reconciled(bench: Bench) -> None:
    """A dispatcher claimed two rows, stored where they go, posted one, and died."""
    bench.plan("posted", "posted before the crash")
    bench.plan("unposted", "never posted")
    with bench.db.unit_of_work() as session:
        claims = ledger.claim(
            session,
            token="dead-instance",
            kinds=[KIND],
            now=NOON,
            limit=10,
            lease_seconds=90,
        )
        ledger.renew(
            session,
            claims,
            now=NOON,
            lease_seconds=90,
            targets={c.id: PostTarget(CHANNEL) for c in claims},
        )
    bench.courier.send(Line(key="test:posted", text="posted before the crash"))

    bench.clock.advance(timedelta(seconds=60))
    assert reap(bench.db, bench.couriers, bench.clock).expired_leases == 0  # lease still fresh
    bench.clock.advance(timedelta(seconds=31))
    first = reap(bench.db, bench.couriers, bench.clock)
    assert first.expired_leases == 2
    assert (first.found_sent, first.requeued) == (0, 0)  # Slack's history gets time to settle
    bench.clock.advance(timedelta(seconds=31))
    second = reap(bench.db, bench.couriers, bench.clock)
    assert (second.found_sent, second.requeued) == (1, 1)
    rows = bench.rows()
    assert rows["test:posted"].state == DeliveryState.SENT
    assert rows["test:posted"].message_ts == bench.fake.messages(CHANNEL)[0].ts
    assert [k for k, _ in bench.courier.found_rows] == ["test:posted"]
    assert rows["test:unposted"].state == DeliveryState.RETRY_WAIT

    assert bench.dispatcher().run().sent == 1
    assert sorted(bench.posted()) == ["test:posted", "test:unposted"]  # each once


def test_a_claim_lost_to_the_reaper_records_nothing(bench: Bench) -> None:
    bench.plan("slow", "a slow instance")
    with bench.db.unit_of_work() as session:
        claims = ledger.claim(
            session, token="slow", kinds=[KIND], now=NOON, limit=1, lease_seconds=90
        )
    bench.clock.advance(timedelta(seconds=91))
    assert reap(bench.db, bench.couriers, bench.clock).expired_leases == 1
    with bench.db.unit_of_work() as session:
        recorded = ledger.record(session, [(claims[0], Sent(CHANNEL, "1.0"))], now=NOON)
        assert ledger.renew(session, claims, now=NOON, lease_seconds=90) == set()
    assert recorded == set()
    assert bench.rows()["test:slow"].state == DeliveryState.UNKNOWN


def test_a_kind_has_one_courier() -> None:
    couriers = Couriers()
    courier: Any = object()
    couriers.register([KIND], courier)
    with pytest.raises(ValueError, match="already registered"):
        couriers.register([OTHER, KIND], courier)
    assert couriers.kinds == [KIND]
