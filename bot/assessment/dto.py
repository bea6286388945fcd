"""What an assessment says, as frozen DTOs.

`Assessment.model_dump(mode="json")` is the `--format json` output.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from bot.vocab import Effect, Pathway, Verdict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Reason(Frozen):
    rule: str
    effect: Effect
    text: str


class RuleNote(Frozen):
    """A next step, a red flag, a stagnation flag or a strategy note: a rule and a sentence."""

    rule: str
    text: str


class PathwayVerdict(Frozen):
    pathway: Pathway
    verdict: Verdict
    reasons: list[Reason]
    next_steps: list[RuleNote]


class CountRange(Frozen):
    min: int
    max: int


class Applications(Frozen):
    min: int
    max: int
    by_track: dict[Pathway, CountRange]
    every_programme: list[Pathway] = []


class Cost(Frozen):
    """What the advised volume costs in application fees (APPLY-COST)."""

    min: int
    max: int
    currency: str
    season: int


class Tier(Frozen):
    share: float
    min: int
    max: int


class Blocked(Frozen):
    """Every Match route is blocked: why, what unblocks it, and by when for the season."""

    season: int
    why: list[RuleNote]
    remedies: list[RuleNote]
    full_list_season: int
    full_list_by: date
    latest_by: date


class Strategy(Frozen):
    primary: Pathway
    primary_verdict: Verdict
    parallel: list[Pathway]
    applications: Applications
    tiers: dict[str, Tier]
    notes: list[RuleNote]
    blocked: Blocked | None = None
    cost: Cost | None = None


class EcfmgStep(Frozen):
    title: str
    state: str
    weeks: int


class EcfmgSection(Frozen):
    """The ordered path to ECFMG certification and whether it fits the season (IMGs only)."""

    status: str
    steps: list[EcfmgStep]
    season: int
    match_ready_on: date
    certified_on: date
    notes: list[RuleNote]


class SeasonSection(Frozen):
    """Where the season stands for this mentee, and what to do in this phase."""

    season: int
    phase: str
    estimated: bool
    applied: bool
    interviews: int | None
    steps: list[RuleNote]


class RulesetRef(Frozen):
    name: str
    version: str


class Assessment(Frozen):
    ruleset: RulesetRef
    as_of: date
    name: str
    glance: list[Reason]
    record_problems: list[RuleNote]
    season: SeasonSection
    ecfmg: EcfmgSection | None
    pathways: list[PathwayVerdict]
    red_flags: list[RuleNote]
    flags: list[RuleNote]
    strategy: Strategy

    def verdict(self, pathway: Pathway) -> Verdict:
        return next(p.verdict for p in self.pathways if p.pathway is pathway)

    def pathway(self, pathway: Pathway) -> PathwayVerdict:
        return next(p for p in self.pathways if p.pathway is pathway)
