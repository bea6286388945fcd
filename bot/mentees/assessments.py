"""Assess an enrolled mentee (audited), for the Slack app, reminders and dashboards."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.access import Actor, Capability, mentee_for
from bot.applications.funnel import assessed_profiles
from bot.assessment.dto import Assessment
from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset


def assess_mentee(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    ruleset: Ruleset,
    as_of: date | None = None,
) -> Assessment:
    mentee = mentee_for(session, actor, slack_user_id, Capability.READ, "assessment.read")
    profile = assessed_profiles(session, [mentee])[mentee.id]
    return assess(profile, ruleset=ruleset, as_of=as_of or actor.now.date())
