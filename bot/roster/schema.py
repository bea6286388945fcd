"""The roster file format (`matchpath import` / `matchpath export`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints

from bot.inputs import Line, Prose, blank_is_none
from bot.profile.schema import MAX_DATE, MIN_DATE, Item, ProfileIn, Text200
from bot.vocab import MenteeStatus, MilestoneStatus

SlackUserId = Annotated[
    str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,30}$", strip_whitespace=True)
]
Day = Annotated[date, Field(ge=MIN_DATE, le=MAX_DATE)]
# A time zone left blank is none (the person's Slack zone is used).
Zone = Annotated[Line | None, BeforeValidator(blank_is_none)]


class MentorEntry(Item):
    slack_user_id: SlackUserId
    name: Text200
    tz: Zone = None


class MilestoneEntry(Item):
    title: Text200
    due_on: Day
    status: MilestoneStatus = MilestoneStatus.OPEN
    completed_on: Day | None = None
    kind: Annotated[Line, Field(min_length=1, max_length=64)] = "free"
    rule: Annotated[
        Annotated[Line, Field(max_length=32)] | None, BeforeValidator(blank_is_none)
    ] = None


class CheckInEntry(Item):
    mentor: SlackUserId | None = None
    at: AwareDatetime
    notes: Annotated[Prose, Field(max_length=3000)] = ""
    wellbeing_asked: bool = False


class MenteeRecord(ProfileIn):
    """A mentee entry of the roster: the profile plus programme bookkeeping.

    Also the `matchpath assess` profile file, where the bookkeeping fields may be left out.
    """

    slack_user_id: SlackUserId | None = None
    tz: Zone = None
    mentors: list[SlackUserId] = Field(default_factory=list)
    status: MenteeStatus = MenteeStatus.ACTIVE
    checkpoint_cadence_days: Annotated[int, Field(ge=30, le=365)] = 180
    notes: Annotated[Prose, Field(max_length=3000)] = ""
    milestones: list[MilestoneEntry] = Field(default_factory=list, max_length=500)
    checkins: list[CheckInEntry] = Field(default_factory=list, max_length=1000)

    def profile(self) -> ProfileIn:
        return ProfileIn.model_validate(self.model_dump(include=set(ProfileIn.model_fields)))


class Roster(Item):
    admins: list[SlackUserId] = Field(default_factory=list)
    mentors: list[MentorEntry] = Field(default_factory=list)
    mentees: list[MenteeRecord] = Field(default_factory=list)
