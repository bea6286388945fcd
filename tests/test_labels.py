"""People see words, not stored values: every vocabulary value has one label, the forms offer
those labels, and no card, profile, assessment, reminder or confirmation shows a raw value
("us_img", "non us img", "step3") or a wrong plural ("1 strong US letters")."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from enum import StrEnum
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.assessment.text import render_text
from bot.dashboards.card import build_card
from bot.dashboards.outbox import set_dashboard_channel
from bot.dashboards.service import share_assessment
from bot.events import publish
from bot.mentees.enrolment import enroll
from bot.mentees.items import ProfileItem, describe_item
from bot.mentees.service import get_mentee, list_mentees
from bot.models import Delivery, Mentee, Person
from bot.profile.schema import ProfileIn
from bot.vocab import (
    LABELS,
    ApplicantType,
    CycleOutcome,
    EcfmgStatus,
    Exam,
    MenteeStatus,
    Pathway,
    PracticeSource,
    ResearchKind,
    Specialty,
    UsceKind,
    VisaNeed,
)
from handlers.blocks.assessment import assessment_message
from handlers.blocks.dashboard import card_message, thread_line
from handlers.blocks.forms import Field
from handlers.blocks.home import HomeData, home_view
from handlers.blocks.lists import notice
from handlers.blocks.modals import ITEM_FORMS, PROFILE_FORM, SETTINGS_FORM
from handlers.blocks.profile import profile_card

TODAY = date(2026, 11, 2)
# Values that look like code, and the space-for-underscore forms the old cards showed.
INTERNAL = sorted(
    {
        form
        for enum, labels in LABELS.items()
        for value, shown in labels.items()
        for form in (value, value.replace("_", " "))
        if (("_" in value or any(c.isdigit() for c in value)) and form != shown)
    },
    key=len,
    reverse=True,
)
RAW = re.compile("|".join(rf"(?<![\w-]){re.escape(f)}(?![\w-])" for f in INTERNAL))
WRONG_PLURAL = re.compile(
    r"(?<![\d.])1 (?:[A-Za-z-]+ ){0,3}?"
    r"(letters|weeks|mentees|mentors|admins|milestones|flags|outputs|tests|entries|"
    r"applications|interviews|cycles)\b"
)


def test_internal_forms_are_the_ones_the_issue_saw() -> None:
    assert {"us img", "non us img", "j1 or h1b", "step3", "us_img", "Free120"} <= set(INTERNAL)
    assert "general surgery" not in INTERNAL  # plain English: the label itself


def test_every_value_of_every_vocabulary_people_see_has_a_label() -> None:
    for enum, labels in LABELS.items():
        assert set(labels) == {m.value for m in enum}, enum
    for enum in (ApplicantType, VisaNeed, Pathway, Exam, CycleOutcome, UsceKind):
        assert enum in LABELS


def _enum_fields() -> list[Field]:
    forms = [PROFILE_FORM, SETTINGS_FORM, *(form for form, _, _ in ITEM_FORMS.values())]
    return [f for form in forms for f in form.fields if f.kind in ("select", "multi")]


@pytest.mark.parametrize("field", _enum_fields(), ids=lambda f: f.name)
def test_forms_offer_the_labels(field: Field) -> None:
    enums = [e for e in LABELS if {v for v, _ in field.options} == {m.value for m in e}]
    assert enums, f"{field.name} offers values of no vocabulary"
    assert dict(field.options) == LABELS[enums[0]]


def every_value_profile(i: int, name: str) -> ProfileIn:
    """Profile number i of a set that, together, holds every value of every vocabulary."""

    def pick(enum: type[StrEnum]) -> str:
        return list(enum)[i % len(enum)].value

    start = date(2024, 1, 1)
    return ProfileIn.model_validate(
        {
            "name": name,
            "applicant_type": pick(ApplicantType),
            "visa": pick(VisaNeed),
            "ecfmg": pick(EcfmgStatus),
            "targets": list(islice(cycle([p.value for p in Pathway]), i, i + 7)),
            "exams": [
                {"exam": "step1", "result": "pass", "taken_on": "2022-05-01"},
                {"exam": "step2ck", "score": 231, "taken_on": "2023-03-01"},
                {"exam": "step3", "result": "fail", "taken_on": "2024-03-01"},
                {"exam": "step3", "score": 221, "attempt": 2, "taken_on": "2024-09-01"},
            ],
            "planned_exams": [{"exam": "step3", "planned_on": "2027-01-10"}],
            "practice_scores": [
                {"exam": "step2ck", "score": 220 + n, "taken_on": "2023-01-01", "source": s.value}
                for n, s in enumerate(PracticeSource)
            ],
            "usce": [
                {
                    "kind": k.value,
                    "specialty": pick(Specialty),
                    "start": (start + timedelta(weeks=5 * n)).isoformat(),
                    "end": (start + timedelta(weeks=5 * n + 4)).isoformat(),
                }
                for n, k in enumerate(UsceKind)
            ],
            "letters": [
                {
                    "writer": f"Dr. Writer {n}",
                    "specialty": s.value,
                    "us": True,
                    "strong": True,
                    "received_on": "2025-03-10",
                }
                for n, s in enumerate(Specialty)
            ],
            "research": [
                {"kind": k.value, "specialty": pick(Specialty), "title": "T", "date": "2025-01-01"}
                for k in ResearchKind
            ],
            "cycles": [
                {"season": 2010 + n, "outcome": o.value, "applications": {"general_surgery": 30}}
                for n, o in enumerate(CycleOutcome)
            ],
        }
    )


def singular_profile() -> ProfileIn:
    """One of each countable thing: every count in every sentence is 1."""
    return ProfileIn.model_validate(
        {
            "name": "Una Single",
            "applicant_type": "non_us_img",
            "visa": "j1",
            "targets": ["general_surgery"],
            "exams": [{"exam": "step2ck", "score": 231, "taken_on": "2025-03-01"}],
            "practice_scores": [{"exam": "step2ck", "score": 220, "taken_on": "2025-01-01"}],
            "usce": [
                {
                    "kind": "sub_internship",
                    "specialty": "general_surgery",
                    "start": "2026-01-05",
                    "end": "2026-01-12",
                }
            ],
            "letters": [
                {
                    "writer": "Dr. One",
                    "specialty": "general_surgery",
                    "us": True,
                    "strong": True,
                    "received_on": "2026-01-20",
                }
            ],
            "research": [
                {
                    "kind": "poster",
                    "specialty": "plastic_surgery",
                    "title": "T",
                    "date": "2025-01-01",
                }
            ],
            "cycles": [{"season": 2026, "outcome": "unmatched", "interviews": 1}],
        }
    )


def words(payload: Any) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)


def surfaces(session: Session, system: Actor, profiles: list[ProfileIn]) -> list[Any]:
    """Every surface that shows a mentee: for mentees enrolled with these profiles."""
    ruleset = load_ruleset()
    set_dashboard_channel(session, "GDASH1", system.now)
    shown: list[Any] = []
    for n, profile in enumerate(profiles):
        slack_id = f"ULABEL{n}"
        enroll(session, actor=system, slack_user_id=slack_id, profile=profile, mentor_ids=["UM1"])
        mentee = session.scalars(
            select(Mentee).join(Person).where(Person.slack_user_id == slack_id)
        ).one()
        mentee.status = list(MenteeStatus)[n % len(MenteeStatus)]
        read = get_mentee(session, actor=system, slack_user_id=slack_id)
        result = assess(profile, ruleset=ruleset, as_of=TODAY)
        share_assessment(session, actor=system, slack_user_id=slack_id, assessment=result)
        shown += [
            profile_card(read, today=TODAY),
            assessment_message(result, mentee_id=slack_id, shareable=True),
            render_text(result),
            card_message(build_card(session, mentee, ruleset=ruleset, now=system.now)),
            home_view(HomeData(own=read), today=TODAY),
        ]
        items: list[ProfileItem] = [
            *profile.exams,
            *profile.planned_exams,
            *profile.practice_scores,
            *profile.usce,
            *profile.letters,
            *profile.research,
            *profile.cycles,
        ]
        shown += [notice(f"Logged for <@{slack_id}>: {describe_item(i)}.") for i in items]
    shown.append(home_view(HomeData(roster=list_mentees(session, actor=system)), today=TODAY))
    publish(session)  # the thread lines the enrolments emitted, as their commit would plan
    lines = session.scalars(select(Delivery.body).where(Delivery.body.is_not(None))).all()
    assert lines
    shown += [thread_line(body) for body in lines if body]
    return shown


def test_no_surface_shows_a_raw_value(session: Session, system: Actor) -> None:
    profiles = [every_value_profile(i, f"Mentee {i}") for i in range(7)]
    shown = surfaces(session, system, profiles)
    text = "\n".join(words(s) for s in shown)
    for value_label in ["US-citizen IMG", "J-1 or H-1B visa", "Step 3", "matched in SOAP"]:
        assert value_label in text
    leaks = sorted({m.group() for m in RAW.finditer(text)})
    assert leaks == [], [(leak, _around(text, leak)) for leak in leaks]


def test_counts_of_one_are_singular(session: Session, system: Actor) -> None:
    shown = surfaces(session, system, [singular_profile()])
    text = "\n".join(words(s) for s in shown)
    assert "1 strong US letter" in text
    wrong = sorted({m.group() for m in WRONG_PLURAL.finditer(text)})
    assert wrong == [], [(w, _around(text, w)) for w in wrong]


def test_import_says_one_admin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    roster = {
        "admins": ["UADMIN1"],
        "mentors": [{"slack_user_id": "UMENTOR1", "name": "Dr. M"}],
        "mentees": [
            {
                "slack_user_id": "UMENTEE1",
                "name": "Maya",
                "applicant_type": "us_img",
                "mentors": ["UMENTOR1"],
            }
        ],
    }
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(roster))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
        assert main(["import", str(path)]) == 0
    assert "imported 1 mentee, 1 mentor, 1 admin\n" in capsys.readouterr().out


def _around(text: str, found: str) -> str:
    at = text.index(found)
    return text[max(0, at - 60) : at + 60]


@pytest.mark.parametrize(("due_in", "words"), [(1, "due in 1 day"), (-1, "1 day overdue")])
def test_a_reminder_one_day_out_says_day(
    session: Session, system: Actor, due_in: int, words: str
) -> None:
    from bot.mentees.milestones import MilestoneCreate, add_milestones
    from bot.reminders.content import compose

    enroll(session, actor=system, slack_user_id="UDAY1", profile=singular_profile())
    [milestone] = add_milestones(
        session,
        actor=system,
        slack_user_id="UDAY1",
        milestones=[
            MilestoneCreate(title="Book Step 3", due_on=system.now.date() + timedelta(due_in))
        ],
    )
    mentee = session.scalars(select(Mentee).join(Person).where(Person.slack_user_id == "UDAY1"))
    person = mentee.one().person
    delivery = Delivery(
        kind="milestone_due",
        mentee_id=milestone.mentee_id,
        subject_id=milestone.id,
        version=1,
        anchor_date=system.now.date(),
    )
    notice = compose(session, delivery, person, now=system.now, ruleset=load_ruleset())
    assert notice is not None
    assert notice.title == f"Your milestone is {words}"
