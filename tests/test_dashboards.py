"""Dashboards end to end against the fake Slack: one living card per mentee, its thread, the
ledger's guarantees, privacy, and the roster."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.dashboards.outbox import set_dashboard_channel
from bot.dashboards.roster import build_roster
from bot.dashboards.service import note_from_thread
from bot.db.engine import Database
from bot.mentees.checkins import list_check_ins
from bot.mentees.dto import ProfileFields
from bot.mentees.enrolment import enroll
from bot.mentees.items import log_item
from bot.mentees.service import update_profile
from bot.models import DashboardCard, Flag, Mentee, Person
from bot.people import ensure_person
from bot.profile.schema import LetterIn, ProfileIn, ResearchIn
from sandbox.fake_slack import FakeSlack
from tests.blockkit import assert_valid_message
from tests.databases import DatabaseFactory
from tests.reminder_world import World, world

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MENTORS = "GMENTORS1"


@pytest.fixture
def dash(db_factory: DatabaseFactory) -> Iterator[World]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        fake.add_channel(MENTORS, "mentors", is_private=True)
        fake.add_channel("CPUBLIC1", "general", is_private=False)
        w = world(db, fake, NOON)
        with db.unit_of_work() as s:
            set_dashboard_channel(s, MENTORS, NOON)
            ensure_person(
                s, slack_user_id="UMENTOR1", display_name="Dr. M", now=NOON, tz="UTC"
            ).is_mentor = True
        yield w
    db.dispose()


def mentor(w: World, session: Session) -> Actor:
    return resolve_actor(
        session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=w.clock.now()
    )


def enrol(w: World, user: str = "UDASH1", name: str = "Priya") -> None:
    with w.db.unit_of_work() as s:
        enroll(
            s,
            actor=mentor(w, s),
            slack_user_id=user,
            tz="UTC",
            profile=ProfileIn(
                name=name,
                applicant_type="non_us_img",
                visa="j1",
                targets=["preliminary_surgery"],
                # something on file, so that one logged item moves no verdict by itself
                research=[
                    ResearchIn(
                        kind="poster", specialty="general_surgery", title="A", date=date(2025, 1, 1)
                    )
                ],
            ),
        )


def cards(w: World) -> list[dict[str, object]]:
    return [m.__dict__ for m in w.fake.messages(MENTORS) if m.thread_ts is None]


def replies(w: World, parent_ts: str) -> list[str]:
    return [m.text for m in w.fake.messages(MENTORS) if m.thread_ts == parent_ts]


def tick(w: World, seconds: int = 10) -> None:
    w.clock.advance(timedelta(seconds=seconds))
    w.sweep()


def test_enrolling_creates_one_card_with_the_story_in_its_thread(dash: World) -> None:
    enrol(dash)
    tick(dash)
    tick(dash)
    parents = cards(dash)
    assert len(parents) == 1
    card = dash.fake.messages(MENTORS)[0]
    assert "Priya" in json.dumps(card.blocks)
    assert_valid_message({"blocks": card.blocks, "text": card.text})
    assert any("Enrolled in MatchPath" in line for line in replies(dash, card.ts))
    assert len(dash.accepted_keys()) == len(dash.fake.messages(MENTORS))


def test_an_item_updates_the_card_once_and_adds_one_line(dash: World) -> None:
    enrol(dash)
    tick(dash)
    tick(dash)
    parent = cards(dash)[0]
    updates_before = len(dash.fake.calls("chat.update"))
    lines_before = len(replies(dash, str(parent["ts"])))
    with dash.db.unit_of_work() as s:
        log_item(
            s,
            actor=mentor(dash, s),
            slack_user_id="UDASH1",
            item=LetterIn(
                writer="Dr. Lee",
                specialty="general_surgery",
                us=True,
                strong=True,
                received_on=date(2026, 3, 1),
            ),
        )
    tick(dash)
    tick(dash)
    assert len(dash.fake.calls("chat.update")) == updates_before + 1
    new = replies(dash, str(parent["ts"]))[lines_before:]
    assert len(new) == 1
    assert "Logged: strong letter from Dr. Lee" in new[0]
    assert "<@UMENTOR1>" in new[0]
    assert "Strong US letters" in json.dumps(dash.fake.messages(MENTORS)[0].blocks)


def test_a_burst_of_five_edits_makes_one_update(dash: World) -> None:
    enrol(dash)
    tick(dash)
    tick(dash)
    before = len(dash.fake.calls("chat.update"))
    for year in range(2019, 2024):  # five edits inside the coalescing window
        with dash.db.unit_of_work() as s:
            update_profile(
                s,
                actor=mentor(dash, s),
                slack_user_id="UDASH1",
                fields=ProfileFields(
                    applicant_type="non_us_img",
                    visa="j1",
                    graduation_year=year,
                    targets=["preliminary_surgery"],
                ),
            )
    tick(dash)
    tick(dash)
    assert len(dash.fake.calls("chat.update")) == before + 1


def test_a_deleted_card_is_recreated_linking_the_old_thread(dash: World) -> None:
    enrol(dash)
    tick(dash)
    tick(dash)
    old = cards(dash)[0]
    dash.fake.messages()  # the mentors delete the card by hand:
    from slack_sdk import WebClient

    WebClient(token="xoxb-test", base_url=dash.fake.url).chat_delete(
        channel=MENTORS, ts=str(old["ts"])
    )
    with dash.db.unit_of_work() as s:
        log_item(
            s,
            actor=mentor(dash, s),
            slack_user_id="UDASH1",
            item=ResearchIn(
                kind="poster", specialty="general_surgery", title="A poster", date=date(2026, 3, 1)
            ),
        )
    for _ in range(4):
        tick(dash)
    parents = cards(dash)
    assert len(parents) == 1
    assert parents[0]["ts"] != old["ts"]
    assert "Earlier history" in json.dumps(parents[0]["blocks"])
    with dash.db.read_only() as s:
        card = s.scalars(select(DashboardCard)).one()
    assert (card.previous_ts, card.ts, card.generation) == (old["ts"], parents[0]["ts"], 2)


def test_a_public_channel_is_refused(dash: World) -> None:
    with dash.db.unit_of_work() as s:
        set_dashboard_channel(s, "CPUBLIC1", NOON)
    enrol(dash)
    for _ in range(3):
        tick(dash)
    asked = [c.params.get("channel") for c in dash.fake.calls("conversations.info")]
    assert "CPUBLIC1" in asked  # the card was due and refused, not never tried
    assert dash.fake.messages("CPUBLIC1") == []
    assert dash.fake.messages(MENTORS) == []


def test_a_note_reply_becomes_a_check_in(dash: World) -> None:
    enrol(dash)
    tick(dash)
    tick(dash)
    parent_ts = str(cards(dash)[0]["ts"])
    with dash.db.unit_of_work() as s:
        saved = note_from_thread(
            s,
            actor=mentor(dash, s),
            channel=MENTORS,
            thread_ts=parent_ts,
            text="<@UBOT> note Talked about the prelim list; doing well",
        )
        ignored = note_from_thread(
            s,
            actor=mentor(dash, s),
            channel=MENTORS,
            thread_ts=parent_ts,
            text="<@UBOT> great work on this",
        )
    assert saved == "UDASH1"
    assert ignored is None
    with dash.db.unit_of_work() as s:
        notes = [c.notes for c in list_check_ins(s, actor=mentor(dash, s), slack_user_id="UDASH1")]
    assert notes == ["Talked about the prelim list; doing well"]


def test_the_roster_orders_by_urgency(dash: World) -> None:
    for i, name in enumerate(["Ana", "Ben", "Cy"]):
        enrol(dash, f"UDASH{i}", name)
    with dash.db.unit_of_work() as s:
        ben = s.scalar(select(Mentee.id).join(Person).where(Person.slack_user_id == "UDASH1"))
        s.add(Flag(mentee_id=ben, rule="STAG-REAPPLY", detail="x", raised_at=NOON))
        cy = s.scalars(select(Mentee).join(Person).where(Person.slack_user_id == "UDASH2")).one()
        cy.checkpoint_cadence_days = 30
        cy.created_at = NOON - timedelta(days=60)
    with dash.db.unit_of_work() as s:
        view = build_roster(s, actor=mentor(dash, s))
    names = [line.name for line in view.groups[""]]
    assert names == ["Ben", "Cy", "Ana"]
    assert (view.mentees, view.open_flags, view.overdue_checkins) == (3, 1, 1)


def test_every_dashboard_post_goes_through_the_ledger_once(dash: World) -> None:
    enrol(dash)
    for _ in range(3):
        tick(dash)
    keys = dash.accepted_keys()
    assert keys
    assert set(keys.values()) == {1}
    assert Counter(m.thread_ts is None for m in dash.fake.messages(MENTORS))[True] == 1


__all__ = ["NOON", "Actor"]


def test_forget_erases_the_card_and_its_thread_from_slack(dash: World) -> None:
    enrol(dash)
    enrol(dash, "UKEEP1", "Kept")
    for _ in range(2):
        tick(dash)
    with dash.db.unit_of_work() as s:
        log_item(
            s,
            actor=mentor(dash, s),
            slack_user_id="UDASH1",
            item=ResearchIn(
                kind="poster", specialty="general_surgery", title="A poster", date=date(2026, 3, 1)
            ),
        )
    for _ in range(2):
        tick(dash)
    assert any("Priya" in json.dumps(m.blocks) for m in dash.fake.messages(MENTORS))
    with dash.db.unit_of_work() as s:
        from bot.mentees.service import forget

        forget(s, actor=Actor.system(dash.clock.now()), slack_user_id="UDASH1")
    for _ in range(2):
        tick(dash)
    left = json.dumps([(m.text, m.blocks) for m in dash.fake.messages(MENTORS)])
    assert "Priya" not in left
    assert "A poster" not in left
    assert "Kept" in left  # the other mentee's card stays
