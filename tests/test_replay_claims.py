"""The replay guard that only reads before the ack (PostgreSQL, bot/replay.py `Claim`): the
follow-up records the request in its own first write, copies racing past the read are served
once, and a follow-up that writes nothing or fails still leaves its request recorded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import Actor
from bot.db.engine import Database, leave_for_next_write, pending_first_write
from bot.errors import DomainError
from bot.models import CheckIn, Person, SeenRequest
from bot.people import ensure_person
from bot.replay import Claim, Replayed, seen_before
from bot.roster.service import import_roster, parse_roster
from handlers.app import settle_claim
from handlers.shutdown import ListenerPool
from sandbox.fake_slack import FakeSlack
from sandbox.signing import slash_command
from tests.botproc import SECRET, BotProcess, wait_for
from tests.databases import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
SIGNATURE = "v0=" + "e" * 64


@pytest.fixture
def db(db_factory: DatabaseFactory) -> Iterator[Database]:
    database = Database(db_factory.new())
    yield database
    database.dispose()


def people(db: Database) -> set[str]:
    with db.read_only() as session:
        return set(session.scalars(select(Person.slack_user_id)))


def seen_rows(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(SeenRequest)) or 0


def served(db: Database, user: str, signature: str = SIGNATURE) -> None:
    """A follow-up under a claim: its write is a new person."""
    leave_for_next_write(Claim(signature, datetime.now(UTC)))
    with db.unit_of_work() as session:
        ensure_person(session, slack_user_id=user, now=datetime.now(UTC))


def test_the_first_write_records_the_request_and_a_copy_does_nothing(db: Database) -> None:
    served(db, "UFIRST01")
    with db.read_only() as session:
        assert seen_before(session, SIGNATURE)
    with pytest.raises(Replayed):
        served(db, "USECOND1")  # the same signature: its write is rolled back with it
    assert people(db) == {"UFIRST01"}
    assert seen_rows(db) == 1
    assert pending_first_write() is None  # taken once, not again by a later write
    with db.unit_of_work() as session:
        ensure_person(session, slack_user_id="ULATER01", now=datetime.now(UTC))
    assert people(db) == {"UFIRST01", "ULATER01"}


def test_a_follow_up_that_fails_still_leaves_its_request_served(db: Database) -> None:
    leave_for_next_write(Claim(SIGNATURE, datetime.now(UTC)))
    with pytest.raises(DomainError), db.unit_of_work() as session:
        ensure_person(session, slack_user_id="UFAILED1", now=datetime.now(UTC))
        raise DomainError("refused")
    assert people(db) == set()  # its writes were undone
    with db.read_only() as session:
        assert seen_before(session, SIGNATURE)  # but a copy of it will not be served
    with pytest.raises(Replayed):
        served(db, "UCOPY001")


def test_copies_racing_past_the_read_are_served_once(db: Database) -> None:
    """Eight threads, each a copy of one request that got past the read."""
    start = threading.Barrier(8)

    def copy(n: int) -> bool:
        start.wait()
        try:
            served(db, f"URACE{n:03d}")
        except Replayed:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(copy, range(8)))
    assert outcomes.count(True) == 1
    assert len(people(db)) == 1
    assert seen_rows(db) == 1


def test_the_listener_pool_carries_the_claim_and_settles_it(db: Database) -> None:
    """The claim left in the request's thread reaches its follow-up on a listener thread; a
    follow-up that wrote nothing has its request recorded when it ends."""
    pool = ListenerPool(2, settle=partial(settle_claim, db))
    try:
        seen_in_follow_up: list[object] = []

        def request(signature: str, write: bool) -> None:
            leave_for_next_write(Claim(signature, datetime.now(UTC)))

            def follow_up() -> None:
                seen_in_follow_up.append(pending_first_write())
                if write:
                    with db.unit_of_work() as session:
                        ensure_person(session, slack_user_id="UWRITER1", now=datetime.now(UTC))

            pool.submit(follow_up).result()

        signatures = ["v0=" + "1" * 64, "v0=" + "2" * 64]
        threads = [
            threading.Thread(target=request, args=(signatures[0], False)),
            threading.Thread(target=request, args=(signatures[1], True)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert pool.wait_idle(10)
        assert all(isinstance(claim, Claim) for claim in seen_in_follow_up)
        assert len(seen_in_follow_up) == 2
        with db.read_only() as session:
            assert all(seen_before(session, s) for s in signatures)
        assert seen_rows(db) == 2
        assert people(db) == {"UWRITER1"}
    finally:
        pool.shutdown()


# -- over HTTP -------------------------------------------------------------------------------


def checkins(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(CheckIn)) or 0


def recorded(db: Database, signature: str) -> bool:
    with db.read_only() as session:
        return seen_before(session, signature)


@pytest.mark.e2e
def test_copies_sent_at_once_are_served_once_and_help_is_not_served_twice(
    db: Database, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        roster = parse_roster((ROOT / "examples" / "roster.json").read_text())
        import_roster(session, actor=Actor.system(datetime.now(UTC)), roster=roster)
    with FakeSlack() as fake:
        bot = BotProcess(fake, db.url, workdir=tmp_path).start()
        try:
            request = slash_command(
                SECRET,
                command="/matchpath",
                text="checkin <@UMENTEE02> sent six times at once",
                user_id="UMENTOR02",
                channel_id="C0GENERAL",
                response_url=fake.issue_response_url("C0GENERAL", "UMENTOR02"),
            )
            before = checkins(db)
            with ThreadPoolExecutor(6) as pool:
                statuses = list(pool.map(lambda _: bot.post(request)[0], range(6)))
            assert 200 in statuses
            assert set(statuses) <= {200, 401}
            wait_for(lambda: checkins(db) == before + 1, what="the check-in")
            help_request = slash_command(
                SECRET,
                command="/matchpath",
                text="help",
                user_id="UMENTOR02",
                channel_id="C0GENERAL",
            )
            assert bot.post(help_request)[0] == 200
            # help writes nothing: its request is recorded once its listener is done
            signature = help_request.headers["X-Slack-Signature"]
            wait_for(lambda: recorded(db, signature), what="help's request to be recorded")
            assert bot.post(help_request)[0] == 401
            assert checkins(db) == before + 1
        finally:
            bot.stop()
