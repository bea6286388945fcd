"""State carried in button values and modal private_metadata: small pydantic models as JSON.

Slack hands these back verbatim, but anyone can forge a request body, so they are parsed and
validated like any other input, and nothing in them is trusted for authorisation.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import InvalidInput

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
