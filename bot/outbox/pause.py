"""The workspace pause: when Slack refuses the app's token, every instance stops sending until
the token works again (checked every few minutes), and the admins are told once, loudly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.upsert import insert_for
from bot.models import WorkspacePause

log = logging.getLogger("matchpath.reminders")
WORKSPACE = "workspace"
RESUME_CHECK = timedelta(minutes=5)


def pause(session: Session, *, error: str, now: datetime) -> None:
    # Every instance sending at that moment meets the same refusal: the first one pauses.
    session.execute(
        insert_for(session, WorkspacePause)
        .values(name=WORKSPACE, reason=error[:200], paused_at=now, checked_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    log.critical(
        "Slack refused the app's token (%s): sending is paused for the workspace "
        "until it works again. Admins: reinstall the app or fix SLACK_BOT_TOKEN.",
        error,
    )


def still_paused(db: Database, *, now: datetime, auth_ok: Callable[[], bool]) -> bool:
    """Whether sending is paused; at most every RESUME_CHECK, asks Slack whether the token
    works again (outside any transaction) and lifts the pause if so."""
    with db.unit_of_work() as session:
        paused = session.get(WorkspacePause, WORKSPACE)
        if paused is None:
            return False
        if now - paused.checked_at < RESUME_CHECK:
            return True
        paused.checked_at = now
    if auth_ok():
        with db.unit_of_work() as session:
            session.execute(delete(WorkspacePause).where(WorkspacePause.name == WORKSPACE))
        log.warning("Slack accepts the token again: sending resumes")
        return False
    return True
