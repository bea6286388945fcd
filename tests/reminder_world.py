"""A small programme wired to the real reminder machinery, the fake Slack over HTTP, and a clock
the test moves."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import select

from bot.access import Actor
from bot.assessment.ruleset import Ruleset, load_ruleset
from bot.clock import FixedClock
from bot.db.engine import Database
from bot.models import Delivery, Person
from bot.outbox.dispatch import DispatchConfig
from bot.reminders.sweep import SweepReport, run_sweep
from bot.vocab import DeliveryState
from handlers.notifier import EVENT_TYPE, SlackNotifier
from sandbox.fake_slack import FakeSlack

FAST = DispatchConfig(send_rate=1000, burst=1000)


@dataclass
class World:
    db: Database
    fake: FakeSlack
    clock: FixedClock
    ruleset: Ruleset
    config: DispatchConfig = FAST

    @property
    def notifier(self) -> SlackNotifier:
        return SlackNotifier(
            WebClient(token="xoxb-test", base_url=self.fake.url, timeout=2, retry_handlers=[])
        )

    @property
    def system(self) -> Actor:
        return Actor.system(self.clock.now())

    def sweep(self) -> SweepReport:
        return run_sweep(self.db, self.notifier, self.clock, self.ruleset, self.config)

    def run_until(
        self, end: datetime, step: timedelta, at: dict[datetime, Any] | None = None
    ) -> None:
        """Tick until `end`; `at` maps instants to actions run when the clock reaches them."""
        pending = sorted((at or {}).items())
        while self.clock.now() <= end:
            while pending and pending[0][0] <= self.clock.now():
                pending.pop(0)[1]()
            self.sweep()
            self.clock.advance(step)

    def accepted_keys(self) -> Counter[str]:
        keys: Counter[str] = Counter()
        for message in self.fake.messages():
            metadata = message.metadata or {}
            if metadata.get("event_type") == EVENT_TYPE:
                keys[metadata["event_payload"]["dedupe_key"]] += 1
        return keys

    def sent(self) -> list[tuple[str, str, datetime]]:
        """(kind, recipient, business instant) of every delivery recorded as sent."""
        with self.db.read_only() as session:
            rows = session.execute(
                select(Delivery.kind, Person.slack_user_id, Delivery.updated_at)
                .join(Person, Person.id == Delivery.recipient_id)
                .where(Delivery.state == DeliveryState.SENT)
                .order_by(Delivery.updated_at)
            ).all()
        return [(kind, user, at) for kind, user, at in rows]


def local(at: datetime, tz: str) -> tuple[str, int]:
    moment = at.astimezone(ZoneInfo(tz))
    return moment.date().isoformat(), moment.hour


def world(db: Database, fake: FakeSlack, start: datetime, ruleset: Ruleset | None = None) -> World:
    return World(db=db, fake=fake, clock=FixedClock(start), ruleset=ruleset or load_ruleset())
