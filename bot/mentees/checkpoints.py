"""The next check-in date of a mentee (STAG-CHECKPOINT): last check-in, or enrolment, + cadence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import CheckIn, Mentee


def refresh_checkpoint(session: Session, mentee: Mentee) -> None:
    """Recompute after a check-in, a cadence change, or enrolment."""
    session.flush()
    last = session.scalar(select(func.max(CheckIn.at)).where(CheckIn.mentee_id == mentee.id))
    since = (last or mentee.created_at).date()
    mentee.checkpoint_due_on = since + timedelta(days=mentee.checkpoint_cadence_days)
