"""Every service enforces the roles: admin, the mentee's mentor, the mentee, anyone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.assessment.ruleset import load_ruleset
from bot.errors import AccessDenied, Conflict
from bot.flags.service import list_flags
from bot.mentees.assessments import assess_mentee
from bot.mentees.checkins import CheckInCreate, record_check_in
from bot.mentees.dto import ProfileFields
from bot.mentees.enrolment import EnrolmentWithheld, assign, enroll, enrolment_check
from bot.mentees.items import log_item
from bot.mentees.milestones import MilestoneCreate, add_milestones, list_milestones
from bot.mentees.service import forget, get_mentee, mentee_choice, update_profile
from bot.models import AuditEvent
from bot.plans.service import preview_plan, save_plan
from bot.profile.schema import LetterIn
from bot.roster.schema import Roster
from bot.roster.service import export_roster
from bot.roster.update import update_roster
from bot.vocab import AuditOutcome
from tests.factories import build_programme, profile

TARGET = "UMENTEE1"
LETTER = LetterIn(
    writer="Dr. X", specialty="general_surgery", us=True, strong=True, received_on=date(2026, 1, 5)
)

Call = Callable[[Session, Actor], Any]
CALLS: dict[str, Call] = {
    "read": lambda s, a: get_mentee(s, actor=a, slack_user_id=TARGET),
    "edit": lambda s, a: update_profile(
        s,
        actor=a,
        slack_user_id=TARGET,
        fields=ProfileFields(applicant_type="non_us_img", visa="j1", ecfmg="certified"),
    ),
    "log": lambda s, a: log_item(s, actor=a, slack_user_id=TARGET, item=LETTER),
    "milestone": lambda s, a: add_milestones(
        s,
        actor=a,
        slack_user_id=TARGET,
        milestones=[MilestoneCreate(title="Book Step 3", due_on=date(2027, 1, 1))],
    ),
    "milestones": lambda s, a: list_milestones(s, actor=a, slack_user_id=TARGET),
    "plan": lambda s, a: preview_plan(s, actor=a, slack_user_id=TARGET, ruleset=load_ruleset()),
    "assess": lambda s, a: assess_mentee(s, actor=a, slack_user_id=TARGET, ruleset=load_ruleset()),
    "flags": lambda s, a: list_flags(s, actor=a, slack_user_id=TARGET),
    "save_plan": lambda s, a: save_plan(s, actor=a, slack_user_id=TARGET, ruleset=load_ruleset()),
    "export": lambda s, a: export_roster(s, actor=a, mentee_slack_id=TARGET),
    "update": lambda s, a: update_roster(s, actor=a, roster=Roster()),
    "forget": lambda s, a: forget(s, actor=a, slack_user_id=TARGET),
    "assign": lambda s, a: assign(s, actor=a, mentee_slack_id=TARGET, mentor_slack_id="UMENTOR2"),
    "checkin": lambda s, a: record_check_in(
        s, actor=a, slack_user_id=TARGET, check_in=CheckInCreate(notes="ok")
    ),
}
# Who may do what to UMENTEE1 (mentored by UMENTOR1).
ADMIN_ONLY = {"export", "update", "forget", "assign"}
ALLOWED = {
    "admin": set(CALLS),
    "mentor": set(CALLS) - ADMIN_ONLY,
    "mentee": {"read", "edit", "log", "milestone", "milestones", "assess"},
    "other_mentor": set(),
    "other_mentee": set(),
    "stranger": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("call", sorted(CALLS))
def test_role_matrix(session: Session, system: Actor, role: str, call: str) -> None:
    programme = build_programme(session, system)
    actor = programme.as_role(role)
    before = _audit_count(session, actor)
    if call in ALLOWED[role]:
        CALLS[call](session, actor)
        assert _audit_count(session, actor) > before
    else:
        with pytest.raises(AccessDenied) as denied:
            CALLS[call](session, actor)
        words = "Only a MatchPath admin" if call in ADMIN_ONLY else "doesn't exist"
        assert words in str(denied.value)  # the same words whether or not the mentee exists
        record = denied.value.after_rollback[0]
        assert isinstance(record, AuditEvent)
        assert record.outcome is AuditOutcome.DENIED


def test_denial_reads_the_same_for_unknown_mentee(session: Session, system: Actor) -> None:
    programme = build_programme(session, system)
    messages = set()
    for target in ["UMENTEE1", "UNOBODY99"]:
        with pytest.raises(AccessDenied) as denied:
            get_mentee(session, actor=programme.stranger, slack_user_id=target)
        messages.add(str(denied.value))
    assert len(messages) == 1


def test_mentee_cannot_change_own_status(session: Session, system: Actor) -> None:
    programme = build_programme(session, system)
    fields = ProfileFields(
        applicant_type="non_us_img", visa="j1", ecfmg="certified", status="withdrawn"
    )
    with pytest.raises(AccessDenied):
        update_profile(session, actor=programme.mentee, slack_user_id=TARGET, fields=fields)
    updated = update_profile(session, actor=programme.mentor, slack_user_id=TARGET, fields=fields)
    assert updated.status == "withdrawn"


def test_denial_is_audited_after_rollback(fresh_db: Any, system: Actor) -> None:
    with fresh_db.unit_of_work() as session:
        build_programme(session, system)
    with pytest.raises(AccessDenied), fresh_db.unit_of_work() as session:
        stranger = build_stranger(session, system)
        get_mentee(session, actor=stranger, slack_user_id=TARGET)
    with fresh_db.unit_of_work() as session:
        denied = session.scalars(
            select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.DENIED)
        ).all()
    assert [(d.actor_slack_id, d.action, d.subject_slack_id) for d in denied] == [
        ("USTRANGER", "profile.read", TARGET)
    ]


def build_stranger(session: Session, system: Actor) -> Actor:
    from bot.access import resolve_actor

    return resolve_actor(session, slack_user_id="USTRANGER", admin_ids=frozenset(), now=system.now)


def _audit_count(session: Session, actor: Actor) -> int:
    return (
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.actor_slack_id == actor.slack_user_id
            )
        )
        or 0
    )


# Who is asked "which mentee?" when a subcommand names nobody: the mentee means themself;
# a mentor or admin picks from the mentees they may see; anyone else gets the same denial as
# before (their own id, which then fails the access check exactly as it always did).
CHOICES = {
    "admin": (None, ["Mentee One", "Mentee Two"]),
    "mentor": (None, ["Mentee One"]),
    "other_mentor": (None, ["Mentee Two"]),
    "mentee": ("UMENTEE1", []),
    "other_mentee": ("UMENTEE2", []),
    "stranger": ("USTRANGER", []),
}


@pytest.mark.parametrize("role", sorted(CHOICES))
def test_who_a_subcommand_without_a_name_means(session: Session, system: Actor, role: str) -> None:
    programme = build_programme(session, system)
    actor = programme.as_role(role)
    choice = mentee_choice(session, actor=actor)
    own, names = CHOICES[role]
    assert choice.own == own
    assert [m.name for m in choice.mentees] == names


def test_a_mentor_who_is_also_a_mentee_means_themself(session: Session, system: Actor) -> None:
    programme = build_programme(session, system)
    assign(session, actor=programme.admin, mentee_slack_id="UMENTEE1", mentor_slack_id="UMENTEE2")
    choice = mentee_choice(session, actor=programme.other_mentee)
    assert (choice.own, choice.mentees) == ("UMENTEE2", [])


# Enrolling someone: an admin, or a mentor of that mentee, is told at once that they are
# enrolled; any other mentor gets the same form (and later the same answer) whether or not
# they are; a mentee or a stranger may not enrol anyone.
TOLD = {"admin": True, "mentor": True, "other_mentor": False}


@pytest.mark.parametrize("target", ["UMENTEE1", "UNOBODY99"])
@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_who_learns_that_someone_is_enrolled(
    session: Session, system: Actor, role: str, target: str
) -> None:
    programme = build_programme(session, system)
    actor = programme.as_role(role)
    if role not in TOLD:
        with pytest.raises(AccessDenied, match="Only admins and mentors can enrol mentees"):
            enrolment_check(session, actor=actor, slack_user_id=target)
        return
    told = enrolment_check(session, actor=actor, slack_user_id=target)
    assert told is (TOLD[role] and target == "UMENTEE1")


@pytest.mark.parametrize("role", sorted(TOLD))
def test_enrolling_someone_enrolled_already(session: Session, system: Actor, role: str) -> None:
    programme = build_programme(session, system)
    actor = programme.as_role(role)
    again = profile(name="Someone Else")
    if TOLD[role]:
        with pytest.raises(Conflict, match="already enrolled"):
            enroll(session, actor=actor, slack_user_id="UMENTEE1", profile=again)
    else:
        with pytest.raises(EnrolmentWithheld) as withheld:
            enroll(session, actor=actor, slack_user_id="UMENTEE1", profile=again)
        assert str(withheld.value) == ""  # nothing to show: the caller answers as for a success
    assert get_mentee(session, actor=system, slack_user_id="UMENTEE1").person.name == "Mentee One"
