"""The Slack fault matrix: whatever Slack does, exactly one accepted post per dedupe key, and
the ledger ends in the right state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.db.engine import Database
from bot.mentees.enrolment import enroll
from bot.mentees.milestones import MilestoneCreate, add_milestones
from bot.models import Delivery, WorkspacePause
from bot.outbox.reaper import reap
from bot.people import PersonSettings, update_settings
from bot.profile.schema import ProfileIn
from bot.reminders.planner import plan
from bot.reminders.schedule import schedule
from bot.reminders.sweep import couriers_for, dispatcher_for
from handlers.notifier import SlackNotifier
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import World, world

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
def fault_world(db_factory: DatabaseFactory) -> Iterator[World]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        w = world(db, fake, NOON)
        for i in range(3):
            user = f"UFA{i}"
            fake.add_user(user, user, tz="UTC")
            with db.unit_of_work() as s:
                enroll(
                    s,
                    actor=w.system,
                    slack_user_id=user,
                    tz="UTC",
                    profile=ProfileIn(name=user, applicant_type="us_img"),
                )
                me = _self(s, user, w)
                update_settings(
                    s,
                    actor=me,
                    settings=PersonSettings(
                        quiet_start="00:00", quiet_end="00:00", quiet_weekends=False
                    ),
                )
                add_milestones(
                    s,
                    actor=w.system,
                    slack_user_id=user,
                    milestones=[MilestoneCreate(title=f"Task {i}", due_on=NOON.date())],
                )
        yield w
    db.dispose()


def _self(session: Any, user: str, w: World) -> Any:
    from bot.access import resolve_actor

    return resolve_actor(session, slack_user_id=user, admin_ids=frozenset(), now=w.clock.now())


def states(w: World) -> dict[str, str]:
    with w.db.read_only() as s:
        return {k: str(v) for k, v in s.execute(select(Delivery.dedupe_key, Delivery.state))}


def settle(w: World, sweeps: int = 6, step: timedelta = timedelta(minutes=1)) -> None:
    for _ in range(sweeps):
        w.sweep()
        w.clock.advance(step)


def assert_each_once(w: World, expected: int) -> None:
    keys = w.accepted_keys()
    assert len(keys) == expected, keys
    assert set(keys.values()) == {1}, keys


@pytest.mark.parametrize("kind", ["rate_limited", "server_error", "timeout", "accept_then_drop"])
def test_transient_faults_end_sent_once(fault_world: World, kind: str) -> None:
    w = fault_world
    w.fake.fail_next("chat.postMessage", kind, times=1, retry_after=1, delay=3.0)
    first = w.sweep()
    assert first.dispatch is not None
    outcome = {
        "rate_limited": first.dispatch.retry,
        "server_error": first.dispatch.unknown,
        "timeout": first.dispatch.unknown,
        "accept_then_drop": first.dispatch.unknown,
    }
    assert outcome[kind] == 1
    assert first.dispatch.sent == 2
    settle(w, step=timedelta(seconds=40))  # past Retry-After and the reaper's grace
    assert set(states(w).values()) == {"sent"}
    assert_each_once(w, 3)
    posts = [c for c in w.fake.calls("chat.postMessage") if c.accepted]
    assert len(posts) == 3  # Slack accepted each message once, whatever failed on the way


def test_dropped_connection_is_reconciled_not_resent(fault_world: World) -> None:
    w = fault_world
    w.fake.fail_next("chat.postMessage", "accept_then_drop", times=1)
    w.sweep()
    w.clock.advance(timedelta(seconds=40))
    report = reap(w.db, couriers_for(w.notifier, w.ruleset), w.clock)
    assert report.found_sent == 1
    assert report.requeued == 0
    assert_each_once(w, 3)


def test_permanent_error_is_recorded_and_never_retried(fault_world: World) -> None:
    w = fault_world
    w.fake.fail_next("chat.postMessage", "error", error="user_not_found", times=1)
    settle(w)
    final = states(w)
    assert sorted(final.values()) == ["failed", "sent", "sent"]
    posts = w.fake.calls("chat.postMessage")
    assert len(posts) == 3  # the failed one was tried once, never again
    assert_each_once(w, 2)


def test_revoked_auth_pauses_the_workspace_until_it_works(fault_world: World) -> None:
    w = fault_world
    w.fake.fail_next("chat.postMessage", "error", error="invalid_auth", times=1)
    w.fake.fail_next("auth.test", "error", error="invalid_auth", times=1)
    report = w.sweep()
    assert report.dispatch is not None
    assert report.dispatch.paused
    assert report.dispatch.sent == 0
    with w.db.read_only() as s:
        assert s.get(WorkspacePause, "workspace") is not None
    settle(w, sweeps=3)  # within the 5-minute re-check: still paused, nothing sent
    assert w.accepted_keys() == {}
    w.clock.advance(timedelta(minutes=6))  # auth.test fails once more: still paused
    settle(w, sweeps=1)
    assert w.accepted_keys() == {}
    w.clock.advance(timedelta(minutes=6))
    settle(w, sweeps=2)  # auth.test works now: resume
    assert_each_once(w, 3)
    with w.db.read_only() as s:
        assert s.get(WorkspacePause, "workspace") is None


def test_connection_refused_retries_later(fault_world: World) -> None:
    w = fault_world
    closed = SlackNotifier(
        WebClient(
            token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=2, retry_handlers=[]
        )
    )
    with w.db.unit_of_work() as s:
        plan(s, now=w.clock.now(), ruleset=w.ruleset)
        schedule(s, now=w.clock.now(), ruleset=w.ruleset)
    report = dispatcher_for(w.db, closed, w.clock, w.ruleset, w.config).run()
    assert report.retry == 3
    assert report.sent == 0
    assert set(states(w).values()) == {"retry_wait"}
    w.clock.advance(timedelta(seconds=31))
    settle(w, sweeps=2)
    assert set(states(w).values()) == {"sent"}
    assert_each_once(w, 3)


def _plan_only(w: World) -> None:
    with w.db.unit_of_work() as s:
        plan(s, now=w.clock.now(), ruleset=w.ruleset)
        schedule(s, now=w.clock.now(), ruleset=w.ruleset)


def test_short_downtime_only_delays(fault_world: World) -> None:
    w = fault_world
    _plan_only(w)  # planned, then the bot was down for two days
    w.clock.advance(timedelta(days=2))
    report = w.sweep()
    assert report.dispatch is not None
    assert report.dispatch.sent == 3
    assert report.expired == 0
    assert_each_once(w, 3)


def test_long_downtime_expires_and_counts(fault_world: World) -> None:
    w = fault_world
    _plan_only(w)
    w.clock.advance(timedelta(days=10))  # past the three-day expiry of a due-day reminder
    report = w.sweep()
    assert report.expired == 3
    final = states(w)
    assert {k for k, v in final.items() if v == "expired"} == {
        f"ms:{i}:v1:due0:p{i}" for i in (1, 2, 3)
    }
    # What is still true is still said: the milestones are a week overdue now.
    assert set(w.accepted_keys()) == {f"ms:{i}:v1:over1:p{i}" for i in (1, 2, 3)}


def test_a_card_whose_connection_dropped_is_found_and_becomes_the_card(
    db_factory: DatabaseFactory,
) -> None:
    """Slack accepted a dashboard card, then the connection dropped: the reaper finds it in the
    channel, and it is the mentee's card (its thread gets the lines; no second card)."""
    from bot.dashboards.outbox import set_dashboard_channel
    from bot.models import DashboardCard

    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel("GMENTORSF", "mentors", is_private=True)
        fake.add_user("UFCARD", "UFCARD", tz="UTC")
        w = world(db, fake, NOON)
        with db.unit_of_work() as s:
            set_dashboard_channel(s, "GMENTORSF", NOON)
            enroll(
                s,
                actor=w.system,
                slack_user_id="UFCARD",
                tz="UTC",
                profile=ProfileIn(name="UFCARD", applicant_type="us_img"),
            )
        fake.fail_next(
            "chat.postMessage", "accept_then_drop", times=1, match={"channel": "GMENTORSF"}
        )
        settle(w, sweeps=6, step=timedelta(seconds=40))
        messages = fake.messages("GMENTORSF")
        parents = [m for m in messages if m.thread_ts is None]
        assert len(parents) == 1, "the card was posted twice"
        lines = [m for m in messages if m.thread_ts is not None]
        assert lines, "no line reached the card's thread"
        assert {m.thread_ts for m in lines} == {parents[0].ts}
        with db.read_only() as s:
            card = s.get(DashboardCard, 1)
            assert card is not None
            assert card.ts == parents[0].ts
    db.dispose()
