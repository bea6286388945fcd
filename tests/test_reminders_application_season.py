"""Time travel through the 2028 season's applications with an injected clock, the real sweep
and the fake Slack: each application reminder reaches its recipient on the right local day, at
a waking hour on a weekday, exactly once; one whose reason went before its hour (the programmes
were sent, the invitations were logged) is cancelled; an opt-out is kept."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.access import resolve_actor
from bot.applications.dto import StatusChange
from bot.applications.service import update_statuses
from bot.applications.vocab import ApplicationStatus
from bot.db.engine import Database
from bot.mentees.enrolment import enroll
from bot.mentees.items import log_item
from bot.models import Delivery, Person
from bot.people import PersonSettings, ensure_person, update_settings
from bot.profile.schema import CycleIn
from bot.reminders.application_standing import APPLICATION_KINDS
from bot.vocab import DeliveryState, Pathway, ReminderKind
from sandbox.fake_slack import FakeSlack
from tests.applications_world import application_ids, saved
from tests.databases import DatabaseFactory
from tests.factories import profile
from tests.reminder_world import World, local, world

S = ApplicationStatus
K = ReminderKind
SEASON = 2028
START = datetime(2027, 8, 25, 12, 0, tzinfo=UTC)
NY, LONDON, KOLKATA = "America/New_York", "Europe/London", "Asia/Kolkata"
ZONES = {"UMA": NY, "UMB": KOLKATA, "UMC": LONDON, "UMD": NY, "UMM": LONDON}
NAMES = {"UMA": "Alex", "UMB": "Bina", "UMC": "Chen", "UMD": "Dana", "UMM": "Mentor"}
# The sweeps run around each of the season's dates (2028: submissions open Wed 1 September
# 2027; the interview check falls on Sat 13 November; the rank list is due Wed 1 March 2028,
# reminded a week before; Match Week starts Mon 13 March, SOAP readiness two weeks before).
WINDOWS = [
    (datetime(2027, 8, 30, tzinfo=UTC), datetime(2027, 9, 3, tzinfo=UTC)),
    (datetime(2027, 11, 12, tzinfo=UTC), datetime(2027, 11, 17, tzinfo=UTC)),
    (datetime(2028, 2, 21, tzinfo=UTC), datetime(2028, 3, 2, tzinfo=UTC)),
]
EXPECTED = Counter(
    [
        ("submission_day", "UMA", "2027-09-01"),
        ("submission_day", "UMC", "2027-09-01"),
        ("season", "UMD", "2027-09-01"),  # no list: the season's own reminder
        ("few_interviews", "UMM", "2027-11-15"),  # Alex's; Saturday's waits for Monday
        ("rank_deadline", "UMA", "2028-02-23"),
        ("soap_ready", "UMA", "2028-02-28"),
        ("soap_ready", "UMC", "2028-02-28"),
        *[("soap_ready", "UMM", "2028-02-28")] * 3,  # for Alex, Bina and Chen
    ]
)


@pytest.fixture
def season_world(db_factory: DatabaseFactory) -> Iterator[World]:
    db = Database(db_factory.new())
    with FakeSlack() as fake:
        for user, tz in ZONES.items():
            fake.add_user(user, NAMES[user], tz=tz)
        w = world(db, fake, START)
        _populate(w)
        yield w
    db.dispose()


def _populate(w: World) -> None:
    system = w.system
    with w.db.unit_of_work() as s:
        ensure_person(
            s, slack_user_id="UMM", display_name="Mentor", tz=LONDON, now=system.now
        ).is_mentor = True
        for user, ecfmg in [
            ("UMA", "in_progress"),
            ("UMB", "certified"),
            ("UMC", "certified"),
            ("UMD", "certified"),
        ]:
            enroll(
                s,
                actor=system,
                slack_user_id=user,
                tz=ZONES[user],
                mentor_ids=["UMM"],
                profile=profile(name=NAMES[user], ecfmg=ecfmg),
            )
        mentor = resolve_actor(s, slack_user_id="UMM", admin_ids=frozenset(), now=system.now)
        for user in ("UMA", "UMB", "UMC"):
            assert saved(s, system, mentor, user).season == SEASON


def _change(w: World, user: str, status: S, on: date, *, keep: int = 0, count: int = 0) -> None:
    """Move the user's applications (by name; all but the last `keep`, or the first `count`)."""
    with w.db.unit_of_work() as s:
        ids = application_ids(s, user)
        chosen = ids[:count] if count else ids[: len(ids) - keep]
        actor = resolve_actor(s, slack_user_id="UMM", admin_ids=frozenset(), now=w.clock.now())
        update_statuses(
            s,
            actor=actor,
            slack_user_id=user,
            season=SEASON,
            changes=[StatusChange(application_id=i, to=status, on=on) for i in chosen],
        )


def _actions(w: World) -> dict[datetime, Callable[[], None]]:
    def chen_logs_interviews() -> None:
        with w.db.unit_of_work() as s:
            me = resolve_actor(s, slack_user_id="UMC", admin_ids=frozenset(), now=w.clock.now())
            item = CycleIn(
                season=SEASON,
                submitted_on=date(2027, 9, 2),
                applications={Pathway.PRELIMINARY_SURGERY: 80},
                interviews=5,
            )
            log_item(s, actor=me, slack_user_id="UMC", item=item)

    def bina_opts_out() -> None:
        with w.db.unit_of_work() as s:
            me = resolve_actor(s, slack_user_id="UMB", admin_ids=frozenset(), now=w.clock.now())
            update_settings(s, actor=me, settings=PersonSettings(opt_outs=[K.SOAP_READY]))

    def sent_on_the_day() -> None:
        _change(w, "UMA", S.APPLIED, date(2027, 9, 2), keep=2)  # two still planned
        _change(w, "UMC", S.APPLIED, date(2027, 9, 2))

    def invited() -> None:
        _change(w, "UMA", S.INTERVIEW_INVITED, date(2027, 10, 15), count=1)
        _change(w, "UMB", S.INTERVIEW_INVITED, date(2027, 10, 20), count=4)

    def interviewed_and_ranked() -> None:
        _change(w, "UMA", S.INTERVIEWED, date(2028, 1, 10), count=1)  # not ranked yet
        _change(w, "UMB", S.RANKED, date(2028, 1, 20), count=4)
        bina_opts_out()

    def bina_sends_early() -> None:
        _change(w, "UMB", S.APPLIED, date(2027, 9, 1))

    return {
        # Bina sends everything before her 09:00 on the day (Kolkata): nothing to remind.
        datetime(2027, 8, 31, 21, tzinfo=UTC): bina_sends_early,
        datetime(2027, 9, 2, 12, tzinfo=UTC): sent_on_the_day,
        datetime(2027, 11, 1, tzinfo=UTC): invited,
        # Chen's counts come in on the Sunday, before the mentor's Monday: that alert goes.
        datetime(2027, 11, 14, 12, tzinfo=UTC): chen_logs_interviews,
        datetime(2028, 1, 20, tzinfo=UTC): interviewed_and_ranked,
    }


def test_a_season_of_application_reminders(season_world: World) -> None:
    w = season_world
    actions = sorted(_actions(w).items())
    for start, end in WINDOWS:
        w.clock.set(max(start, w.clock.now()))
        due = {t: f for t, f in actions if t <= end}
        actions = [(t, f) for t, f in actions if t > end]
        w.run_until(end, timedelta(hours=3), due)
    assert actions == []
    kinds = {*APPLICATION_KINDS, K.SEASON}
    sent = [(kind, user, at) for kind, user, at in w.sent() if kind in kinds]
    got = Counter((kind, user, local(at, ZONES[user])[0]) for kind, user, at in sent)
    missing, extra = sorted((EXPECTED - got).elements()), sorted((got - EXPECTED).elements())
    assert got == EXPECTED, f"missing {missing}; extra {extra}"
    for kind, user, at in sent:
        day, hour = local(at, ZONES[user])
        assert 9 <= hour < 12, (kind, user, day, hour)
        assert date.fromisoformat(day).weekday() < 5, (kind, user, day)
    accepted = w.accepted_keys()
    assert all(count == 1 for count in accepted.values())
    with w.db.read_only() as s:
        cancelled = s.execute(
            select(Delivery.kind, Person.slack_user_id, Delivery.dedupe_key)
            .join(Person, Person.id == Delivery.recipient_id)
            .where(Delivery.state == DeliveryState.CANCELLED, Delivery.kind.in_(kinds))
        ).all()
    # Bina's programmes were sent before her hour; Chen's invitations were logged in time.
    assert sorted((kind, user) for kind, user, _ in cancelled) == [
        ("few_interviews", "UMM"),
        ("submission_day", "UMB"),
    ]
    assert all(key not in accepted for *_, key in cancelled)
    rank = _said(w, "UMA", K.RANK_DEADLINE)
    assert "Your rank list is due 2028-03-01" in rank
    assert "(ECFMG-PATH)" in rank  # Alex's certification is still in progress
    few = _said(w, "UMM", K.FEW_INTERVIEWS)
    assert "Alex has 1 interview invitation on 2027-11-13 (2028 season)" in few
    assert "`CYCLE-PHASES`" in few


def _said(w: World, user: str, kind: ReminderKind) -> str:
    """The one DM of this kind to the user, as Slack holds it (found by its dedupe key)."""
    with w.db.read_only() as s:
        key = s.scalars(
            select(Delivery.dedupe_key)
            .join(Person, Person.id == Delivery.recipient_id)
            .where(
                Person.slack_user_id == user,
                Delivery.kind == kind,
                Delivery.state == DeliveryState.SENT,
            )
        ).one()
    found = [
        m
        for m in w.fake.messages(user)
        if (m.metadata or {}).get("event_payload", {}).get("dedupe_key") == key
    ]
    assert len(found) == 1
    return json.dumps(found[0].blocks)
