"""Domain events: services say what happened, subscribers in other domains react, all in the
same unit of work. Services import this package; it imports no subscriber."""

from bot.events.bus import (
    NoSubscribers,
    Subscriber,
    emit,
    pending,
    publish,
    subscribe,
    subscribers,
    unsubscribe,
)
from bot.events.domain import (
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

__all__ = [
    "ApplicationStatusChanged",
    "ApplicationsListSaved",
    "CheckInRecorded",
    "DomainEvent",
    "FlagCleared",
    "FlagRaised",
    "FlagResolved",
    "InterviewsCounted",
    "MenteeEnrolled",
    "MenteeForgotten",
    "MilestoneAdded",
    "MilestoneStatusChanged",
    "NoSubscribers",
    "ProfileItemLogged",
    "ProfileUpdated",
    "Subscriber",
    "emit",
    "pending",
    "publish",
    "subscribe",
    "subscribers",
    "unsubscribe",
]
