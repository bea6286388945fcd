"""What the services say happened: small, frozen, typed facts about one mentee.

An event carries ids and the few words its subscribers need, never ORM rows (a subscriber may
run after the row has changed again) and nothing of the profile beyond what the mentee's
dashboard thread shows anyway (an item's summary line has no scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.access import Actor
from bot.vocab import MilestoneStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Something that happened to one mentee, done by `actor` at `actor.now`."""

    mentee_id: int
    actor: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class MenteeEnrolled(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileUpdated(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileItemLogged(DomainEvent):
    kind: str  # exam, letter, usce, research, cycle, practicescore, plannedexam
    item_id: int
    summary: str  # one line naming the item, without scores


@dataclass(frozen=True, slots=True, kw_only=True)
class InterviewsCounted(DomainEvent):
    cycle_id: int
    season: int
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckInRecorded(DomainEvent):
    check_in_id: int
    wellbeing_asked: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneAdded(DomainEvent):
    milestone_id: int
    title: str
    due_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneStatusChanged(DomainEvent):
    milestone_id: int
    title: str
    status: MilestoneStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagRaised(DomainEvent):
    flag_id: int
    rule: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagCleared(DomainEvent):
    """The flag's condition no longer holds: it resolved itself."""

    flag_id: int
    rule: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagResolved(DomainEvent):
    """A mentor resolved the flag by hand, giving a reason."""

    flag_id: int
    rule: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationStatusChanged(DomainEvent):
    """One application's status changed: a mentee's or a mentor's update, an admin's import
    row, or a mentor's correction. Statuses are the stored words of the applications'
    `ApplicationStatus` (this layer knows no domain); `change_id` is the history row, so each
    change makes one thread line whoever retries what."""

    change_id: int
    application_id: int
    season: int
    programme: str  # the programme's name as saved on the list
    track: str  # its track, as people read it
    from_status: str | None
    to_status: str
    on: date  # the day it happened
    correction: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationsListSaved(DomainEvent):
    """A programme list was saved as the season's applications (one event per save, not one
    per programme): how many were added as planned, kept, and dropped."""

    saved_list_id: int
    season: int
    added: int
    kept: int
    dropped: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MenteeForgotten(DomainEvent):
    """The mentee's data is about to be deleted for good. Published at once, while their rows
    still exist, so that each subscriber can erase what it keeps elsewhere (the dashboards:
    their Slack posts) and note how much on the forget's audit row, `audit_id`."""

    audit_id: int
