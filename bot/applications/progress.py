"""Reading and writing one application's progress: shared by the services and the import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.access import Actor
from bot.applications.dto import ApplicationRead, ChangeRead
from bot.applications.lifecycle import Progress
from bot.applications.models import Application, ApplicationChange
from bot.applications.vocab import ChangeVia
from bot.assessment.dto import RuleNote
from bot.events import ApplicationStatusChanged, emit

PROGRESS_FIELDS = (
    "status",
    "furthest",
    "applied_on",
    "invited_on",
    "interviewed_on",
    "ranked_on",
    "outcome_on",
    "closed_on",
)


def progress_of(application: Application) -> Progress:
    return Progress(**{name: getattr(application, name) for name in PROGRESS_FIELDS})


@dataclass(frozen=True)
class Recorded:
    """A change written: what it reads as, and its history row (its id once flushed)."""

    read: ChangeRead
    row: ApplicationChange


def record_change(
    session: Session,
    actor: Actor,
    application: Application,
    after: Progress,
    on: date,
    via: ChangeVia,
    correction: bool,
) -> Recorded:
    """Write the new progress and its history row (announce it once flushed)."""
    before = application.status
    for name in PROGRESS_FIELDS:
        setattr(application, name, getattr(after, name))
    application.updated_at = actor.now
    row = ApplicationChange(
        application_id=application.id,
        mentee_id=application.mentee_id,
        at=actor.now,
        happened_on=on,
        changed_by=actor.slack_user_id[:32],
        from_status=before,
        to_status=after.status,
        via=via,
        correction=correction,
    )
    session.add(row)
    read = ChangeRead(
        application=read_application(application),
        from_status=before,
        to_status=after.status,
        happened_on=on,
        changed_by=row.changed_by,
        via=via,
        correction=correction,
    )
    return Recorded(read=read, row=row)


def announce(session: Session, actor: Actor, changes: Sequence[Recorded]) -> None:
    """One event per change written, in order (after the flush that gave the rows their ids)."""
    for change in changes:
        a, row = change.read.application, change.row
        assert row.id is not None, "announce the changes after the flush"
        emit(
            session,
            ApplicationStatusChanged(
                mentee_id=row.mentee_id,
                actor=actor,
                change_id=row.id,
                application_id=a.id,
                season=a.season,
                programme=a.name,
                track=a.track.label,
                from_status=change.read.from_status,
                to_status=change.read.to_status,
                on=change.read.happened_on,
                correction=change.read.correction,
            ),
        )


def read_application(a: Application) -> ApplicationRead:
    return ApplicationRead(
        id=a.id,
        season=a.season,
        name=a.name,
        city=a.city,
        state=a.state,
        track=a.track,
        tier=a.tier,
        reasons=[RuleNote(rule=r["rule"], text=r["text"]) for r in a.reasons],
        **{name: getattr(a, name) for name in PROGRESS_FIELDS},
    )
