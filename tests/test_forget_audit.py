"""What the audit keeps after `forget`: the fact of it and what was done with the person's data,
under a pseudonym; never their Slack id, never text that could name them; and no one enrolled
later inherits their ids, so their history never mixes with someone else's."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.access import Actor, resolve_actor
from bot.db.engine import Database
from bot.errors import AccessDenied
from bot.mentees.enrolment import assign, enroll
from bot.mentees.milestones import MilestoneCreate, add_milestones
from bot.mentees.service import forget, get_mentee
from bot.models import AuditEvent, Mentee, Milestone, Person
from bot.roster.service import export_roster
from tests.factories import build_programme, profile


def as_person(db: Database, slack_user_id: str, actor: Actor) -> Actor:
    with db.read_only() as s:
        return resolve_actor(
            s, slack_user_id=slack_user_id, admin_ids=frozenset({"UADMIN1"}), now=actor.now
        )


def mentioning(db: Database, slack_user_id: str) -> list[AuditEvent]:
    """Audit rows naming this Slack id anywhere: actor, subject or detail."""
    with db.read_only() as s:
        rows = s.scalars(select(AuditEvent)).all()
    return [
        r
        for r in rows
        if slack_user_id in (r.actor_slack_id, r.subject_slack_id)
        or slack_user_id in json.dumps(r.detail)
    ]


def history(db: Database) -> list[AuditEvent]:
    with db.read_only() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_forget_pseudonymises_the_trail_and_keeps_what_was_done(
    fresh_db: Database, system: Actor
) -> None:
    db = fresh_db
    with db.unit_of_work() as s:
        build_programme(s, system)
    mentee, mentor = as_person(db, "UMENTEE1", system), as_person(db, "UMENTOR1", system)
    stranger = as_person(db, "UMENTEE2", system)
    with db.unit_of_work() as s:
        get_mentee(s, actor=mentee, slack_user_id="UMENTEE1")  # reads their own profile
        get_mentee(s, actor=mentor, slack_user_id="UMENTEE1")
        add_milestones(
            s,
            actor=mentor,
            slack_user_id="UMENTEE1",
            milestones=[MilestoneCreate(title="Book Step 3", due_on=system.now.date())],
        )
        assign(
            s,
            actor=as_person(db, "UADMIN1", system),
            mentee_slack_id="UMENTEE1",
            mentor_slack_id="UMENTOR2",
        )
    try:  # the mentee tries to read someone else's profile: denied, audited after the rollback
        with db.unit_of_work() as s:
            get_mentee(s, actor=mentee, slack_user_id="UMENTEE2")
    except AccessDenied:
        pass
    try:  # and someone else tries theirs
        with db.unit_of_work() as s:
            get_mentee(s, actor=stranger, slack_user_id="UMENTEE1")
    except AccessDenied:
        pass
    with db.unit_of_work() as s:
        export_roster(s, actor=as_person(db, "UADMIN1", system), mentee_slack_id="UMENTEE1")
    before = history(db)
    named = mentioning(db, "UMENTEE1")
    assert len(named) >= 8, [(r.action, r.actor_slack_id) for r in named]

    later = Actor.system(system.now + timedelta(hours=1))
    with db.unit_of_work() as s:
        pseudonym = forget(s, actor=later, slack_user_id="UMENTEE1")

    assert mentioning(db, "UMENTEE1") == []
    after = history(db)
    # Nothing was deleted: every row is still there, with its action, time and outcome.
    assert [(r.id, r.action, r.at, r.outcome) for r in after[: len(before)]] == [
        (r.id, r.action, r.at, r.outcome) for r in before
    ]
    trail = [r for r in after if pseudonym in (r.actor_slack_id, r.subject_slack_id)]
    assert {r.id for r in named} <= {r.id for r in trail}
    forgotten = [r for r in after if r.action == "mentee.forgotten"]
    assert len(forgotten) == 1
    assert pseudonym == f"forgotten-{forgotten[0].id}"
    assert forgotten[0].subject_slack_id == pseudonym
    assert forgotten[0].actor_slack_id == "system"
    by_action = {r.action: r for r in trail}
    assert by_action["mentee.forget"].subject_slack_id == pseudonym
    # Who else acted stays on record; so do other people's ids and the numbers in `detail`.
    reads = [r for r in trail if r.action == "profile.read"]
    assert {r.actor_slack_id for r in reads} >= {pseudonym, "UMENTOR1", "UMENTEE2"}
    assert by_action["mentor.assigned"].detail == {"mentor": "UMENTOR2"}
    assert [r.detail for r in trail if r.action == "milestone.add"] == [{}]
    # Their own denied attempt on someone else's profile is theirs, under the pseudonym.
    denied = [r for r in trail if r.subject_slack_id == "UMENTEE2"]
    assert [(r.actor_slack_id, r.outcome.value, r.detail) for r in denied] == [
        (pseudonym, "denied", {"role": "none"})
    ]


def test_no_one_inherits_a_forgotten_mentees_ids(fresh_db: Database, system: Actor) -> None:
    db = fresh_db
    with db.unit_of_work() as s:
        build_programme(s, system)
        # The newest mentee is the one forgotten: SQLite would hand out the highest id again.
        enroll(s, actor=system, slack_user_id="ULAST", profile=profile(name="Last One"))
        last = s.scalars(select(Mentee).join(Person).where(Person.slack_user_id == "ULAST")).one()
        add_milestones(
            s,
            actor=system,
            slack_user_id="ULAST",
            milestones=[MilestoneCreate(title="Apply", due_on=system.now.date())],
        )
        old = (last.id, last.person_id, s.scalar(select(func.max(Milestone.id))) or 0)
    with db.unit_of_work() as s:
        forget(s, actor=system, slack_user_id="ULAST")
    with db.unit_of_work() as s:
        enroll(s, actor=system, slack_user_id="UNEXT", profile=profile(name="Next One"))
        add_milestones(
            s,
            actor=system,
            slack_user_id="UNEXT",
            milestones=[MilestoneCreate(title="Apply", due_on=system.now.date())],
        )
        new = s.scalars(select(Mentee).join(Person).where(Person.slack_user_id == "UNEXT")).one()
        fresh = (new.id, new.person_id, s.scalar(select(func.max(Milestone.id))) or 0)
    assert all(n > o for n, o in zip(fresh, old, strict=True)), (old, fresh)
    with db.read_only() as s:
        subjects = {
            mentee_id: set(
                s.scalars(
                    select(AuditEvent.subject_slack_id).where(AuditEvent.mentee_id == mentee_id)
                )
            )
            for mentee_id in (old[0], fresh[0])
        }
    assert subjects[fresh[0]] == {"UNEXT"}
    [forgotten] = subjects[old[0]]
    assert forgotten is not None
    assert forgotten.startswith("forgotten-")


def test_a_mentee_who_is_also_a_mentor_keeps_their_mentor_record(
    fresh_db: Database, system: Actor
) -> None:
    db = fresh_db
    with db.unit_of_work() as s:
        build_programme(s, system)
        enroll(
            s,
            actor=system,
            slack_user_id="UMENTOR2",
            profile=profile(name="Mentor Two"),
            mentor_ids=["UMENTOR1"],
        )
    mentor = as_person(db, "UMENTOR2", system)
    with db.unit_of_work() as s:
        get_mentee(s, actor=mentor, slack_user_id="UMENTEE2")  # as a mentor, of their mentee
        get_mentee(s, actor=mentor, slack_user_id="UMENTOR2")  # as a mentee, their own record
    with db.unit_of_work() as s:
        pseudonym = forget(s, actor=system, slack_user_id="UMENTOR2")
    reads = [r for r in history(db) if r.action == "profile.read"]
    assert [(r.actor_slack_id, r.subject_slack_id) for r in reads] == [
        ("UMENTOR2", "UMENTEE2"),
        (pseudonym, pseudonym),
    ]
    with db.read_only() as s:
        assert s.scalar(select(Person.is_mentor).where(Person.slack_user_id == "UMENTOR2"))
