"""The demo workspace: a valid roster whatever the day, dated so reminders fall due in the first
simulated week, shaped like the source articles' cases, and seeded once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.applications.funnel import funnels
from bot.applications.models import Application, SavedList
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.programmes.files import parse_programmes
from bot.programmes.models import ProgrammeDataset
from bot.vocab import CycleOutcome, Pathway, Verdict
from sandbox.demo import MENTORS, PEOPLE, Role, demo_roster, register_in_fake, seed
from sandbox.demo_season import PROGRAMMES
from sandbox.fake_slack import FakeSlack

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2027, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2027, 3, 31, 23, 59, tzinfo=UTC),
        datetime(2027, 4, 1, 0, 0, tzinfo=UTC),
        datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    ],
)
def test_roster_is_valid_and_dated_relative_to_now(now: datetime) -> None:
    roster = demo_roster(now)
    today = now.date()
    assert roster.admins == ["UADMIN01"]
    assert [m.slack_user_id for m in roster.mentors] == ["UMENTOR01", "UMENTOR02"]
    mentees = {m.name: m for m in roster.mentees}
    maya, tariq, lucia = mentees["Maya Rahman"], mentees["Tariq Haddad"], mentees["Lucia Moreno"]
    assert today + timedelta(days=3) in [m.due_on for m in maya.milestones]
    assert today - timedelta(days=10) in [m.due_on for m in tariq.milestones]
    assert maya.checkpoint_cadence_days == 180
    assert now - maya.checkins[-1].at == timedelta(days=178)
    calendar = load_ruleset().seasons
    for record in roster.mentees:
        for cycle in record.cycles:
            assert cycle.submitted_on is not None
            assert cycle.submitted_on <= today
            if cycle.outcome is CycleOutcome.PENDING:  # the season under way
                assert today <= calendar.match_day(cycle.season)
            else:
                assert cycle.submitted_on < date(cycle.season, 3, 1) <= today
        dated = [e.taken_on for e in record.exams] + [x.received_on for x in record.letters]
        assert all(day <= today for day in dated)
    first_cycle = lucia.cycles[0].submitted_on
    assert first_cycle is not None
    assert all(r.date < first_cycle for r in lucia.research)  # nothing new since: STAG-REAPPLY


def test_mentees_have_the_shapes_of_the_source_cases() -> None:
    ruleset = load_ruleset()
    found = {
        m.name: assess(m.profile(), ruleset=ruleset, as_of=NOW.date())
        for m in demo_roster(NOW).mentees
    }
    maya, tariq = found["Maya Rahman"], found["Tariq Haddad"]
    lucia, daniel = found["Lucia Moreno"], found["Daniel Okafor"]
    assert maya.verdict(Pathway.INTEGRATED_PLASTICS) is Verdict.LONG_SHOT
    assert tariq.strategy.primary is Pathway.PRELIMINARY_SURGERY
    assert tariq.verdict(Pathway.PRELIMINARY_SURGERY) is Verdict.REALISTIC
    assert "STAG-REAPPLY" in {f.rule for f in lucia.flags}
    assert daniel.verdict(Pathway.GENERAL_SURGERY) is Verdict.STRONG
    # the review's two live-season shapes: blocked until something changes, and mid-season
    omar = found["Omar Farouk"]
    assert omar.strategy.blocked is not None
    assert [n.rule for n in omar.strategy.blocked.remedies] == ["STEP3-H1B", "VISA-J1-FLEX"]
    assert (tariq.season.phase, tariq.season.applied, tariq.season.interviews) == (
        "interview_season",
        True,
        1,
    )


def test_seed_imports_once_then_keeps_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    assert seed(url, NOW) == 5
    assert seed(url, NOW + timedelta(days=3)) == 0


@pytest.mark.parametrize(
    ("now", "season", "funnel"),
    [
        # 2 November: sent on 2 September; invitations weekly from 30 September: 4 by now,
        # the first one's interview on 21 October.
        (NOW, 2027, {"applied": True, "invited": 4, "interviewed": 1}),
        # Before programmes receive applications: the list is saved, nothing sent yet.
        (datetime(2026, 8, 20, 12, 0, tzinfo=UTC), 2027, {"applied": False}),
        # After Match Day, between seasons: the list aims at the next season, all planned.
        (datetime(2027, 4, 1, 0, 0, tzinfo=UTC), 2028, {"applied": False}),
    ],
)
def test_seed_loads_the_programmes_and_a_season_under_way(
    tmp_path: Path, now: datetime, season: int, funnel: dict[str, object]
) -> None:
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    seed(url, now)
    database = Database(url)
    try:
        with database.read_only() as session:
            datasets = session.execute(select(ProgrammeDataset.source, ProgrammeDataset.rows)).all()
            seasons = set(session.scalars(select(Application.season)))
            counts = funnels(session, season=season, mentees=[1])
            saved = session.scalars(select(SavedList.programmes)).all()
    finally:
        database.dispose()
    assert datasets == [("programmes.csv", len(parse_programmes(PROGRAMMES.read_bytes(), "csv")))]
    assert seasons == {season}
    maya = counts[1]
    assert len(saved) == 1
    assert maya.listed == saved[0] > 0
    if funnel["applied"]:
        assert maya.applied == int(maya.listed * 0.8)
        assert (maya.invited, maya.interviewed) == (funnel["invited"], funnel["interviewed"])
    else:
        assert maya.applied == maya.invited == maya.interviewed == 0


def test_every_person_and_channel_is_known_to_the_fake() -> None:
    with FakeSlack() as fake:
        register_in_fake(fake)
        client = WebClient(base_url=fake.url, token="xoxb-test")
        for person in PEOPLE:
            user = client.users_info(user=person.id)["user"]
            assert (user["real_name"], user["tz"], user["name"]) == (
                person.name,
                person.tz,
                person.handle,
            )
        channel = client.conversations_info(channel=MENTORS.id)["channel"]
        assert channel["is_private"] is True
        assert client.chat_postMessage(channel=MENTORS.id, text="dashboard")["ok"]


def test_roles_and_suggestions() -> None:
    roles = [p.role for p in PEOPLE]
    assert (roles.count(Role.ADMIN), roles.count(Role.MENTOR), roles.count(Role.MENTEE)) == (
        1,
        2,
        5,
    )
    for person in PEOPLE:
        suggestions = person.suggestions()
        assert suggestions[0] == "/matchpath help"
        assert suggestions[1].startswith("/matchpath assess")
