"""Quiet hours hold at send time too: a reminder held back by downtime until someone's night
waits for their morning (or expires, counted), while dashboard posts go out whenever."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.access import Actor
from bot.dashboards.outbox import set_dashboard_channel
from bot.db.engine import Database
from bot.models import Delivery, Person
from bot.roster.schema import Roster
from bot.roster.service import import_roster
from handlers.notifier import EVENT_TYPE
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import World, world

LONDON, NEW_YORK = "Europe/London", "America/New_York"
IMPORTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MENTORS_CHANNEL = "GMENTORSQ"
MENTEE, MENTOR = "UQMENTEE", "UQMENTOR"


def roster(milestone_due: str, *, mentor: bool = True, cycles: bool = True) -> Roster:
    unmatched = [
        {
            "season": season,
            "submitted_on": f"{season - 1}-09-03",
            "applications": {"preliminary_surgery": 60},
            "interviews": 0,
            "outcome": "unmatched",
        }
        for season in (2025, 2026)
    ]
    mentee: dict[str, Any] = {
        "slack_user_id": MENTEE,
        "name": "L. London",
        "tz": LONDON,
        "mentors": [MENTOR] if mentor else [],
        "applicant_type": "non_us_img",
        "visa": "j1",
        "ecfmg": "certified",
        "targets": ["preliminary_surgery"],
        "exams": [{"exam": "step2ck", "score": 230, "attempt": 1, "taken_on": "2023-03-01"}],
        "milestones": [{"title": "Book Step 2 CK", "due_on": milestone_due, "status": "open"}],
        "cycles": unmatched if cycles else [],
    }
    mentors = [{"slack_user_id": MENTOR, "name": "Dr. New York", "tz": NEW_YORK}]
    return Roster.model_validate(
        {"admins": [], "mentors": mentors if mentor else [], "mentees": [mentee]}
    )


def imported(db_factory: DatabaseFactory, fake: FakeSlack, data: Roster) -> World:
    db = Database(db_factory.new())
    fake.add_user(MENTEE, "L. London", tz=LONDON)
    fake.add_user(MENTOR, "Dr. New York", tz=NEW_YORK)
    fake.add_channel(MENTORS_CHANNEL, "mentors", is_private=True)
    with db.unit_of_work() as session:
        import_roster(session, actor=Actor.system(IMPORTED), roster=data)
        set_dashboard_channel(session, MENTORS_CHANNEL, IMPORTED)
    return world(db, fake, IMPORTED)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


def dms(w: World) -> dict[str, list[str]]:
    """Dedupe keys of the DMs each person has been sent."""
    return {
        user: [
            m.metadata["event_payload"]["dedupe_key"]
            for m in w.fake.messages(user)
            if m.metadata and m.metadata.get("event_type") == EVENT_TYPE
        ]
        for user in (MENTEE, MENTOR)
    }


def waiting(w: World) -> dict[str, tuple[str, datetime | None, int]]:
    with w.db.read_only() as session:
        rows = session.execute(
            select(Delivery.dedupe_key, Delivery.state, Delivery.due_at, Delivery.attempts).where(
                Delivery.recipient_id.is_not(None)
            )
        ).all()
    return {key: (str(state), due, attempts) for key, state, due, attempts in rows}


def test_downtime_into_the_night_waits_for_each_recipients_morning(
    db_factory: DatabaseFactory, fake: FakeSlack
) -> None:
    w = imported(db_factory, fake, roster("2026-11-18"))  # an overdue milestone, two flags
    w.clock.set(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))  # 08:30 London, 03:30 New York
    w.sweep()
    assert dms(w) == {MENTEE: [], MENTOR: []}  # planned for 09:00 local: not yet
    planned = waiting(w)
    assert len(planned) == 7

    # Nothing sweeps until 03:00 London / 22:00 New York the next night.
    w.clock.set(datetime(2026, 12, 3, 3, 0, tzinfo=UTC))
    night = w.sweep()
    assert night.dispatch is not None
    assert dms(w) == {MENTEE: [], MENTOR: []}
    assert night.dispatch.held == 7
    assert "7 held for quiet hours" in "\n".join(night.lines())
    london_morning = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 08:00 GMT, quiet hours end
    new_york_morning = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 08:00 EST
    held = waiting(w)
    assert set(held) == set(planned)
    for key, (state, due, attempts) in held.items():
        assert (state, attempts) == ("pending", 0), key  # not counted as an attempt
        assert due == (london_morning if key.endswith(":p2") else new_york_morning), key
    # The mentors' channel is no person's night: the card and its thread went out.
    channel = fake.messages(MENTORS_CHANNEL)
    assert any(m.thread_ts is None for m in channel)
    assert any(m.thread_ts is not None for m in channel)

    sent_at: dict[str, datetime] = {}
    while w.clock.now() < datetime(2026, 12, 3, 15, 0, tzinfo=UTC):
        w.clock.advance(timedelta(minutes=30))
        w.sweep()
        for user, keys in dms(w).items():
            for key in keys:
                sent_at.setdefault(f"{user} {key}", w.clock.now())
    assert len(sent_at) == 7
    assert sum(len(keys) for keys in dms(w).values()) == 7  # each once
    with w.db.read_only() as session:
        windows = {
            p.slack_user_id: (p.effective_tz, p.quiet_start_minute, p.quiet_end_minute)
            for p in session.scalars(select(Person))
        }
    for what, at in sent_at.items():
        tz, start, end = windows[what.split()[0]]
        local = at.astimezone(ZoneInfo(tz))
        minute = local.hour * 60 + local.minute
        assert end <= minute < start, f"{what} sent at {local:%H:%M} {tz}"
        assert local.date().isoformat() == "2026-12-03"


def test_held_past_its_expiry_is_expired_and_counted(
    db_factory: DatabaseFactory, fake: FakeSlack
) -> None:
    # Due on Friday 4 December; a due-day reminder expires three days after its planned hour.
    w = imported(db_factory, fake, roster("2026-12-04", mentor=False, cycles=False))
    w.clock.set(datetime(2026, 12, 4, 8, 30, tzinfo=UTC))
    w.sweep()
    assert waiting(w) == {
        "ms:1:v1:due0:p1": ("pending", datetime(2026, 12, 4, 9, 0, tzinfo=UTC), 0)
    }
    # Down until Saturday night: quiet weekends would hold it until Monday 09:00, its expiry.
    w.clock.set(datetime(2026, 12, 5, 23, 0, tzinfo=UTC))
    report = w.sweep()
    assert dms(w) == {MENTEE: [], MENTOR: []}
    assert waiting(w)["ms:1:v1:due0:p1"][0] == "expired"
    assert report.dispatch is not None
    assert (report.dispatch.expired, report.dispatch.held) == (1, 0)
    assert "expired: 1" in "\n".join(report.lines())
    w.clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    w.sweep()
    assert dms(w) == {MENTEE: [], MENTOR: []}
