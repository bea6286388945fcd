"""Calendar feeds: each person's feed holds their own or their mentees' open milestones and
check-in due dates and nobody else's, names no profile data, parses as iCalendar; a reset or a
switch-off makes the old link 404; tokens are kept only as SHA-256; every step is audited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import icalendar
import pytest
from sqlalchemy import select

import bot.tables
from bot.access import Actor, resolve_actor
from bot.calendar.models import CalendarFeed
from bot.calendar.service import calendar_link, reset_calendar, revoke_calendar
from bot.clock import FixedClock
from bot.db.engine import Database
from bot.errors import AccessDenied
from bot.mentees.enrolment import unassign
from bot.mentees.service import forget
from bot.models import AuditEvent
from bot.roster.service import import_roster, parse_roster
from bot.roster.update import update_roster
from handlers.blocks.calendar import (
    calendar_known_message,
    calendar_link_message,
    calendar_off_message,
)
from handlers.calendar_feed import CalendarFeeds, feed_url
from handlers.shutdown import Gate
from tests.blockkit import assert_valid_message
from tests.conftest import NOW
from tests.test_blocks import golden

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = json.loads((ROOT / "examples" / "roster.json").read_text())
NAMES = {m["slack_user_id"]: m["name"] for m in EXAMPLE["mentees"]}
PEOPLE = ["UADMIN01", "UMENTOR01", "UMENTOR02", *NAMES]


@pytest.fixture
def db(fresh_db: Database, system: Actor) -> Database:
    with fresh_db.unit_of_work() as session:
        import_roster(session, actor=system, roster=parse_roster(json.dumps(EXAMPLE)))
    return fresh_db


def actor(db: Database, slack_id: str) -> Actor:
    with db.read_only() as session:
        return resolve_actor(session, slack_user_id=slack_id, admin_ids=frozenset(), now=NOW)


def issue(db: Database, slack_id: str, *, reset: bool = False) -> str:
    with db.unit_of_work() as session:
        link = (reset_calendar if reset else calendar_link)(session, actor=actor(db, slack_id))
    assert link.token is not None
    return link.token


def get(db: Database, path: str, method: str = "GET", gate: Gate | None = None) -> Any:
    """A request to the feeds' WSGI app, as waitress makes it: (status, headers, body)."""
    answered: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        answered.update(status=status, headers=dict(headers))
        return lambda _data: None

    app = CalendarFeeds(db, FixedClock(NOW), gate or Gate())
    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method}, start_response))
    return int(answered["status"][:3]), answered["headers"], body


def events(db: Database, token: str) -> dict[str, tuple[date, str]]:
    """The feed's events by UID: (day, summary)."""
    status, headers, body = get(db, f"/ical/{token}.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(body)
    out = {}
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        assert type(start) is date  # all-day
        assert event.decoded("DTEND") == date.fromordinal(start.toordinal() + 1)
        out[str(event["UID"])] = (start, str(event["SUMMARY"]))
    return out


def mentored_by(slack_id: str) -> set[str]:
    return {m["slack_user_id"] for m in EXAMPLE["mentees"] if slack_id in m["mentors"]}


def test_a_mentee_sees_their_own_items(db: Database) -> None:
    found = events(db, issue(db, "UMENTEE02"))
    assert sorted(found.values()) == [
        (date(2026, 11, 16), "Check-in with your mentor due"),  # 2026-05-20 + 180 days
        (date(2026, 12, 5), "Final tiered programme list (80-120)"),
    ]


def test_a_mentor_sees_their_mentees_items_by_name(db: Database) -> None:
    found = events(db, issue(db, "UMENTOR01"))
    assert sorted(summary for _, summary in found.values()) == [
        "Check-in due: Daniel Okafor",
        "Check-in due: Maya Rahman",
        "Maya Rahman: Plastics research year: first manuscript submitted",
    ]  # Daniel's one milestone is done: not on the calendar


@pytest.mark.parametrize("slack_id", ["UMENTOR01", "UMENTOR02", *NAMES])
def test_no_feed_holds_anyone_elses_items_or_profile_data(db: Database, slack_id: str) -> None:
    token = issue(db, slack_id)
    _, _, body = get(db, f"/ical/{token}.ics")
    text = "\n".join(
        str(component[key])
        for component in icalendar.Calendar.from_ical(body).walk("VEVENT")
        for key in ("SUMMARY", "DESCRIPTION")
    )
    allowed = mentored_by(slack_id) | ({slack_id} & set(NAMES))
    for mentee_id, name in NAMES.items():
        if mentee_id not in allowed:
            assert name not in text
    assert len(events(db, token)) >= len(allowed)  # every allowed mentee has a check-in due
    for mentee in EXAMPLE["mentees"]:
        for exam in mentee.get("exams", []):
            if "score" in exam:
                assert str(exam["score"]) not in body.decode()
        for check_in in mentee.get("checkins", []):
            assert check_in["notes"] not in text
    for word in ("visa", "j1", "h1b", "ecfmg", "certified", "score"):
        assert word not in text.lower()


def test_uids_are_stable_and_follow_a_moved_due_date(db: Database, system: Actor) -> None:
    token = issue(db, "UMENTEE02")
    first = events(db, token)
    again = events(db, token)
    assert first == again
    with db.unit_of_work() as session:
        roster = json.loads(json.dumps(EXAMPLE))
        tariq = next(m for m in roster["mentees"] if m["slack_user_id"] == "UMENTEE02")
        tariq["milestones"][0]["due_on"] = "2026-12-20"
        update_roster(session, actor=system, roster=parse_roster(json.dumps(roster)))
    moved = events(db, token)
    assert moved.keys() == first.keys()
    assert sorted(moved.values())[1] == (date(2026, 12, 20), "Final tiered programme list (80-120)")


def test_reset_and_off_make_the_old_link_404(db: Database) -> None:
    old = issue(db, "UMENTOR02")
    new = issue(db, "UMENTOR02", reset=True)
    assert new != old
    assert get(db, f"/ical/{old}.ics")[0] == 404
    assert get(db, f"/ical/{new}.ics")[0] == 200
    with db.unit_of_work() as session:
        assert revoke_calendar(session, actor=actor(db, "UMENTOR02")) is True
    assert get(db, f"/ical/{new}.ics")[0] == 404
    with db.unit_of_work() as session:
        assert revoke_calendar(session, actor=actor(db, "UMENTOR02")) is False


def test_asking_again_never_shows_the_token_again(db: Database) -> None:
    token = issue(db, "UMENTEE01")
    get(db, f"/ical/{token}.ics")
    with db.unit_of_work() as session:
        link = calendar_link(session, actor=actor(db, "UMENTEE01"))
    assert link.token is None
    assert link.last_used_at == NOW
    assert get(db, f"/ical/{token}.ics")[0] == 200  # still the same link


def test_tokens_are_kept_only_as_sha256(db: Database) -> None:
    token = issue(db, "UMENTEE03")
    with db.read_only() as session:
        stored = session.scalars(select(CalendarFeed.token_sha256)).all()
        everything = json.dumps(
            [
                [list(row) for row in session.execute(select(table))]
                for table in bot.tables.metadata.tables.values()
            ],
            default=str,
        )
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in everything


def test_refused_requests_read_alike(db: Database) -> None:
    token = issue(db, "UMENTEE01")
    for path in (
        f"/ical/{token[:-1]}.ics",  # a token of another shape
        f"/ical/{token[:-1]}A.ics" if token[-1] != "A" else f"/ical/{token[:-1]}B.ics",
        f"/ical/{token}",
        f"/ical/{token}.ics/x",
        "/ical/.ics",
    ):
        status, _, body = get(db, path)
        assert (status, json.loads(body)) == (404, {"error": "not found"})
    assert get(db, f"/ical/{token}.ics", "POST")[0] == 405
    status, headers, body = get(db, f"/ical/{token}.ics", "HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) > 0
    closed = Gate()
    closed.close()
    assert get(db, f"/ical/{token}.ics", gate=closed)[0] == 503


def test_who_may_have_a_feed(db: Database) -> None:
    for slack_id in ("UADMIN01", "USTRANGER"):
        with pytest.raises(AccessDenied, match="Calendar feeds are for mentees and mentors"):
            issue(db, slack_id)


def test_a_mentor_no_longer_assigned_stops_seeing_the_mentee(db: Database, system: Actor) -> None:
    token = issue(db, "UMENTOR01")
    with db.unit_of_work() as session:
        unassign(session, actor=system, mentee_slack_id="UMENTEE04", mentor_slack_id="UMENTOR01")
    summaries = {summary for _, summary in events(db, token).values()}
    assert not any("Daniel Okafor" in s for s in summaries)
    assert "Check-in due: Maya Rahman" in summaries


def test_a_forgotten_mentee_takes_their_feed_with_them(db: Database, system: Actor) -> None:
    token = issue(db, "UMENTEE03")
    with db.unit_of_work() as session:
        forget(session, actor=system, slack_user_id="UMENTEE03")
    assert get(db, f"/ical/{token}.ics")[0] == 404
    with db.read_only() as session:
        assert session.scalars(select(CalendarFeed)).all() == []


def test_every_step_is_audited(db: Database) -> None:
    token = issue(db, "UMENTOR02")
    events(db, token)
    issue(db, "UMENTOR02", reset=True)
    get(db, f"/ical/{token}.ics")  # refused: nobody to audit it against, and nothing written
    with db.read_only() as session:
        trail = session.execute(
            select(AuditEvent.action, AuditEvent.actor_slack_id, AuditEvent.detail).where(
                AuditEvent.action.startswith("calendar.")
            )
        ).all()
    assert [(a, who) for a, who, _ in trail] == [
        ("calendar.link", "UMENTOR02"),
        ("calendar.issue", "UMENTOR02"),
        ("calendar.feed", "UMENTOR02"),
        ("calendar.reset", "UMENTOR02"),
    ]
    assert trail[2][2] == {"mentees": 2, "events": 3}


# -- the reply in Slack ----------------------------------------------------------------------

URL = feed_url("https://matchpath.example.org/", "A" * 43)


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("calendar-link", calendar_link_message(URL, reset=False)),
        ("calendar-reset", calendar_link_message(URL, reset=True)),
        ("calendar-known", calendar_known_message(NOW, None)),
        ("calendar-off", calendar_off_message(True)),
    ],
)
def test_calendar_messages(name: str, payload: dict[str, Any]) -> None:
    assert_valid_message(payload)
    golden(name, payload)


def test_the_link_is_the_public_address() -> None:
    assert f"https://matchpath.example.org/ical/{'A' * 43}.ics" == URL
