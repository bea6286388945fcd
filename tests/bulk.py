"""Many mentees with due milestones, written in bulk (for crash, concurrency and benchmarks)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from bot.db.engine import Database
from bot.models import Mentee, MentorAssignment, Milestone, Person
from bot.vocab import ApplicantType, EcfmgStatus, MenteeStatus, MilestoneStatus, VisaNeed


def seed_due_milestones(
    db: Database,
    *,
    count: int,
    due_on: date,
    now: datetime,
    prefix: str = "UBULK",
    tz: str = "UTC",
    mentors: int = 0,
) -> list[str]:
    """`count` active mentees (no quiet hours) each with one open milestone due `due_on`."""
    users = [f"{prefix}{i:06d}" for i in range(count)]
    with db.unit_of_work() as session:
        session.execute(insert(Person), _people(users, tz=tz, now=now, mentor=False))
        ids = dict(
            session.execute(
                select(Person.slack_user_id, Person.id).where(Person.slack_user_id.in_(users))
            ).all()
        )
        session.execute(
            insert(Mentee),
            [
                {
                    "person_id": ids[u],
                    "applicant_type": ApplicantType.NON_US_IMG,
                    "visa": VisaNeed.J1,
                    "ecfmg": EcfmgStatus.CERTIFIED,
                    "targets": [],
                    "mentor_advocate": False,
                    "distinctive_story": False,
                    "checkpoint_cadence_days": 365,
                    "status": MenteeStatus.ACTIVE,
                    "notes": "",
                    "created_at": now,
                    "updated_at": now,
                    "flags_checked_at": now,
                    "checkpoint_due_on": now.date() + timedelta(days=365),
                }
                for u in users
            ],
        )
        mentee_ids = list(
            session.scalars(select(Mentee.id).join(Person).where(Person.slack_user_id.in_(users)))
        )
        session.execute(
            insert(Milestone),
            [
                {
                    "mentee_id": m,
                    "title": "Bulk task",
                    "kind": "free",
                    "due_on": due_on,
                    "due_version": 1,
                    "status": MilestoneStatus.OPEN,
                    "created_at": now,
                }
                for m in mentee_ids
            ],
        )
        if mentors:
            mentor_users = [f"{prefix}M{i:04d}" for i in range(mentors)]
            session.execute(insert(Person), _people(mentor_users, tz=tz, now=now, mentor=True))
            mentor_ids = list(
                session.scalars(select(Person.id).where(Person.slack_user_id.in_(mentor_users)))
            )
            session.execute(
                insert(MentorAssignment),
                [
                    {"mentor_id": mentor_ids[i % mentors], "mentee_id": m, "since": now}
                    for i, m in enumerate(mentee_ids)
                ],
            )
    return users


def _people(users: list[str], *, tz: str, now: datetime, mentor: bool) -> list[dict[str, object]]:
    """Person rows with no quiet hours, so that reminders go whenever they are due."""
    return [
        {
            "slack_user_id": u,
            "display_name": u,
            "tz": tz,
            "quiet_start_minute": 0,
            "quiet_end_minute": 0,
            "quiet_weekends": False,
            "is_admin": False,
            "is_mentor": mentor,
            "created_at": now,
        }
        for u in users
    ]
