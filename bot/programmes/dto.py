"""What the programme services return: frozen DTOs, never ORM rows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from bot.assessment.dto import RuleNote, RulesetRef
from bot.programmes.schema import ProgrammeIn
from bot.programmes.vocab import Standing, Tier
from bot.vocab import Pathway


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DatasetRead(Frozen):
    """One import of programme data: a saved list names the version it was built from."""

    version: int
    source: str
    as_of: date
    rows: int
    imported_at: datetime


class ProgrammeRead(ProgrammeIn):
    """A stored programme row (its id is what a saved list refers to)."""

    id: int


class ProgrammeData(Frozen):
    dataset: DatasetRead
    programmes: list[ProgrammeRead]


class Placement(Frozen):
    """One programme on a mentee's list: where it stands and every reason, each with its rule.

    `checks` are facts the data does not hold that the screens would need: the programme is
    kept, and the mentor verifies them ("J-1 sponsorship unknown — verify")."""

    programme: ProgrammeRead
    standing: Standing
    tier: Tier | None
    reasons: list[RuleNote]
    checks: list[RuleNote] = []


class TierCount(Frozen):
    tier: Tier
    wanted: int | None  # None: every programme that passes the screens (no size)
    listed: int
    available: int  # programmes that pass the screens and fall in this tier


class TrackList(Frozen):
    pathway: Pathway
    wanted_min: int | None
    wanted_max: int | None
    tiers: list[TierCount]
    listed: list[Placement]
    reserve: list[Placement]
    excluded: list[Placement]
    excluded_by_rule: dict[str, int]
    notes: list[RuleNote]


class ProgrammeList(Frozen):
    """A mentee's screened, tiered list for a season, from one version of the data; or, when
    the routes asked for are blocked, no list and why (`blocked`)."""

    name: str
    as_of: date
    season: int
    ruleset: RulesetRef
    dataset: DatasetRead
    blocked: list[RuleNote]
    blocked_route: Pathway | None = None  # the one route asked for; None: every Match route
    tracks: list[TrackList]
    notes: list[RuleNote]
