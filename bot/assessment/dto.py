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


class Tier(Frozen):
    share: float
    min: int
    max: int


class Strategy(Frozen):
    primary: Pathway
    primary_verdict: Verdict
    parallel: list[Pathway]
    applications: Applications
    tiers: dict[str, Tier]
    notes: list[RuleNote]


class RulesetRef(Frozen):
    name: str
    version: str


class Assessment(Frozen):
    ruleset: RulesetRef
    as_of: date
    name: str
    pathways: list[PathwayVerdict]
    red_flags: list[RuleNote]
    flags: list[RuleNote]
    strategy: Strategy

    def verdict(self, pathway: Pathway) -> Verdict:
        return next(p.verdict for p in self.pathways if p.pathway is pathway)

    def pathway(self, pathway: Pathway) -> PathwayVerdict:
        return next(p for p in self.pathways if p.pathway is pathway)
