"""Interview invitations to date on the season under way (`log interviews N`), so the
assessment's season advice (few invitations by mid-November: widen the list, prepare for SOAP)
rests on real counts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, mentee_for
from bot.applications.funnel import assessed_profiles
from bot.assessment.dto import RuleNote
from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset
from bot.errors import InvalidInput
from bot.events import InterviewsCounted, emit
from bot.models import ApplicationCycle

MAX_INTERVIEWS = 500  # the cycle form's own bound


class InterviewsRecorded(BaseModel):
    model_config = ConfigDict(frozen=True)

    season: int
    interviews: int
    next_step: RuleNote | None


def record_interviews(
    session: Session, *, actor: Actor, slack_user_id: str, count: int, ruleset: Ruleset
) -> InterviewsRecorded:
    """Set the invitations to date on the cycle of the season the mentee applied in."""
    if not 0 <= count <= MAX_INTERVIEWS:
        raise InvalidInput.single("interviews", f"give a count from 0 to {MAX_INTERVIEWS}")
    mentee = mentee_for(session, actor, slack_user_id, Capability.LOG_ITEM, "item.update.cycle")
    today = actor.now.date()
    live = ruleset.seasons.live(today)
    cycles = {
        c.season: c
        for c in session.scalars(
            select(ApplicationCycle).where(
                ApplicationCycle.mentee_id == mentee.id,
                ApplicationCycle.season.in_([live, ruleset.seasons.target(today)]),
            )
        )
    }
    cycle = cycles.get(live) or next(iter(cycles.values()), None)
    if cycle is None:
        raise InvalidInput.single(
            "season",
            f"no {live} cycle is on record: log it first (`log cycle`), with the date it was "
            "submitted",
        )
    cycle.interviews = count
    mentee.updated_at = actor.now
    session.flush()
    emit(
        session,
        InterviewsCounted(
            mentee_id=mentee.id, actor=actor, cycle_id=cycle.id, season=cycle.season, count=count
        ),
    )
    profile = assessed_profiles(session, [mentee])[mentee.id]
    season = assess(profile, ruleset=ruleset, as_of=today).season
    step = next((n for n in season.steps if n.rule in ("CYCLE-PHASES", "SOAP")), None)
    return InterviewsRecorded(season=cycle.season, interviews=count, next_step=step)
