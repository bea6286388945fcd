"""A mentee's programme list for the season: built from their assessment (which reads the
season's applications, so a list built again mid-season stays in the season under way), and
saved as it was shown."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.access import Actor, Capability, mentee_for
from bot.applications.dto import SavedListRead
from bot.applications.funnel import assessed_profiles
from bot.applications.service import save_list
from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset
from bot.programmes.dto import ProgrammeList
from bot.programmes.listing import applied_tracks, build_list
from bot.programmes.service import load_programmes
from bot.vocab import Pathway


def list_for_mentee(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    ruleset: Ruleset,
    track: Pathway | None = None,
    as_of: date | None = None,
    version: int | None = None,
) -> ProgrammeList:
    """The list from the latest programme data (or the version named, so that a list saved
    later is the one that was shown). Building a list is planning, so a mentee may
    not ask for their own (PLAN is their mentors' and admins'); every request is audited."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.PLAN, "programmes.list")
    profile = assessed_profiles(session, [mentee])[mentee.id]
    assessment = assess(profile, ruleset=ruleset, as_of=as_of or actor.now.date())
    data = load_programmes(
        session, version=version, tracks=applied_tracks(assessment, ruleset, track)
    )
    return build_list(profile, assessment=assessment, data=data, ruleset=ruleset, track=track)


def save_shown_list(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    ruleset: Ruleset,
    version: int,
    as_of: date,
    track: Pathway | None = None,
) -> SavedListRead:
    """The list is deterministic in (profile, data version, day, track), so building it again
    saves what the mentor read, even if newer programme data was imported in between. Both
    steps check the actor's access and are audited."""
    shown = list_for_mentee(
        session,
        actor=actor,
        slack_user_id=slack_user_id,
        ruleset=ruleset,
        track=track,
        as_of=as_of,
        version=version,
    )
    return save_list(session, actor=actor, slack_user_id=slack_user_id, programmes=shown)
