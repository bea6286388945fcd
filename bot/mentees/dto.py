"""Frozen DTOs the mentee services return (never ORM rows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.applications.dto import SeasonFunnel
from bot.inputs import Line, Prose
from bot.profile.schema import ProfileIn
from bot.vocab import (
    ApplicantType,
    EcfmgStatus,
    MenteeStatus,
    MilestoneStatus,
    Pathway,
    VisaNeed,
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonRef(Frozen):
    slack_user_id: str
    name: str


class MilestoneRead(Frozen):
    id: int
    mentee_id: int
    title: str
    kind: str
    rule: str | None
    due_on: date
    status: MilestoneStatus
    completed_on: date | None


class CheckInRead(Frozen):
    id: int
    mentee_id: int
    mentor: PersonRef | None
    at: datetime
    notes: str
    wellbeing_asked: bool


class MenteeRead(Frozen):
    id: int
    person: PersonRef
    tz: str | None
    status: MenteeStatus
    checkpoint_cadence_days: int
    notes: str
    profile: ProfileIn
    mentors: list[PersonRef]
    last_check_in: datetime | None
    created_at: datetime
    applications: SeasonFunnel | None = None  # the latest season's funnel, once there is a list


class MenteeSummary(Frozen):
    id: int
    person: PersonRef
    status: MenteeStatus
    applicant_type: ApplicantType
    targets: list[Pathway]


class MenteeChoice(Frozen):
    """Whom a subcommand that names nobody is about: `own` (the actor themself), or, when that
    is None, one of `mentees` for the actor to pick."""

    own: str | None
    mentees: list[PersonRef] = []


class ItemLogged(Frozen):
    mentee_id: int
    kind: str
    id: int
    summary: str  # for the dashboard thread: no scores
    confirmation: str  # for the person who logged it: scores, and the attempt it was stored as


class ProfileFields(BaseModel):
    """The editable top-level fields of a profile (the profile modal)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Annotated[Line, Field(min_length=1, max_length=200)] | None = None
    applicant_type: ApplicantType
    visa: VisaNeed = VisaNeed.NONE
    ecfmg: EcfmgStatus = EcfmgStatus.NOT_STARTED
    graduation_year: Annotated[int, Field(ge=1950, le=2100)] | None = None
    targets: list[Pathway] = Field(default_factory=list, max_length=7)
    mentor_advocate: bool = False
    distinctive_story: bool = False
    checkpoint_cadence_days: Annotated[int, Field(ge=30, le=365)] = 180
    status: MenteeStatus = MenteeStatus.ACTIVE
    notes: Annotated[Prose, Field(max_length=3000)] = ""
