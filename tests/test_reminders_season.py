"""Time travel through a season with an injected clock: every reminder goes out on the right
local day, once, across DST in New York and London, Kolkata's half-hour offset, weekends, and a
person whose time zone changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.access import resolve_actor
from bot.assessment.ruleset import load_ruleset
from bot.assessment.season import SeasonDates
from bot.db.engine import Database
from bot.mentees.checkins import CheckInCreate, record_check_in
from bot.mentees.enrolment import enroll
from bot.mentees.milestones import MilestoneCreate, add_milestones, set_milestone_status
from bot.people import ensure_person, refresh_from_slack
from bot.profile.schema import ProfileIn
from bot.vocab import MilestoneStatus
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import World, local, world

START = datetime(2026, 2, 20, 0, 0, tzinfo=UTC)
END = datetime(2026, 4, 6, 23, 0, tzinfo=UTC)
TZ_CHANGE = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
NY, LONDON, KOLKATA, LA = "America/New_York", "Europe/London", "Asia/Kolkata", "America/Los_Angeles"

EXPECTED = Counter(
    [
        ("flag_raised", "UMB", "2026-02-20"),
        ("flag_raised", "UMM", "2026-02-20"),
        ("checkpoint_due", "UMA", "2026-02-23"),
        ("checkpoint_due", "UMM", "2026-02-23"),
        ("checkpoint_due", "UMA", "2026-03-02"),
        ("checkpoint_due", "UMM", "2026-03-02"),
        ("checkpoint_overdue", "UMM", "2026-03-09"),
        ("checkpoint_overdue", "UMM", "2026-03-16"),
        ("checkpoint_overdue", "UMM", "2026-03-23"),
        ("checkpoint_overdue", "UMM", "2026-03-30"),
        ("checkpoint_overdue", "UMX", "2026-03-30"),
        ("milestone_due", "UMA", "2026-03-02"),
        ("milestone_due", "UMA", "2026-03-09"),
        ("milestone_due", "UMB", "2026-03-23"),
        ("milestone_due", "UMB", "2026-03-30"),
        ("milestone_overdue", "UMA", "2026-03-16"),
        ("milestone_overdue", "UMM", "2026-03-16"),
        ("milestone_overdue", "UMB", "2026-04-06"),
        ("milestone_overdue", "UMM", "2026-04-06"),
        ("season", "UMA", "2026-03-11"),
        ("season", "UMB", "2026-03-11"),  # ERAS opens (2027)
        ("season", "UMA", "2026-03-16"),
        ("season", "UMB", "2026-03-16"),  # Match Week (2026)
        *[
            ("mentor_digest", "UMM", f"2026-{d}")
            for d in ["02-23", "03-02", "03-09", "03-16", "03-23", "03-30", "04-06"]
        ],
    ]
)


@pytest.fixture
def season_world(db_factory: DatabaseFactory) -> Iterator[World]:
    ruleset = load_ruleset()
    calendar = {
        **ruleset.calendar,
        2027: SeasonDates(
            eras_opens=date(2026, 3, 11),
            submission_opens=date(2026, 9, 2),
            review_opens=date(2026, 9, 23),
            rank_deadline=date(2027, 3, 3),
            match_week=date(2027, 3, 15),
        ),
    }
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        for user, tz in [("UMA", NY), ("UMB", KOLKATA), ("UMM", LONDON), ("UMX", KOLKATA)]:
            fake.add_user(user, user, tz=tz)
        w = world(db, fake, START, ruleset.model_copy(update={"calendar": calendar}))
        _populate(w)
        yield w
    db.dispose()


def _populate(w: World) -> None:
    system = w.system
    with w.db.unit_of_work() as s:
        ensure_person(
            s, slack_user_id="UMM", display_name="Mentor", tz=LONDON, now=system.now
        ).is_mentor = True
        ensure_person(
            s, slack_user_id="UMX", display_name="Admin", tz=KOLKATA, now=system.now
        ).is_admin = True
        enroll(
            s,
            actor=system,
            slack_user_id="UMA",
            tz=NY,
            mentor_ids=["UMM"],
            profile=ProfileIn(name="Alex", applicant_type="us_img", targets=["general_surgery"]),
        )
        reapplicant = ProfileIn.model_validate(
            {
                "name": "Bina",
                "applicant_type": "non_us_img",
                "visa": "j1",
                "targets": ["preliminary_surgery"],
                "cycles": [
                    {
                        "season": 2025,
                        "submitted_on": "2024-09-04",
                        "interviews": 2,
                        "applications": {"general_surgery": 30, "preliminary_surgery": 40},
                        "outcome": "unmatched",
                    },
                    {
                        "season": 2026,
                        "submitted_on": "2025-09-03",
                        "interviews": 1,
                        "applications": {"general_surgery": 30, "preliminary_surgery": 50},
                        "outcome": "pending",
                    },
                ],
            }
        )
        enroll(
            s,
            actor=system,
            slack_user_id="UMB",
            tz=KOLKATA,
            mentor_ids=["UMM"],
            profile=reapplicant,
        )
        mentor = resolve_actor(s, slack_user_id="UMM", admin_ids=frozenset(), now=system.now)
        record_check_in(
            s,
            actor=mentor,
            slack_user_id="UMA",
            check_in=CheckInCreate(at=datetime(2025, 9, 1, 12, tzinfo=UTC)),
        )
        record_check_in(
            s,
            actor=mentor,
            slack_user_id="UMB",
            check_in=CheckInCreate(at=datetime(2026, 2, 1, 12, tzinfo=UTC)),
        )
        add_milestones(
            s,
            actor=mentor,
            slack_user_id="UMA",
            milestones=[MilestoneCreate(title="Book Step 3", due_on=date(2026, 3, 9))],
        )
        add_milestones(
            s,
            actor=mentor,
            slack_user_id="UMB",
            milestones=[MilestoneCreate(title="Ask for a third letter", due_on=date(2026, 3, 28))],
        )


def _actions(w: World) -> dict[datetime, Any]:
    def done() -> None:
        with w.db.unit_of_work() as s:
            actor = resolve_actor(s, slack_user_id="UMA", admin_ids=frozenset(), now=w.clock.now())
            set_milestone_status(s, actor=actor, milestone_id=1, status=MilestoneStatus.DONE)

    def move() -> None:  # the person moves: Slack knows, and tells us with user_change
        w.fake.add_user("UMB", "UMB", tz=LA)
        with w.db.unit_of_work() as s:
            refresh_from_slack(s, slack_user_id="UMB", tz=LA, display_name=None, now=w.clock.now())

    def check_in() -> None:
        with w.db.unit_of_work() as s:
            mentor = resolve_actor(s, slack_user_id="UMM", admin_ids=frozenset(), now=w.clock.now())
            record_check_in(s, actor=mentor, slack_user_id="UMA", check_in=CheckInCreate())

    return {
        datetime(2026, 3, 18, 15, tzinfo=UTC): done,
        TZ_CHANGE: move,
        datetime(2026, 4, 1, 12, tzinfo=UTC): check_in,
    }


def zone(user: str, at: datetime) -> str:
    return {"UMA": NY, "UMM": LONDON, "UMX": KOLKATA}.get(user) or (
        KOLKATA if at < TZ_CHANGE else LA
    )


def test_a_season_of_reminders(season_world: World) -> None:
    w = season_world
    w.run_until(END, timedelta(hours=2), _actions(w))
    sent = w.sent()
    got = Counter((kind, user, local(at, zone(user, at))[0]) for kind, user, at in sent)
    missing, extra = sorted((EXPECTED - got).elements()), sorted((got - EXPECTED).elements())
    assert got == EXPECTED, f"missing {missing}; extra {extra}"
    for kind, user, at in sent:
        day, hour = local(at, zone(user, at))
        assert 9 <= hour < 12, (kind, user, day, hour)
        assert date.fromisoformat(day).weekday() < 5, (kind, user, day)
    keys = w.accepted_keys()
    assert sum(keys.values()) == len(sent)
    assert all(count == 1 for count in keys.values())
    # DST: New York's 09:00 moved from 14:00Z to 13:00Z; London's from 09:00Z to 08:00Z.
    hours = {(kind, user, at.date().isoformat()): at.hour for kind, user, at in sent}
    assert hours[("milestone_due", "UMA", "2026-03-02")] == 14
    assert hours[("milestone_due", "UMA", "2026-03-09")] == 14  # 13:00Z, on a 2-hour tick
    assert hours[("mentor_digest", "UMM", "2026-03-23")] == 10
    assert hours[("mentor_digest", "UMM", "2026-03-30")] == 8
    # The zone change moved a reminder already scheduled for Kolkata to Los Angeles.
    assert hours[("milestone_due", "UMB", "2026-03-30")] == 16
