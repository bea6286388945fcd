"""The ruleset: a YAML file validated on load, with a name and a version.

It holds every threshold of the domain guide under its rule id, how each pathway's verdict is read
off the profile, the strategy defaults and the season calendar. A malformed file fails at load
with the offending key and its line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import Field, ValidationError, model_validator

from bot.assessment.conditions import Condition
from bot.assessment.rules import RULE_FIELDS, Model, RuleId, Rules
from bot.assessment.season import Calendar, SeasonDates
from bot.vocab import ApplicantType, Pathway, ReminderKind, Verdict

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "ruleset.yaml"
Band = Literal["unknown", "screened", "below", "low", "solid", "strong"]
BAND_ORDER: tuple[Band, ...] = ("screened", "below", "low", "solid", "strong")


class RulesetError(Exception):
    """The ruleset file is malformed; the message names the file, the line and the key."""


class Adjust(Model):
    when: Condition
    steps: Annotated[int, Field(ge=-2, le=2)]
    rule: RuleId

    @model_validator(mode="after")
    def _polarity(self) -> Self:
        if self.steps > 0 and not self.when.is_strength:
            raise ValueError(f"{self.when} is a weakness: it may only lower a verdict")
        if self.steps < 0 and self.when.is_strength:
            raise ValueError(f"{self.when} is a strength: it may only raise a verdict")
        return self


class Cap(Model):
    when: Condition
    max: Verdict
    rule: RuleId

    @model_validator(mode="after")
    def _weakness(self) -> Self:
        if self.when.is_strength:
            raise ValueError(f"{self.when} is a strength: it cannot cap a verdict")
        return self


class Block(Cap):
    max: Verdict = Verdict.BLOCKED


class PathwayRules(Model):
    rule: RuleId
    base: dict[Band, Verdict]
    adjust: list[Adjust] = Field(default_factory=list)
    cap: list[Cap] = Field(default_factory=list)
    block: list[Block] = Field(default_factory=list)

    @model_validator(mode="after")
    def _bands(self) -> Self:
        missing = (set(BAND_ORDER) | {"unknown"}) - set(self.base)
        if missing:
            raise ValueError(f"base lacks the band(s) {', '.join(sorted(missing))}")
        ranks = [self.base[band].rank for band in BAND_ORDER]
        if ranks != sorted(ranks):
            raise ValueError("base verdicts must not fall as the Step 2 CK band rises")
        if Verdict.BLOCKED in self.base.values():
            raise ValueError("a base verdict cannot be blocked; use block")
        return self


class Range(Model):
    min: Annotated[int, Field(ge=0, le=1000)]
    max: Annotated[int, Field(ge=0, le=1000)]


class RiskVolume(Model):
    """More applications when a risk factor holds (a weakness, so never fewer)."""

    when: Condition
    add: Annotated[int, Field(ge=0, le=200)]
    rule: RuleId

    @model_validator(mode="after")
    def _weakness(self) -> Self:
        if self.when.is_strength:
            raise ValueError(f"{self.when} is a strength: it cannot add applications")
        return self


class StrategyRules(Model):
    parallel: dict[Pathway, list[Pathway]]
    volume: dict[ApplicantType, Range]
    risk_volume: list[RiskVolume] = Field(default_factory=list)
    max_applications: Annotated[int, Field(ge=1, le=1000)] = 200
    track_weights: dict[Pathway, Annotated[int, Field(ge=0, le=100)]]
    every_programme: list[Pathway] = Field(default_factory=list)


Anchor = Literal[
    "today", "eras_opens", "submission_opens", "review_opens", "rank_deadline", "match_week"
]
SkipFact = Literal[
    "step2_taken",
    "surgical_usce_met",
    "ecfmg_certified",
    "no_h1b_or_step3_passed",
    "surgical_letters_met",
    "plastics_research_met",
    "plastics_letters_met",
]


TemplateName = Literal["non_us_prelim", "plastics_multi_year"]


class PlanItemRule(Model):
    key: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,32}$")]
    title: Annotated[str, Field(min_length=1, max_length=150)]
    rule: RuleId
    anchor: Anchor
    days: Annotated[int, Field(ge=-1000, le=1000)]
    season: Annotated[int, Field(ge=0, le=10)] = 0
    skip_when: SkipFact | None = None


class PlanTemplate(Model):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    items: list[PlanItemRule]


class ApplicationReminders(Model):
    """When a season's application reminders go, before the calendar's dates (the submission
    day and the interview check are the calendar's own, CYCLE-PHASES)."""

    rank_list_days_before: Annotated[int, Field(ge=0, le=60)]
    soap_days_before: Annotated[int, Field(ge=0, le=60)]


class ReminderRules(Model):
    send_hour: Annotated[int, Field(ge=0, le=23)]
    lead_days: Annotated[int, Field(ge=1, le=60)]
    overdue_every_days: Annotated[int, Field(ge=1, le=60)]
    escalate_to_admins_after_days: Annotated[int, Field(ge=1, le=365)]
    digest_weekday: Annotated[int, Field(ge=0, le=6)]
    season_events: list[
        Literal["eras_opens", "submission_opens", "review_opens", "rank_deadline", "match_week"]
    ]
    expiry_days: dict[ReminderKind, Annotated[int, Field(ge=1, le=60)]]
    applications: ApplicationReminders

    @model_validator(mode="after")
    def _every_kind(self) -> Self:
        missing = set(ReminderKind) - set(self.expiry_days)
        if missing:
            raise ValueError(f"expiry_days lacks {', '.join(sorted(missing))}")
        return self


class Ruleset(Model):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    version: Annotated[str, Field(min_length=1, max_length=40)]
    rules: Rules
    bands: list[Band]
    pathways: dict[Pathway, PathwayRules]
    strategy: StrategyRules
    calendar: dict[Annotated[int, Field(ge=2000, le=2100)], SeasonDates]
    plans: dict[TemplateName, PlanTemplate]
    reminders: ReminderRules

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if tuple(self.bands) != BAND_ORDER:
            raise ValueError(f"bands must be {list(BAND_ORDER)}")
        missing = set(Pathway) - set(self.pathways)
        if missing:
            raise ValueError(f"pathways lacks {', '.join(sorted(missing))}")
        for pathway, rules in self.pathways.items():
            cited = [rules.rule, *(r.rule for r in rules.adjust)]
            cited += [r.rule for r in rules.cap] + [r.rule for r in rules.block]
            for rule_id in cited:
                if rule_id not in RULE_FIELDS:
                    raise ValueError(f"pathways.{pathway} cites unknown rule {rule_id}")
        for template in self.plans.values():
            for item in template.items:
                if item.rule not in RULE_FIELDS:
                    raise ValueError(f"plan item {item.key} cites unknown rule {item.rule}")
        if set(self.plans) != {"non_us_prelim", "plastics_multi_year"}:
            raise ValueError("plans needs non_us_prelim and plastics_multi_year")
        if not self.calendar:
            raise ValueError("calendar needs at least one season")
        if self.rules.apply_volume_nonus.min > self.rules.apply_volume_nonus.max:
            raise ValueError("APPLY-VOLUME-NONUS min is above max")
        return self

    @property
    def seasons(self) -> Calendar:
        return Calendar(known=self.calendar, rules=self.rules.cycle_phases)


def load_ruleset(path: Path | None = None) -> Ruleset:
    """Load and validate a ruleset file (the bundled one by default)."""
    return _load(path or BUNDLED)


@cache
def _load(path: Path) -> Ruleset:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesetError(f"ruleset {path}: cannot read it ({exc.strerror})") from None
    return parse_ruleset(text, str(path))


def parse_ruleset(text: str, origin: str = "ruleset") -> Ruleset:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise RulesetError(
            f"ruleset {origin} line {line}: not valid YAML ({exc.problem})"
        ) from None
    if not isinstance(data, dict):
        raise RulesetError(f"ruleset {origin}: the top level must be a mapping")
    try:
        return Ruleset.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = [str(part) for part in error["loc"]]
        line = _line_of(node, loc)
        key = ".".join(loc) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        raise RulesetError(f"ruleset {origin} line {line}: {key}: {message}") from None


def _line_of(node: Any, loc: list[str]) -> int:
    """The 1-based line of the deepest YAML node along `loc` that exists."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if match is None:
                return line
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line
    return line
