"""The sweep's flag step: raise and clear flags from the profile, in batches of mentees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.applications.funnel import assessed_profiles
from bot.assessment.ruleset import Ruleset
from bot.flags.evaluation import conditions, last_activity
from bot.flags.lifecycle import Outcome, apply
from bot.models import Flag, Mentee
from bot.vocab import MenteeStatus

RECHECK = timedelta(days=1)
BATCH = 500


@dataclass
class FlagReport:
    checked: int = 0
    raised: int = 0
    cleared: int = 0


def evaluate_flags(
    session: Session, *, now: datetime, ruleset: Ruleset, batch: int = BATCH
) -> FlagReport:
    """Check the mentees most in need of it (changed, or not checked for a day)."""
    mentees = list(
        session.scalars(
            select(Mentee)
            .where(
                Mentee.status == MenteeStatus.ACTIVE,
                or_(
                    Mentee.flags_checked_at.is_(None),
                    Mentee.flags_checked_at < now - RECHECK,
                    Mentee.updated_at > Mentee.flags_checked_at,
                ),
            )
            .order_by(Mentee.flags_checked_at.is_not(None), Mentee.flags_checked_at, Mentee.id)
            .limit(batch)
        )
    )
    report = FlagReport(checked=len(mentees))
    if not mentees:
        return report
    ids = [m.id for m in mentees]
    profiles = assessed_profiles(session, mentees)
    activity = last_activity(session, ids)
    latest: dict[tuple[int, str], Flag] = {}
    for flag in session.scalars(select(Flag).where(Flag.mentee_id.in_(ids)).order_by(Flag.id)):
        latest[(flag.mentee_id, flag.rule)] = flag
    for mentee in mentees:
        found = conditions(
            profiles[mentee.id], mentee, activity.get(mentee.id), now=now, ruleset=ruleset
        )
        rules = {key[1] for key in latest if key[0] == mentee.id} | set(found)
        for rule in rules:
            outcome = apply(
                session,
                mentee_id=mentee.id,
                rule=rule,
                detail=found.get(rule),
                flag=latest.get((mentee.id, rule)),
                now=now,
            )
            report.raised += outcome is Outcome.RAISED
            report.cleared += outcome is Outcome.CLEARED
        mentee.flags_checked_at = now
    session.flush()
    return report
