"""A flag's episodes: raised once while its condition holds, kept (open or snoozed) while it
goes on holding, resolved by itself when it clears. A flag a mentor resolved by hand is not
raised again until its condition has cleared at least once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.db.upsert import insert_for
from bot.events import FlagCleared, FlagRaised, emit
from bot.models import FLAG_UNRESOLVED, Flag
from bot.vocab import FlagState


class Outcome(StrEnum):
    RAISED = "raised"
    CLEARED = "cleared"
    KEPT = "kept"
    QUIET = "quiet"


def apply(
    session: Session,
    *,
    mentee_id: int,
    rule: str,
    detail: str | None,
    flag: Flag | None,
    now: datetime,
) -> Outcome:
    """Move the latest flag of this mentee and rule on, given whether its rule holds now
    (`detail` is None when it does not)."""
    holds = detail is not None
    if flag is not None and flag.state is not FlagState.RESOLVED:
        if not holds:
            flag.state, flag.resolved_at, flag.cleared_at = FlagState.RESOLVED, now, now
            flag.resolved_reason = "condition cleared"
            emit(
                session,
                FlagCleared(
                    mentee_id=mentee_id, actor=Actor.system(now), flag_id=flag.id, rule=rule
                ),
            )
            return Outcome.CLEARED
        if flag.state is FlagState.SNOOZED and flag.snoozed_until and flag.snoozed_until <= now:
            flag.state, flag.snoozed_until = FlagState.OPEN, None  # same episode: no new raise
        if detail and flag.detail != detail:
            flag.detail = detail
        return Outcome.KEPT
    if not holds:
        if flag is not None and flag.cleared_at is None:
            flag.cleared_at = now
        return Outcome.QUIET
    if flag is not None and flag.cleared_at is None:
        return Outcome.KEPT  # resolved by a mentor and not yet cleared: the same episode
    # At most one unresolved flag per mentee and rule (a partial unique index): if one exists
    # already, whoever wrote it raised it, and this does nothing.
    raised = session.scalar(
        insert_for(session, Flag)
        .values(
            mentee_id=mentee_id,
            rule=rule,
            detail=detail or "",
            raised_at=now,
            state=FlagState.OPEN,
        )
        .on_conflict_do_nothing(
            index_elements=["mentee_id", "rule"], index_where=text(FLAG_UNRESOLVED)
        )
        .returning(Flag.id)
    )
    if raised is None:
        return Outcome.KEPT
    emit(
        session,
        FlagRaised(
            mentee_id=mentee_id,
            actor=Actor.system(now),
            flag_id=raised,
            rule=rule,
            detail=detail or "",
        ),
    )
    return Outcome.RAISED
