"""Preview a mentee's plan, then save it as milestones (mentors and admins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, audit, mentee_for
from bot.applications.funnel import assessed_profiles
from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset
from bot.mentees.dto import MilestoneRead
from bot.mentees.milestones import milestone_read
from bot.models import Mentee, Milestone
from bot.plans.builder import PlanPreview, build_plan


def preview_plan(
    session: Session, *, actor: Actor, slack_user_id: str, ruleset: Ruleset
) -> PlanPreview:
    mentee = mentee_for(session, actor, slack_user_id, Capability.PLAN, "plan.preview")
    return _plan(session, mentee, actor=actor, ruleset=ruleset)


def save_plan(
    session: Session, *, actor: Actor, slack_user_id: str, ruleset: Ruleset
) -> list[MilestoneRead]:
    """Add the plan's items as milestones; items saved before (same template key) are kept."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.PLAN, "plan.save")
    plan = _plan(session, mentee, actor=actor, ruleset=ruleset)
    kinds = {f"plan:{plan.template}:{plan.season}:{item.key}": item for item in plan.items}
    existing = set(
        session.scalars(
            select(Milestone.kind).where(
                Milestone.mentee_id == mentee.id, Milestone.kind.in_(list(kinds))
            )
        )
    )
    rows = [
        Milestone(
            mentee_id=mentee.id,
            title=item.title,
            kind=kind,
            rule=item.rule,
            due_on=item.due_on,
            created_by_id=actor.person_id,
            created_at=actor.now,
        )
        for kind, item in kinds.items()
        if kind not in existing
    ]
    session.add_all(rows)
    session.flush()
    audit(session, actor, "plan.saved", mentee=mentee, added=len(rows))
    return [milestone_read(row) for row in rows]


def _plan(session: Session, mentee: Mentee, *, actor: Actor, ruleset: Ruleset) -> PlanPreview:
    profile = assessed_profiles(session, [mentee])[mentee.id]
    today = actor.now.date()
    return build_plan(
        profile, assess(profile, ruleset=ruleset, as_of=today), ruleset=ruleset, as_of=today
    )
