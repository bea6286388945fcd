"""The roster: a mentor's caseload (or, for an admin, everyone's, by mentor), most urgent first,
read with a fixed number of queries whatever its size."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from bot.access import Actor, audit
from bot.errors import AccessDenied
from bot.models import CheckIn, DashboardCard, Flag, Mentee, MentorAssignment, Milestone, Person
from bot.vocab import FlagState, MenteeStatus, MilestoneStatus

UNASSIGNED = "Unassigned"


class RosterLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    slack_user_id: str
    name: str
    open_flags: int
    overdue_milestones: int
    overdue_checkin: bool
    card_channel: str | None
    card_ts: str | None

    @property
    def urgency(self) -> int:
        if self.open_flags:
            return 0
        return 1 if self.overdue_checkin or self.overdue_milestones else 2


class RosterView(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentees: int
    open_flags: int
    overdue_checkins: int
    overdue_milestones: int
    groups: dict[str, list[RosterLine]]


def build_roster(
    session: Session, *, actor: Actor, mentor_slack_id: str | None = None
) -> RosterView:
    """Whose roster: an admin's whole programme by mentor (or one mentor's), a mentor's own."""
    if (
        mentor_slack_id is not None
        and mentor_slack_id != actor.slack_user_id
        and not actor.is_admin
    ):
        raise AccessDenied("Only admins can see another mentor's roster.")
    everyone = actor.is_admin and mentor_slack_id is None
    mentor_id = None
    if not everyone:
        target = mentor_slack_id or actor.slack_user_id
        mentor_id = session.scalar(select(Person.id).where(Person.slack_user_id == target))
        if mentor_id is None:
            raise AccessDenied("You have no mentees yet.")
    audit(session, actor, "roster.read", scope=mentor_slack_id or ("all" if everyone else "own"))
    scope = mentor_scope(mentor_id)
    lines = roster_lines(session, scope, actor.now)
    groups: dict[str, list[RosterLine]] = {}
    mentor = aliased(Person)
    pairs = session.execute(
        select(mentor.display_name, Mentee.id)
        .join(MentorAssignment, MentorAssignment.mentor_id == mentor.id)
        .join(Mentee, Mentee.id == MentorAssignment.mentee_id)
        .where(MentorAssignment.until.is_(None), Mentee.id.in_(scope))
        .order_by(mentor.display_name)
    ).all()
    # An admin sees a mentee under each of their mentors; a mentor sees each mentee once.
    placed: set[tuple[str, int]] = set()
    for mentor_name, mentee_id in pairs:
        key = mentor_name if everyone else ""
        if mentee_id in lines and (key, mentee_id) not in placed:
            groups.setdefault(key, []).append(lines[mentee_id])
            placed.add((key, mentee_id))
    assigned = {mentee_id for _, mentee_id in placed}
    loose = [line for mentee_id, line in lines.items() if mentee_id not in assigned]
    if loose:
        groups.setdefault(UNASSIGNED if everyone else "", []).extend(loose)
    for key in groups:
        groups[key] = sorted(groups[key], key=lambda line: (line.urgency, line.name))
    unique = list(lines.values())
    return RosterView(
        mentees=len(unique),
        open_flags=sum(line.open_flags for line in unique),
        overdue_checkins=sum(1 for line in unique if line.overdue_checkin),
        overdue_milestones=sum(line.overdue_milestones for line in unique),
        groups=groups,
    )


def mentor_scope(mentor_id: int | None) -> Select[Any]:
    """The active mentees of a mentor (of everyone when None), as a subquery of ids."""
    query = select(Mentee.id).where(Mentee.status == MenteeStatus.ACTIVE)
    if mentor_id is not None:
        query = query.where(
            Mentee.id.in_(
                select(MentorAssignment.mentee_id).where(
                    MentorAssignment.mentor_id == mentor_id, MentorAssignment.until.is_(None)
                )
            )
        )
    return query


def roster_lines(session: Session, scope: Select[Any], now: datetime) -> dict[int, RosterLine]:
    """One line per mentee in scope: open flags, overdue milestones and check-in (5 queries)."""
    today = now.date()
    flags = dict(
        session.execute(
            select(Flag.mentee_id, func.count(Flag.id))
            .where(Flag.mentee_id.in_(scope), Flag.state == FlagState.OPEN)
            .group_by(Flag.mentee_id)
        ).all()
    )
    overdue = dict(
        session.execute(
            select(Milestone.mentee_id, func.count(Milestone.id))
            .where(
                Milestone.mentee_id.in_(scope),
                Milestone.status == MilestoneStatus.OPEN,
                Milestone.due_on < today,
            )
            .group_by(Milestone.mentee_id)
        ).all()
    )
    last = dict(
        session.execute(
            select(CheckIn.mentee_id, func.max(CheckIn.at))
            .where(CheckIn.mentee_id.in_(scope))
            .group_by(CheckIn.mentee_id)
        ).all()
    )
    cards = {
        m: (c, t)
        for m, c, t in session.execute(
            select(DashboardCard.mentee_id, DashboardCard.channel_id, DashboardCard.ts).where(
                DashboardCard.mentee_id.in_(scope)
            )
        ).all()
    }
    rows = session.execute(
        select(
            Mentee.id,
            Person.slack_user_id,
            Person.display_name,
            Mentee.created_at,
            Mentee.checkpoint_cadence_days,
        )
        .join(Person, Person.id == Mentee.person_id)
        .where(Mentee.id.in_(scope))
    ).all()
    out = {}
    for mentee_id, slack_id, name, created, cadence in rows:
        since: date = (last.get(mentee_id) or created).date()
        channel, ts = cards.get(mentee_id, (None, None))
        out[mentee_id] = RosterLine(
            slack_user_id=slack_id,
            name=name,
            open_flags=flags.get(mentee_id, 0),
            overdue_milestones=overdue.get(mentee_id, 0),
            overdue_checkin=since + timedelta(days=cadence) < today,
            card_channel=channel,
            card_ts=ts,
        )
    return out
