"""The demo workspace: who is in it, where they talk, and a roster dated relative to today.

The four mentees have the shapes of the source articles' cases (the same people as
`examples/roster.json`), but every date is counted back or forward from the moment of seeding, so
that reminders and stagnation flags fall due within the first simulated week whatever the day:
a milestone due in 3 days, one overdue by 10, a last check-in 178 days ago on the default 180-day
cadence, a reapplication with nothing new since the previous cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from bot.access import Actor
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.models import Mentee
from bot.roster.schema import Roster
from bot.roster.service import import_roster
from bot.subscriptions import install as install_subscribers
from sandbox.demo_season import seed_season
from sandbox.fake_slack import FakeSlack


class Role(StrEnum):
    ADMIN = "admin"
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    handle: str  # what follows @ in the composer, like a Slack username
    tz: str
    role: Role
    summary: str
    example: str  # the handle to try `/matchpath assess @…` on ("" for a mentee: themself)

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.MENTEE

    def suggestions(self) -> list[str]:
        """Commands worth trying as this person, the best first."""
        target = f" @{self.example}" if self.example else ""
        common = [
            "/matchpath help",
            f"/matchpath assess{target}",
            f"/matchpath profile{target}",
            f"/matchpath milestone list{target}",
        ]
        if not self.is_staff:
            return [*common, "/matchpath log letter", "/matchpath settings"]
        staff = [
            f"/matchpath flags{target}",
            f"/matchpath list{target}",
            f"/matchpath plan{target}",
            f"/matchpath checkin{target}",
            "/matchpath settings",
        ]
        return common + staff


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    is_private: bool
    staff_only: bool
    topic: str


ADMIN_ID = "UADMIN01"

PEOPLE: tuple[Person, ...] = (
    Person(
        ADMIN_ID, "Ada Admin", "ada", "America/New_York", Role.ADMIN, "programme admin", "lucia"
    ),
    Person(
        "UMENTOR01",
        "Dr. Grace Whitfield",
        "grace",
        "America/New_York",
        Role.MENTOR,
        "mentor of Maya and Daniel",
        "maya",
    ),
    Person(
        "UMENTOR02",
        "Dr. Samuel Osei",
        "samuel",
        "Europe/London",
        Role.MENTOR,
        "mentor of Tariq, Lucia and Omar",
        "tariq",
    ),
    Person(
        "UMENTEE01",
        "Maya Rahman",
        "maya",
        "America/Chicago",
        Role.MENTEE,
        "US-citizen IMG aiming at integrated plastics, Step 2 CK 228",
        "",
    ),
    Person(
        "UMENTEE02",
        "Tariq Haddad",
        "tariq",
        "Asia/Kolkata",
        Role.MENTEE,
        "non-US IMG needing a J-1, 213/230, aiming at a prelim year",
        "",
    ),
    Person(
        "UMENTEE03",
        "Lucia Moreno",
        "lucia",
        "Europe/London",
        Role.MENTEE,
        "reapplicant with nothing new since the last cycle",
        "",
    ),
    Person(
        "UMENTEE04",
        "Daniel Okafor",
        "daniel",
        "America/New_York",
        Role.MENTEE,
        "strong categorical general surgery applicant",
        "",
    ),
    Person(
        "UMENTEE05",
        "Omar Farouk",
        "omar",
        "Africa/Cairo",
        Role.MENTEE,
        "non-US IMG who insists on an H-1B and has no Step 3: every Match route blocked",
        "",
    ),
)

GENERAL = Place("C0GENERAL", "general", is_private=False, staff_only=False, topic="Everyone")
MENTORS = Place(
    "C0MENTORS",
    "mentors",
    is_private=True,
    staff_only=True,
    topic="Private: mentee dashboards for mentors and admins",
)
PLACES: tuple[Place, ...] = (GENERAL, MENTORS)
DEFAULT_PERSON = "UMENTOR01"


def person(user_id: str) -> Person | None:
    return next((p for p in PEOPLE if p.id == user_id), None)


def register_in_fake(fake: FakeSlack) -> None:
    """Make every demo person and channel known to the fake Web API (users.info, posting)."""
    for p in PEOPLE:
        fake.add_user(p.id, p.name, tz=p.tz, name=p.handle, display_name=p.name)
    for place in PLACES:
        fake.add_channel(place.id, place.name, is_private=place.is_private)


def _season_years(today: date) -> tuple[int, int]:
    """The last two Match years already decided (the Match is in March)."""
    last = today.year if today.month >= 4 else today.year - 1
    return last - 1, last


def demo_roster(now: datetime) -> Roster:
    today = now.date()

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    def ahead(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    def at(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).isoformat()

    earlier, latest = _season_years(today)
    maya: dict[str, Any] = {
        "slack_user_id": "UMENTEE01",
        "name": "Maya Rahman",
        "tz": "America/Chicago",
        "mentors": ["UMENTOR01"],
        "applicant_type": "us_img",
        "visa": "none",
        "ecfmg": "in_progress",
        "graduation_year": today.year,
        "targets": ["integrated_plastics", "general_surgery"],
        "exams": [
            {"exam": "step1", "result": "pass", "attempt": 1, "taken_on": ago(700)},
            {"exam": "step2ck", "score": 228, "attempt": 1, "taken_on": ago(430)},
        ],
        "usce": [
            {
                "kind": "elective",
                "specialty": "plastic_surgery",
                "institution": "Midwest University Hospital",
                "us": True,
                "start": ago(270),
                "end": ago(242),
            }
        ],
        "letters": [
            {
                "writer": "Dr. Alan Brooks",
                "specialty": "plastic_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(225),
            }
        ],
        "research": [
            {
                "kind": "poster",
                "specialty": "plastic_surgery",
                "first_author": True,
                "title": "Outcomes of prepectoral breast reconstruction",
                "date": ago(200),
            },
            {
                "kind": "abstract",
                "specialty": "plastic_surgery",
                "first_author": False,
                "title": "Nerve transfer timing: a systematic review",
                "date": ago(150),
            },
        ],
        "milestones": [
            {
                "title": "Plastics research: first manuscript submitted",
                "due_on": ahead(3),
                "status": "open",
            },
            {
                "title": "Ask Dr. Brooks's colleague for a second plastics letter",
                "due_on": ahead(45),
                "status": "open",
            },
        ],
        # Applying this season when the calendar has one running: the counts and invitations
        # come from her saved list's applications (sandbox/demo_season.py).
        "cycles": _live_cycle(today, {}, None),
        # 178 days ago on a 180-day cadence: the checkpoint falls due in two days.
        "checkins": [
            {
                "mentor": "UMENTOR01",
                "at": at(178),
                "notes": "Discussed a research year.",
                "wellbeing_asked": True,
            }
        ],
    }
    tariq: dict[str, Any] = {
        "slack_user_id": "UMENTEE02",
        "name": "Tariq Haddad",
        "tz": "Asia/Kolkata",
        "mentors": ["UMENTOR02"],
        "applicant_type": "non_us_img",
        "visa": "j1",
        "ecfmg": "certified",
        "graduation_year": today.year - 3,
        "targets": ["preliminary_surgery", "general_surgery"],
        "exams": [
            # A numeric Step 1, so from before it turned pass/fail on 2022-01-26.
            {"exam": "step1", "score": 213, "attempt": 1, "taken_on": "2021-11-01"},
            {"exam": "step2ck", "score": 230, "attempt": 1, "taken_on": ago(1100)},
        ],
        "usce": [
            {
                "kind": "sub_internship",
                "specialty": "general_surgery",
                "institution": "St. Luke's Community Hospital",
                "us": True,
                "start": ago(660),
                "end": ago(610),
            }
        ],
        "letters": [
            {
                "writer": "Dr. B. Alvarez",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(600),
            },
            {
                "writer": "Dr. C. Nguyen",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(598),
            },
            {
                "writer": "Dr. D. Kapoor",
                "specialty": "other",
                "us": True,
                "strong": False,
                "received_on": ago(578),
            },
        ],
        "milestones": [
            {
                "title": "Final tiered programme list (80-120)",
                "due_on": ago(10),
                "status": "open",
            },
            {
                "title": "Drop programmes that do not sponsor a J-1",
                "due_on": ahead(6),
                "status": "open",
            },
        ],
        # Mid-season when the calendar has one running: applied, one invitation so far.
        "cycles": _live_cycle(today, {"preliminary_surgery": 70, "general_surgery": 30}, 1),
        "checkins": [
            {"mentor": "UMENTOR02", "at": at(60), "notes": "Letters in; building the list."}
        ],
    }
    lucia: dict[str, Any] = {
        "slack_user_id": "UMENTEE03",
        "name": "Lucia Moreno",
        "tz": "Europe/London",
        "mentors": ["UMENTOR02"],
        "applicant_type": "non_us_img",
        "visa": "j1_or_h1b",
        "ecfmg": "certified",
        "graduation_year": today.year - 5,
        "targets": ["general_surgery"],
        "exams": [
            {"exam": "step1", "result": "pass", "attempt": 1, "taken_on": ago(1950)},
            {"exam": "step2ck", "score": 226, "attempt": 1, "taken_on": ago(1750)},
        ],
        "usce": [
            {
                "kind": "observership",
                "specialty": "general_surgery",
                "us": True,
                "start": ago(1000),
                "end": ago(972),
            }
        ],
        "letters": [
            {
                "writer": "Dr. E. Fischer",
                "specialty": "general_surgery",
                "us": True,
                "strong": False,
                "received_on": ago(965),
            }
        ],
        "research": [
            {
                "kind": "case_report",
                "specialty": "general_surgery",
                "first_author": True,
                "title": "Spontaneous splenic rupture in infectious mononucleosis",
                "date": ago(1030),
            }
        ],
        # Two cycles, the second with no research and no letter dated after the first.
        "cycles": [
            {
                "season": earlier,
                "submitted_on": date(earlier - 1, 9, 4).isoformat(),
                "applications": {"general_surgery": 45},
                "interviews": 0,
                "outcome": "unmatched",
            },
            {
                "season": latest,
                "submitted_on": date(latest - 1, 9, 3).isoformat(),
                "applications": {"general_surgery": 60},
                "interviews": 0,
                "outcome": "unmatched",
            },
        ],
        "milestones": [
            {
                "title": "Decide with Dr. Osei: reapply or pivot",
                "due_on": ahead(1),
                "status": "open",
            }
        ],
        # 200 days ago on a 180-day cadence: the checkpoint is 20 days overdue.
        "checkins": [{"mentor": "UMENTOR02", "at": at(200), "notes": "Second unmatched cycle."}],
    }
    daniel: dict[str, Any] = {
        "slack_user_id": "UMENTEE04",
        "name": "Daniel Okafor",
        "tz": "America/New_York",
        "mentors": ["UMENTOR01"],
        "applicant_type": "us_img",
        "visa": "none",
        "ecfmg": "certified",
        "graduation_year": today.year - 1,
        "targets": ["general_surgery"],
        "mentor_advocate": True,
        "exams": [
            {"exam": "step1", "result": "pass", "attempt": 1, "taken_on": ago(950)},
            {"exam": "step2ck", "score": 252, "attempt": 1, "taken_on": ago(650)},
            {"exam": "step3", "score": 231, "attempt": 1, "taken_on": ago(400)},
        ],
        "usce": [
            {
                "kind": "sub_internship",
                "specialty": "general_surgery",
                "institution": "Boston Teaching Hospital",
                "us": True,
                "start": ago(480),
                "end": ago(452),
            },
            {
                "kind": "elective",
                "specialty": "other_surgery",
                "institution": "Boston Teaching Hospital",
                "us": True,
                "start": ago(452),
                "end": ago(424),
            },
        ],
        "letters": [
            {
                "writer": "Dr. F. Castillo",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(445),
            },
            {
                "writer": "Dr. G. Lee",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(435),
            },
            {
                "writer": "Dr. H. Moore",
                "specialty": "other_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(420),
            },
        ],
        "research": [
            {
                "kind": "publication",
                "specialty": "general_surgery",
                "first_author": True,
                "title": "Early cholecystectomy in mild gallstone pancreatitis",
                "date": ago(365),
            },
            {
                "kind": "poster",
                "specialty": "general_surgery",
                "first_author": False,
                "title": "Enhanced recovery after colectomy",
                "date": ago(250),
            },
        ],
        "milestones": [
            {
                "title": "Submit ERAS on opening day",
                "due_on": ago(60),
                "status": "done",
                "completed_on": ago(60),
            },
            {"title": "Interview thank-you notes sent", "due_on": ahead(20), "status": "open"},
        ],
        "cycles": _live_cycle(today, {"general_surgery": 45, "preliminary_surgery": 15}, 6),
        "checkins": [
            {
                "mentor": "UMENTOR01",
                "at": at(30),
                "notes": "Interview season started.",
                "wellbeing_asked": True,
            }
        ],
    }
    omar: dict[str, Any] = {
        "slack_user_id": "UMENTEE05",
        "name": "Omar Farouk",
        "tz": "Africa/Cairo",
        "mentors": ["UMENTOR02"],
        "applicant_type": "non_us_img",
        "visa": "h1b",
        "ecfmg": "certified",
        "graduation_year": today.year - 4,
        "targets": ["general_surgery", "preliminary_surgery"],
        "exams": [
            {"exam": "step1", "result": "pass", "attempt": 1, "taken_on": ago(1500)},
            {"exam": "step2ck", "score": 236, "attempt": 1, "taken_on": ago(1200)},
        ],
        "usce": [
            {
                "kind": "sub_internship",
                "specialty": "general_surgery",
                "us": True,
                "start": ago(540),
                "end": ago(484),
            }
        ],
        "letters": [
            {
                "writer": "Dr. R. Patel",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(480),
            },
            {
                "writer": "Dr. S. Moore",
                "specialty": "general_surgery",
                "us": True,
                "strong": True,
                "received_on": ago(478),
            },
        ],
        "checkins": [{"mentor": "UMENTOR02", "at": at(20), "notes": "Will not consider a J-1."}],
    }
    mentors = [
        {"slack_user_id": p.id, "name": p.name, "tz": p.tz} for p in PEOPLE if p.role is Role.MENTOR
    ]
    mentees = [maya, tariq, lucia, daniel, omar]
    return Roster.model_validate({"admins": [ADMIN_ID], "mentors": mentors, "mentees": mentees})


def _live_cycle(today: date, applications: dict[str, int], interviews: int | None) -> list[Any]:
    """A cycle in the season running today (submitted on its first day), or none between
    seasons, so the demo shows a mentee mid-season whenever the calendar allows."""
    calendar = load_ruleset().seasons
    season = calendar.live(today)
    dates = calendar.dates(season)
    if not dates.submission_opens <= today <= calendar.match_day(season):
        return []
    return [
        {
            "season": season,
            "submitted_on": dates.submission_opens.isoformat(),
            "applications": applications,
            "interviews": interviews if today > dates.review_opens or interviews is None else 0,
            "outcome": "pending",
        }
    ]


def seed(database_url: str, now: datetime) -> int:
    """Migrate, then import the demo roster unless the database already has mentees.

    Returns the number of mentees imported (0 when the existing demo data was kept).
    """
    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.read_only() as session:
            existing = session.scalar(select(func.count(Mentee.id))) or 0
        if existing:
            return 0
        install_subscribers()  # the season's status changes reach the mentee's card
        with database.unit_of_work() as session:
            imported = import_roster(session, actor=Actor.system(now), roster=demo_roster(now))
            seed_season(session, now=now, ruleset=load_ruleset())
            return imported
    finally:
        database.dispose()
