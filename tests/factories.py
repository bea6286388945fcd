"""Builders of test data through the real services; they flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.mentees.enrolment import assign, enroll
from bot.people import ensure_person
from bot.profile.schema import ProfileIn

J1_PRELIM: dict[str, Any] = {
    "name": "Tariq Haddad",
    "applicant_type": "non_us_img",
    "visa": "j1",
    "ecfmg": "certified",
    "graduation_year": 2023,
    "targets": ["preliminary_surgery", "general_surgery"],
    "exams": [
        {"exam": "step1", "score": 213, "attempt": 1, "taken_on": "2021-11-01"},
        {"exam": "step2ck", "score": 230, "attempt": 1, "taken_on": "2023-03-01"},
    ],
    "usce": [
        {
            "kind": "sub_internship",
            "specialty": "general_surgery",
            "us": True,
            "start": "2025-01-06",
            "end": "2025-03-02",
        },
    ],
    "letters": [
        {
            "writer": "Dr. B",
            "specialty": "general_surgery",
            "us": True,
            "strong": True,
            "received_on": "2025-03-10",
        },
    ],
}


def profile(**overrides: Any) -> ProfileIn:
    return ProfileIn.model_validate({**J1_PRELIM, **overrides})


@dataclass(frozen=True)
class Programme:
    """An admin, two mentors, two mentees (one per mentor) and a stranger."""

    admin: Actor
    mentor: Actor
    other_mentor: Actor
    mentee: Actor
    other_mentee: Actor
    stranger: Actor

    def as_role(self, role: str) -> Actor:
        return getattr(self, role)  # type: ignore[no-any-return]


def build_programme(session: Session, system: Actor) -> Programme:
    now = system.now
    for user_id, name in [("UMENTOR1", "Mentor One"), ("UMENTOR2", "Mentor Two")]:
        ensure_person(session, slack_user_id=user_id, display_name=name, now=now).is_mentor = True
    ensure_person(session, slack_user_id="UADMIN1", display_name="Admin", now=now).is_admin = True
    ensure_person(session, slack_user_id="USTRANGER", display_name="Stranger", now=now)
    enroll(
        session,
        actor=system,
        slack_user_id="UMENTEE1",
        profile=profile(name="Mentee One"),
        mentor_ids=["UMENTOR1"],
    )
    enroll(
        session,
        actor=system,
        slack_user_id="UMENTEE2",
        profile=profile(name="Mentee Two"),
        mentor_ids=["UMENTOR2"],
    )
    session.flush()

    def actor(user_id: str) -> Actor:
        return resolve_actor(session, slack_user_id=user_id, admin_ids=frozenset(), now=now)

    return Programme(
        admin=actor("UADMIN1"),
        mentor=actor("UMENTOR1"),
        other_mentor=actor("UMENTOR2"),
        mentee=actor("UMENTEE1"),
        other_mentee=actor("UMENTEE2"),
        stranger=actor("USTRANGER"),
    )


__all__ = ["Programme", "assign", "build_programme", "profile"]
