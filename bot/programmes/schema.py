"""One programme row as a programme file holds it (CSV or JSON), validated.

Cells are read the way spreadsheets write them: an empty cell (or "unknown") is an unknown fact
and stays one; yes/no in the usual spellings; a percentage with or without its sign. Anything
else is refused with a message that says what the cell should hold.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from bot.inputs import Line, dated, one_line
from bot.programmes.vocab import ProgrammeSetting, ProgrammeTrack

UNKNOWN_WORDS = {"", "unknown", "?", "n/a", "na"}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
# US states, DC and the territories with ACGME programmes.
STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI"
)
STATES = frozenset(STATE_CODES.split())
# A cell starting with one of these runs as a formula when a spreadsheet opens the list.
FORMULA_START = ("=", "+", "-", "@")


def unknown(value: Any) -> Any:
    """An empty cell, or a word for "not known", is None (unknown)."""
    if isinstance(value, str) and value.strip().lower() in UNKNOWN_WORDS:
        return None
    return value


def read_yes_no(value: Any) -> Any:
    value = unknown(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise ValueError(f"{value!r} is not yes or no (leave the cell empty if unknown)")
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if value is not None and not isinstance(value, bool):
        raise ValueError("give yes or no (or leave it empty if unknown)")
    return value


def read_percent(value: Any) -> Any:
    value = unknown(value)
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if not re.fullmatch(r"\d{1,3}", text):
            raise ValueError(f"{value!r} is not a whole percentage from 0 to 100, like 45 or 45%")
        return int(text)
    if isinstance(value, float):
        raise ValueError("give a whole percentage from 0 to 100, like 45")
    return value


def read_whole_number(value: Any) -> Any:
    value = unknown(value)
    if isinstance(value, str) and not re.fullmatch(r"\s*\d+\s*", value):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def read_track(value: Any) -> Any:
    """A track by its value or its label, in any case: "Preliminary surgery" is accepted."""
    if isinstance(value, str):
        key = re.sub(r"[\s\-/&]+", "_", value.strip().lower()).strip("_")
        found = TRACK_NAMES.get(key)
        if found is None:
            raise ValueError(
                f"{value!r} is not a track; use one of {', '.join(t.value for t in ProgrammeTrack)}"
            )
        return found
    return value


def read_setting(value: Any) -> Any:
    value = unknown(value)
    if isinstance(value, str):
        word = value.strip().lower()
        for option in ProgrammeSetting:
            if word == option.value:
                return option
        raise ValueError(f"{value!r} is not academic or community (empty if unknown)")
    return value


def read_years(value: Any) -> Any:
    """Match years after which positions went unfilled: "2025 2023", "2025;2023" or "none"
    (known to have filled every year); empty is unknown."""
    value = unknown(value)
    if isinstance(value, str):
        if value.strip().lower() == "none":
            return []
        parts = [p for p in re.split(r"[\s,;]+", value.strip()) if p]
        if not all(re.fullmatch(r"\d{4}", p) for p in parts):
            raise ValueError(
                f"{value!r} is not a list of Match years like 2025 2023 ('none' if it always "
                "filled, empty if unknown)"
            )
        return [int(p) for p in parts]
    return value


def _sorted_years(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    if len(set(value)) != len(value):
        raise ValueError("a Match year is listed twice")
    return sorted(value, reverse=True)


def read_state(value: Any) -> Any:
    # Control characters first, named as in every other field, before the value is echoed back.
    value = one_line(value)
    if isinstance(value, str):
        code = value.strip().upper()
        if code not in STATES:
            raise ValueError(f"{value!r} is not a US state code like NY or TX")
        return code
    return value


def no_formula(value: str) -> str:
    if value.startswith(FORMULA_START):
        raise ValueError(
            "must not begin with =, +, - or @ (a spreadsheet would run it as a formula)"
        )
    return value


TRACK_NAMES: dict[str, ProgrammeTrack] = {
    **{t.value: t for t in ProgrammeTrack},
    **{re.sub(r"\s+", "_", t.label): t for t in ProgrammeTrack},
    "categorical_surgery": ProgrammeTrack.GENERAL_SURGERY,
    "preliminary": ProgrammeTrack.PRELIMINARY_SURGERY,
    "prelim_surgery": ProgrammeTrack.PRELIMINARY_SURGERY,
    "ty": ProgrammeTrack.TRANSITIONAL_YEAR,
    "plastic_surgery_integrated": ProgrammeTrack.INTEGRATED_PLASTICS,
    "pm_r": ProgrammeTrack.PHYSICAL_MEDICINE,
    "pmr": ProgrammeTrack.PHYSICAL_MEDICINE,
    "anaesthesiology": ProgrammeTrack.ANESTHESIOLOGY,
    "paediatrics": ProgrammeTrack.PEDIATRICS,
}

Text = Annotated[Line, Field(min_length=1, max_length=200), AfterValidator(no_formula)]
City = Annotated[Line, Field(min_length=1, max_length=100), AfterValidator(no_formula)]
Flag = Annotated[bool | None, BeforeValidator(read_yes_no)]
Percent = Annotated[Annotated[int, Field(ge=0, le=100)] | None, BeforeValidator(read_percent)]
Screen = Annotated[Annotated[int, Field(ge=150, le=300)] | None, BeforeValidator(read_whole_number)]
Years = Annotated[Annotated[int, Field(ge=0, le=60)] | None, BeforeValidator(read_whole_number)]
Count = Annotated[Annotated[int, Field(ge=0, le=500)] | None, BeforeValidator(read_whole_number)]
MatchYears = Annotated[
    Annotated[list[Annotated[int, Field(ge=2000, le=2100)]], Field(max_length=30)] | None,
    BeforeValidator(read_years),
    AfterValidator(_sorted_years),
]
AsOf = Annotated[date, BeforeValidator(unknown), dated("as-of date", date(2000, 1, 1))]

REQUIRED = ("name", "city", "state", "track", "source", "as_of")


class ProgrammeIn(BaseModel):
    """A programme and track with what is known about it; None is unknown, never "no"."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Text
    city: City
    state: Annotated[str, BeforeValidator(read_state)]
    track: Annotated[ProgrammeTrack, BeforeValidator(read_track)]
    sponsors_j1: Flag = None
    sponsors_h1b: Flag = None
    img_share: Percent = Field(default=None, description="IMGs among current residents, %")
    step2_screen: Screen = Field(default=None, description="lowest Step 2 CK it reviews")
    first_attempt_only: Flag = None
    max_years_since_graduation: Years = None
    usce_required: Flag = None
    setting: Annotated[ProgrammeSetting | None, BeforeValidator(read_setting)] = None
    positions: Count = None
    unfilled_after_match: MatchYears = Field(
        default=None, description="Match years after which it had unfilled positions"
    )
    source: Text
    as_of: AsOf

    @property
    def key(self) -> tuple[str, str, str, ProgrammeTrack]:
        """What makes a row one programme and track: two rows with the same key clash."""
        return (self.name.casefold(), self.city.casefold(), self.state, self.track)


COLUMNS: tuple[str, ...] = tuple(ProgrammeIn.model_fields)
