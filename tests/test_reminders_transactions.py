"""No row lock is held across a call to Slack: every Web API call the sweep makes (DMs, cards,
thread lines, updates, deletions, reconciliation, zone refreshes, the auth check) happens while
the process holds no database connection at all, hence no transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from bot.access import Actor
from bot.dashboards.outbox import set_dashboard_channel
from bot.db.engine import Database
from bot.mentees.dto import ProfileFields
from bot.mentees.enrolment import enroll
from bot.mentees.milestones import MilestoneCreate, add_milestones
from bot.mentees.service import forget, update_profile
from bot.people import ensure_person
from bot.profile.schema import ProfileIn
from bot.reminders.sweep import Slack, run_sweep
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import FAST, World, world

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday
MENTORS = "GMENTORSTX"
EVERY_CALL = {
    "open_dm",
    "post",
    "channel_is_private",
    "post_card",
    "post_line",
    "update_card",
    "find_posted",
    "delete_message",
    "user_zone",
    "auth_ok",
}


class ConnectionWatch:
    """The real Slack notifier; at each call it notes how many of the process's database
    connections are checked out (inside a unit of work, at least one is)."""

    def __init__(self, notifier: Slack, db: Database) -> None:
        self.notifier, self.db = notifier, db
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.notifier, name)

        def watched(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, self.db.engine.pool.checkedout()))  # type: ignore[attr-defined]
            return method(*args, **kwargs)

        return watched


@pytest.fixture
def watched(db_factory: DatabaseFactory) -> Iterator[tuple[World, ConnectionWatch]]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel(MENTORS, "mentors", is_private=True)
        for user in ("UTXMENTEE", "UTXGONE", "UTXMENTOR"):
            fake.add_user(user, user, tz="UTC")
        w = world(db, fake, NOON)
        with db.unit_of_work() as s:
            set_dashboard_channel(s, MENTORS, NOON)
            ensure_person(s, slack_user_id="UTXMENTOR", display_name="M", now=NOON, tz="UTC")
        yield w, ConnectionWatch(w.notifier, db)
    db.dispose()


def test_no_slack_call_inside_a_transaction(watched: tuple[World, ConnectionWatch]) -> None:
    w, watch = watched

    def sweep() -> None:
        run_sweep(w.db, cast(Slack, watch), w.clock, w.ruleset, FAST)
        w.clock.advance(timedelta(seconds=40))

    with w.db.unit_of_work() as s:
        for user in ("UTXMENTEE", "UTXGONE"):
            enroll(
                s,
                actor=Actor.system(NOON),
                slack_user_id=user,
                tz="UTC",
                profile=ProfileIn(name=user, applicant_type="us_img"),
            )
            add_milestones(
                s,
                actor=Actor.system(NOON),
                slack_user_id=user,
                milestones=[MilestoneCreate(title="Task", due_on=NOON.date())],
            )
    w.fake.fail_next("chat.postMessage", "accept_then_drop", times=1)  # reconciled later
    for _ in range(3):
        sweep()  # DMs, cards, thread lines, zones; the dropped one found in the history
    with w.db.unit_of_work() as s:
        update_profile(
            s,
            actor=Actor.system(w.clock.now()),
            slack_user_id="UTXMENTEE",
            fields=ProfileFields(applicant_type="us_img", graduation_year=2020),
        )
        forget(s, actor=Actor.system(w.clock.now()), slack_user_id="UTXGONE")
    for _ in range(2):
        sweep()  # the card updated, the forgotten one's posts deleted
    w.fake.fail_next("chat.postMessage", "error", error="invalid_auth", times=1)
    with w.db.unit_of_work() as s:
        add_milestones(
            s,
            actor=Actor.system(w.clock.now()),
            slack_user_id="UTXMENTEE",
            milestones=[MilestoneCreate(title="Another", due_on=w.clock.now().date())],
        )
    sweep()  # paused
    w.clock.advance(timedelta(minutes=6))
    sweep()  # auth.test again: resumed

    assert {name for name, _ in watch.calls} >= EVERY_CALL
    inside = [(name, held) for name, held in watch.calls if held]
    assert inside == [], "Slack was called while a database connection was in use"
