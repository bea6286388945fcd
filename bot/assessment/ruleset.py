"""The ruleset: a YAML file validated on load, with a name and a version.

It holds every threshold of the domain guide under its rule id, how each pathway's verdict is read
off the profile, the strategy defaults and the season calendar. A malformed file fails at load
with the offending key and its line.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.assessment.conditions import Condition
from bot.vocab import ApplicantType, Exam, Pathway, ReminderKind, Verdict

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "ruleset.yaml"
Band = Literal["unknown", "screened", "below", "low", "solid", "strong"]
BAND_ORDER: tuple[Band, ...] = ("screened", "below", "low", "solid", "strong")
Score = Annotated[int, Field(ge=1, le=300)]
Count = Annotated[int, Field(ge=0, le=1000)]


class RulesetError(Exception):
    """The ruleset file is malformed; the message names the file, the line and the key."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(Model):
    text: Annotated[str, Field(min_length=1, max_length=300)]
    source: str


class Below(Rule):
    below: Score


class AtLeast(Rule):
    at_least: Score


class Above(Rule):
    above: Score


class Trend(Rule):
    points: Annotated[int, Field(ge=1, le=100)]


class Attempts(Rule):
    passing: dict[Exam, Score]


class Delay(Rule):
    target: Score
    target_plastics: Score
    recent_practice: Annotated[int, Field(ge=1, le=20)]
    window_days: Annotated[int, Field(ge=1, le=365)]


class SurgeonLetters(Rule):
    us_surgeons: Count
    additional: Count


class PlasticsLetters(Rule):
    us_plastic_surgeons: Count


class Usce(Rule):
    hands_on_weeks: Annotated[int, Field(ge=1, le=104)]
    observer_weeks: Annotated[int, Field(ge=1, le=104)]


class Research(Rule):
    outputs: Count
    posters_per_year: tuple[Count, Count]
    manuscripts_per_year: tuple[Count, Count]

    def yearly_goal(self) -> str:
        posters, manuscripts = self.posters_per_year, self.manuscripts_per_year
        return (
            f"{posters[0]}-{posters[1]} posters and {manuscripts[0]}-{manuscripts[1]} "
            "manuscripts a year"
        )


class Ecfmg(Rule):
    days_before_submission: Annotated[int, Field(ge=0, le=730)]


class Volume(Rule):
    min: Annotated[int, Field(ge=1, le=1000)]
    max: Annotated[int, Field(ge=1, le=1000)]


class Tiers(Rule):
    reach: Annotated[float, Field(ge=0, le=1)]
    core: Annotated[float, Field(ge=0, le=1)]
    safety: Annotated[float, Field(ge=0, le=1)]

    @model_validator(mode="after")
    def _sum(self) -> Self:
        if abs(self.reach + self.core + self.safety - 1) > 1e-6:
            raise ValueError("reach + core + safety must add up to 1")
        return self


class Competitive(Rule):
    competitive: list[Pathway]


class Cadence(Rule):
    cadence_days: Annotated[int, Field(ge=30, le=365)]


class Cycles(Rule):
    cycles: Annotated[int, Field(ge=1, le=10)]


class Months(Rule):
    months: Annotated[int, Field(ge=1, le=36)]


class Days(Rule):
    days: Annotated[int, Field(ge=1, le=730)]


class Rules(Model):
    """Every rule of the domain guide, by id (`S1-LOW`, ...); all required."""

    s1_low: Below = Field(alias="S1-LOW")
    s1_concern: Below = Field(alias="S1-CONCERN")
    s1_competitive: AtLeast = Field(alias="S1-COMPETITIVE")
    s2_below: Below = Field(alias="S2-BELOW")
    s2_strong: Above = Field(alias="S2-STRONG")
    s2_plastics: AtLeast = Field(alias="S2-PLASTICS")
    s2_screen: AtLeast = Field(alias="S2-SCREEN")
    trend_up: Trend = Field(alias="TREND-UP")
    attempts: Attempts = Field(alias="ATTEMPTS")
    s2_delay: Delay = Field(alias="S2-DELAY")
    step3_h1b: Rule = Field(alias="STEP3-H1B")
    step3_signal: Rule = Field(alias="STEP3-SIGNAL")
    lor_surg: SurgeonLetters = Field(alias="LOR-SURG")
    lor_plastics: PlasticsLetters = Field(alias="LOR-PLASTICS")
    usce_surg: Usce = Field(alias="USCE-SURG")
    research_plastics: Research = Field(alias="RESEARCH-PLASTICS")
    mentor_advocate: Rule = Field(alias="MENTOR-ADVOCATE")
    visa_j1_flex: Rule = Field(alias="VISA-J1-FLEX")
    ecfmg_clear: Ecfmg = Field(alias="ECFMG-CLEAR")
    apply_volume_nonus: Volume = Field(alias="APPLY-VOLUME-NONUS")
    apply_tiers: Tiers = Field(alias="APPLY-TIERS")
    apply_parallel: Rule = Field(alias="APPLY-PARALLEL")
    apply_early: Rule = Field(alias="APPLY-EARLY")
    visa_filter: Rule = Field(alias="VISA-FILTER")
    stag_reapply: Rule = Field(alias="STAG-REAPPLY")
    stag_no_parallel: Competitive = Field(alias="STAG-NO-PARALLEL")
    stag_checkpoint: Cadence = Field(alias="STAG-CHECKPOINT")
    stag_no_traction: Cycles = Field(alias="STAG-NO-TRACTION")
    stag_research_idle: Months = Field(alias="STAG-RESEARCH-IDLE")
    stag_no_progress: Days = Field(alias="STAG-NO-PROGRESS")
    wellbeing: Rule = Field(alias="WELLBEING")
    p_int_plastics: Rule = Field(alias="P-INT-PLASTICS")
    p_ind_plastics: Rule = Field(alias="P-IND-PLASTICS")
    p_research_year: Rule = Field(alias="P-RESEARCH-YEAR")
    p_gs_cat: Rule = Field(alias="P-GS-CAT")
    p_prelim: Rule = Field(alias="P-PRELIM")
    p_ty: Rule = Field(alias="P-TY")
    p_pivot: Rule = Field(alias="P-PIVOT")

    def by_id(self, rule_id: str) -> Rule:
        name = RULE_FIELDS.get(rule_id)
        if name is None:
            raise KeyError(rule_id)
        rule: Rule = getattr(self, name)
        return rule


RULE_FIELDS = {info.alias: name for name, info in Rules.model_fields.items() if info.alias}
RuleId = Annotated[str, Field(pattern=r"^[A-Z0-9-]+$")]


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


class StrategyRules(Model):
    parallel: dict[Pathway, list[Pathway]]
    volume: dict[ApplicantType, Range]
    track_weights: dict[Pathway, Annotated[int, Field(ge=0, le=100)]]


class SeasonDates(Model):
    eras_opens: date
    submission_opens: date
    review_opens: date
    rank_deadline: date
    match_week: date
    estimated: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        order = [
            self.eras_opens,
            self.submission_opens,
            self.review_opens,
            self.rank_deadline,
            self.match_week,
        ]
        if order != sorted(order):
            raise ValueError(
                "dates must run eras_opens < submission_opens < review_opens < "
                "rank_deadline < match_week"
            )
        return self


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

    def season_for(self, day: date) -> tuple[int, SeasonDates] | None:
        """The first season whose submission opens on or after `day`."""
        for season in sorted(self.calendar):
            if self.calendar[season].submission_opens >= day:
                return season, self.calendar[season]
        return None


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
