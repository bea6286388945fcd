"""The dashboards' one subscriber to the services' domain events.

What happened to a mentee becomes a line in their card's thread and an update of the card
(the outbox's `record` plans both rows); a forgotten mentee's card and thread are queued for
deletion from Slack (`erase_posts`). The services know nothing of this: they only emit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy.orm import Session

from bot.applications.vocab import ApplicationStatus, change_line
from bot.dashboards.outbox import erase_posts, record
from bot.events import (
    ApplicationsListSaved,
    ApplicationStatusChanged,
    CheckInRecorded,
    DomainEvent,
    FlagCleared,
    FlagRaised,
    FlagResolved,
    InterviewsCounted,
    MenteeEnrolled,
    MenteeForgotten,
    MilestoneAdded,
    MilestoneStatusChanged,
    ProfileItemLogged,
    ProfileUpdated,
)
from bot.models import AuditEvent
from bot.vocab import plural


class ThreadLine(NamedTuple):
    text: str
    key: str  # unique per line of this mentee's thread: a retried request adds no second one


def on_events(session: Session, events: Sequence[DomainEvent]) -> None:
    """Turn a unit of work's events into ledger rows, in the order they happened."""
    for happened in events:
        if isinstance(happened, MenteeForgotten):
            _erase(session, happened)
            continue
        line = thread_line(happened)
        if line is not None:
            record(
                session,
                mentee_id=happened.mentee_id,
                text=line.text,
                key=line.key,
                actor=happened.actor,
            )


def thread_line(happened: DomainEvent) -> ThreadLine | None:
    """The words an event puts in the mentee's thread, or None for an event that puts none."""
    at = happened.actor.now.isoformat()
    match happened:
        case MenteeEnrolled():
            return ThreadLine("Enrolled in MatchPath", "enrolled")
        case ProfileUpdated():
            return ThreadLine("Profile updated", f"profile:{at}")
        case ProfileItemLogged(kind=kind, item_id=item_id, summary=summary):
            return ThreadLine(f"Logged: {summary}", f"item:{kind}:{item_id}")
        case InterviewsCounted(cycle_id=cycle_id, season=season, count=count):
            return ThreadLine(
                f"Interview invitations so far: {count} ({season} season)",
                f"interviews:{cycle_id}:{count}:{at}",
            )
        case CheckInRecorded(check_in_id=check_in_id, wellbeing_asked=asked):
            wellbeing = " (asked about wellbeing)" if asked else ""
            return ThreadLine(f"Check-in recorded{wellbeing}", f"checkin:{check_in_id}")
        case MilestoneAdded(milestone_id=milestone_id, title=title, due_on=due_on):
            return ThreadLine(f"Milestone added: {title} (due {due_on})", f"ms-add:{milestone_id}")
        case MilestoneStatusChanged(milestone_id=milestone_id, title=title, status=status):
            return ThreadLine(f"Milestone {status}: {title}", f"ms-{status}:{milestone_id}:{at}")
        case FlagRaised(flag_id=flag_id, rule=rule, detail=detail):
            return ThreadLine(f"Flag raised: {rule}: {detail}", f"flag-raised:{flag_id}")
        case FlagCleared(flag_id=flag_id, rule=rule):
            return ThreadLine(f"Flag cleared: {rule}", f"flag-cleared:{flag_id}")
        case FlagResolved(flag_id=flag_id, rule=rule, reason=reason):
            return ThreadLine(f"Flag resolved: {rule}: {reason}", f"flag-resolved:{flag_id}")
        case ApplicationStatusChanged():
            return _application_line(happened)
        case ApplicationsListSaved(saved_list_id=saved_id, season=season, added=added):
            kept, dropped = happened.kept, happened.dropped
            more = (f", {kept} kept" if kept else "") + (f", {dropped} dropped" if dropped else "")
            return ThreadLine(
                f"Programme list saved for the {season} season: "
                f"{plural(added, 'new application')} planned{more}",
                f"list-saved:{saved_id}",
            )
    return None


def _application_line(happened: ApplicationStatusChanged) -> ThreadLine:
    before = happened.from_status
    text = change_line(
        happened.programme,
        happened.track,
        before=ApplicationStatus(before) if before else None,
        after=ApplicationStatus(happened.to_status),
        on=happened.on,
        correction=happened.correction,
    )
    return ThreadLine(text, f"application:{happened.change_id}")


def _erase(session: Session, happened: MenteeForgotten) -> None:
    erased = erase_posts(session, mentee_id=happened.mentee_id, now=happened.actor.now)
    # The forget's audit row says what was done with the person's data: here, how many of
    # their Slack posts are to be deleted.
    audit_row = session.get(AuditEvent, happened.audit_id)
    if audit_row is not None:
        audit_row.detail = {**audit_row.detail, "slack_posts_erased": erased}
