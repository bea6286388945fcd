"""State carried in button values and modal private_metadata: small pydantic models as JSON.

Slack hands these back verbatim, but anyone can forge a request body, so they are parsed and
validated like any other input, and nothing in them is trusted for authorisation.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.applications.vocab import ApplicationStatus
from bot.errors import InvalidInput
from bot.vocab import Pathway

SlackId = Annotated[str, Field(pattern=r"^[UWCDG][A-Z0-9]{2,30}$")]
ItemKind = Literal["exam", "practice", "usce", "letter", "research", "cycle"]
MAX_STATE = 2000
PICK_TEXT = 1800  # a command longer than this is not carried in a "which mentee?" button


class State(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)


class MenteeRef(State):
    mentee: SlackId
    channel: SlackId | None = None


class ItemForm(State):
    mentee: SlackId
    kind: ItemKind
    channel: SlackId | None = None


class ProfileForm(State):
    mentee: SlackId
    enroll: bool = False
    mentors: list[SlackId] = Field(default_factory=list, max_length=10)
    channel: SlackId | None = None


class MilestoneRef(State):
    milestone: Annotated[int, Field(ge=1)]


class FlagRef(State):
    flag: Annotated[int, Field(ge=1)]
    channel: SlackId | None = None


class MenteePick(State):
    """A "which mentee?" button: the command as typed, to run again for the mentee picked."""

    mentee: SlackId
    text: Annotated[str, Field(max_length=PICK_TEXT)]


class ListRef(State):
    """A "save as the season's list" button: what the list shown was built from, so that the
    list saved is the same one (the data version, the day, the track)."""

    mentee: SlackId
    version: Annotated[int, Field(ge=1)]
    as_of: date
    track: Pathway | None = None


class StatusPick(State):
    """A "which programme?" button under `log STATUS`: the change asked for, on the application
    picked. Clicking it makes the change as if the programme had been named exactly."""

    mentee: SlackId
    season: Annotated[int, Field(ge=2000, le=2100)]
    application: Annotated[int, Field(ge=1)]
    to: ApplicationStatus
    on: date
    correction: bool = False


# The statuses form's applications and the status each showed, one character per status
# (its place in ApplicationStatus): a page of 95 fits the metadata with room to spare.
STATUS_CODES = "".join(str(i) for i in range(len(ApplicationStatus)))


class StatusesForm(State):
    """The statuses modal: whose list, which season and page, and what it showed, so that only
    the statuses someone changed are sent (one changed by someone else meanwhile stands)."""

    mentee: SlackId
    season: Annotated[int, Field(ge=2000, le=2100)]
    page: Annotated[int, Field(ge=1, le=100)] = 1
    applications: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=100)
    shown: Annotated[str, Field(pattern=f"^[{STATUS_CODES}]*$", max_length=100)] = ""
    channel: SlackId | None = None

    @model_validator(mode="after")
    def _one_status_each(self) -> StatusesForm:
        if len(self.shown) != len(self.applications):
            raise ValueError("one status per application")
        return self

    @classmethod
    def showing(cls, shown: dict[int, ApplicationStatus], **fields: Any) -> StatusesForm:
        order = list(ApplicationStatus)
        codes = "".join(STATUS_CODES[order.index(s)] for s in shown.values())
        return cls(applications=list(shown), shown=codes, **fields)

    def statuses(self) -> dict[int, ApplicationStatus]:
        order = list(ApplicationStatus)
        return {a: order[int(c)] for a, c in zip(self.applications, self.shown, strict=True)}


class Origin(State):
    channel: SlackId | None = None


StateT = TypeVar("StateT", bound=State)


def load_state(model: type[StateT], raw: str | None) -> StateT:
    """Parse a button value or private_metadata; a tampered one is a clear refusal."""
    if not raw or len(raw) > MAX_STATE:
        raise InvalidInput.single("request", "this button or form is out of date; try again")
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        raise InvalidInput.single(
            "request", "this button or form is out of date; try again"
        ) from None
