"""Zones are refreshed from Slack's users.info at most daily, and a change reschedules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.models import Person
from bot.people import ensure_person
from bot.reminders.zones import refresh_zones
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import World, world

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def zoned(db_factory: DatabaseFactory) -> Iterator[World]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_user("UZONE1", "Zoe Moved", tz="Asia/Tokyo")
        w = world(db, fake, NOON)
        with db.unit_of_work() as s:
            ensure_person(
                s, slack_user_id="UZONE1", display_name="Zoe", tz="Europe/London", now=NOON
            )
        yield w
    db.dispose()


def zone(w: World) -> tuple[str | None, str, datetime | None]:
    with w.db.read_only() as s:
        person = s.scalars(select(Person).where(Person.slack_user_id == "UZONE1")).one()
        return person.tz, person.display_name, person.tz_checked_at


def test_refresh_reads_slack_then_waits_a_day(zoned: World) -> None:
    assert refresh_zones(zoned.db, zoned.notifier, zoned.clock) == 1
    assert zone(zoned) == ("Asia/Tokyo", "Zoe Moved", NOON)
    assert len(zoned.fake.calls("users.info")) == 1
    zoned.clock.advance(timedelta(hours=23))
    assert refresh_zones(zoned.db, zoned.notifier, zoned.clock) == 0
    zoned.clock.advance(timedelta(hours=2))
    assert refresh_zones(zoned.db, zoned.notifier, zoned.clock) == 1
    assert len(zoned.fake.calls("users.info")) == 2


def test_slack_not_answering_leaves_the_last_good_zone(zoned: World) -> None:
    zoned.fake.fail_next("users.info", "server_error")
    assert refresh_zones(zoned.db, zoned.notifier, zoned.clock) == 0
    assert zone(zoned)[0] == "Europe/London"
