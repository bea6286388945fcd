"""Which flag rules hold for a mentee now: the profile's own rules (see `rules.py`, read
through the assessment) and STAG-NO-PROGRESS, which needs the dates of their activity."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset
from bot.models import (
    ApplicationCycle,
    ClinicalExperience,
    ExamResult,
    Letter,
    Mentee,
    Milestone,
    PracticeScore,
    ResearchOutput,
)
from bot.profile.schema import ProfileIn

ITEM_MODELS = (
    ExamResult,
    PracticeScore,
    ClinicalExperience,
    Letter,
    ResearchOutput,
    ApplicationCycle,
)


def conditions(
    profile: ProfileIn,
    mentee: Mentee,
    last_activity: datetime | None,
    *,
    now: datetime,
    ruleset: Ruleset,
) -> dict[str, str]:
    """Every flag rule that holds now, with the sentence that says why."""
    today = now.date()
    result = assess(profile, ruleset=ruleset, as_of=today)
    found = {f.rule: f.text for f in result.flags}
    idle_days = ruleset.rules.stag_no_progress.days
    since = max(filter(None, [mentee.created_at, last_activity]))
    if now - since > timedelta(days=idle_days):
        found["STAG-NO-PROGRESS"] = (
            f"No new item, exam or completed milestone since {since.date()} "
            f"({(now - since).days} days)"
        )
    return found


def last_activity(session: Session, ids: list[int]) -> dict[int, datetime]:
    """The newest item, exam or completed milestone per mentee (two queries)."""
    models: list[Any] = list(ITEM_MODELS)
    parts = [
        select(m.mentee_id.label("mentee_id"), m.created_at.label("at")).where(m.mentee_id.in_(ids))
        for m in models
    ]
    unioned = union_all(*parts).subquery()
    latest = dict(
        session.execute(
            select(unioned.c.mentee_id, func.max(unioned.c.at)).group_by(unioned.c.mentee_id)
        ).all()
    )
    completed = session.execute(
        select(Milestone.mentee_id, func.max(Milestone.completed_on))
        .where(Milestone.mentee_id.in_(ids), Milestone.completed_on.is_not(None))
        .group_by(Milestone.mentee_id)
    ).all()
    for mentee_id, day in completed:
        if day is None:
            continue
        moment = datetime.combine(day, time(), tzinfo=UTC)
        if mentee_id not in latest or latest[mentee_id] is None or latest[mentee_id] < moment:
            latest[mentee_id] = moment
    return {k: v for k, v in latest.items() if v is not None}
