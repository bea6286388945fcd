"""The rules of the domain guide as typed models: each rule's sentence, its source, and the
numbers, dates and fees it holds. `Rules` lists every rule id the ruleset file must define."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.vocab import Exam, Pathway

Score = Annotated[int, Field(ge=1, le=300)]
Count = Annotated[int, Field(ge=0, le=1000)]
Weeks = Annotated[int, Field(ge=0, le=260)]


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


class Mark(Model):
    since: date = Field(alias="from")
    score: Score


class PassMarks(Rule):
    """Minimum passing scores by test date: the mark in force on the exam day applies."""

    marks: dict[Exam, list[Mark]]

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        for exam, marks in self.marks.items():
            days = [m.since for m in marks]
            if not marks or days != sorted(set(days)):
                raise ValueError(f"{exam}: marks must be listed by ascending, distinct dates")
        return self

    def mark_on(self, exam: Exam, day: date) -> int | None:
        """The pass mark in force on `day`; None before the first known one (not judged)."""
        found = None
        for mark in self.marks.get(exam, []):
            if mark.since <= day:
                found = mark.score
        return found

    def current(self, exam: Exam, day: date) -> int | None:
        """The mark in force on `day`, or the latest known one when `day` precedes them all."""
        marks = self.marks.get(exam, [])
        return self.mark_on(exam, day) or (marks[-1].score if marks else None)


class PassFailSince(Rule):
    since: date = Field(alias="from")


class AttemptLimit(Rule):
    max_attempts: Annotated[int, Field(ge=1, le=9)]
    since: date = Field(alias="from")


class FailRisk(Rule):
    margin: Annotated[int, Field(ge=0, le=50)]


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


class PlasticsRotation(Rule):
    weeks: Annotated[int, Field(ge=1, le=52)]


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


EcfmgStepKey = Literal["usmle_id", "step1", "step2ck", "oet", "graduation"]


class EcfmgStep(Model):
    key: EcfmgStepKey
    title: Annotated[str, Field(min_length=1, max_length=120)]
    weeks: Weeks


class EcfmgPath(Rule):
    """The ordered path to ECFMG certification, with typical durations."""

    steps: list[EcfmgStep]
    training_starts: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]

    @model_validator(mode="after")
    def _every_step(self) -> Self:
        keys = [s.key for s in self.steps]
        if sorted(keys) != sorted(set(keys)) or len(keys) != 5:
            raise ValueError("steps must list usmle_id, step1, step2ck, oet, graduation once each")
        return self

    def training_start(self, season: int) -> date:
        month, day = (int(part) for part in self.training_starts.split("-"))
        return date(season, month, day)


class Volume(Rule):
    min: Annotated[int, Field(ge=1, le=1000)]
    max: Annotated[int, Field(ge=1, le=1000)]


Percent = Annotated[int, Field(ge=0, le=100)]


class ListThresholds(Model):
    """How a programme list places each programme in a tier (bot/programmes/listing.py)."""

    few_imgs: Percent  # an IMG share under this: a reach for an IMG
    img_friendly: Percent  # at or above: IMG-friendly (a safety when it went unfilled lately)
    unfilled_seasons: Annotated[int, Field(ge=1, le=10)]  # "often reaches SOAP": the last N
    screen_margin: Annotated[int, Field(ge=0, le=50)]  # clearing a screen by less: a reach

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.few_imgs > self.img_friendly:
            raise ValueError("few_imgs must not be above img_friendly")
        return self


class Tiers(Rule):
    reach: Annotated[float, Field(ge=0, le=1)]
    core: Annotated[float, Field(ge=0, le=1)]
    safety: Annotated[float, Field(ge=0, le=1)]
    programmes: ListThresholds

    @model_validator(mode="after")
    def _sum(self) -> Self:
        if abs(self.reach + self.core + self.safety - 1) > 1e-6:
            raise ValueError("reach + core + safety must add up to 1")
        return self


class FeeTier(Model):
    up_to: Annotated[int, Field(ge=1, le=10_000)] | None = None
    each: Annotated[float, Field(ge=0, le=10_000)]


class ApplyCost(Rule):
    """Application fees per programme, in tiers by how many programmes one applies to."""

    season: Annotated[int, Field(ge=2000, le=2100)]
    currency: Annotated[str, Field(min_length=3, max_length=3)] = "USD"
    tiers: list[FeeTier]
    fixed: dict[str, Annotated[float, Field(ge=0, le=10_000)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        limits = [t.up_to for t in self.tiers]
        if not limits or limits[-1] is not None:
            raise ValueError("the last fee tier must have no up_to (it covers the rest)")
        bounded = [x for x in limits[:-1] if x is not None]
        if len(bounded) != len(limits) - 1 or bounded != sorted(set(bounded)):
            raise ValueError("fee tiers must rise in up_to, and only the last may omit it")
        return self

    def fees(self, programmes: int) -> float:
        """Application fees for this many programmes of one specialty (the tiers restart for
        each specialty); the once-a-season `fixed` fees are not included."""
        total, start = 0.0, 0
        for tier in self.tiers:
            end = programmes if tier.up_to is None else min(programmes, tier.up_to)
            if end > start:
                total += (end - start) * tier.each
                start = end
        return total


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


class YogScreen(Rule):
    common_max_years: Annotated[int, Field(ge=1, le=30)]
    recent_usce_months: Annotated[int, Field(ge=1, le=60)]


class TimeLimit(Rule):
    years: Annotated[int, Field(ge=1, le=20)]
    warn_months: Annotated[int, Field(ge=1, le=120)]


class CyclePhases(Rule):
    """How the phases of a season are read and when advice within them changes."""

    late_submission_days: Annotated[int, Field(ge=0, le=120)]
    interview_check_days: Annotated[int, Field(ge=0, le=150)]
    few_interviews: Annotated[int, Field(ge=1, le=50)]
    rank_opens_days: Annotated[int, Field(ge=1, le=90)]
    match_day_offset: Annotated[int, Field(ge=0, le=6)]


class Pivot(Rule):
    specialties: list[Annotated[str, Field(min_length=1, max_length=60)]]


class Rules(Model):
    """Every rule of the domain guide, by id (`S1-LOW`, ...); all required."""

    s1_low: Below = Field(alias="S1-LOW")
    s1_concern: Below = Field(alias="S1-CONCERN")
    s1_competitive: AtLeast = Field(alias="S1-COMPETITIVE")
    s1_passfail: PassFailSince = Field(alias="S1-PASSFAIL")
    s2_below: Below = Field(alias="S2-BELOW")
    s2_strong: Above = Field(alias="S2-STRONG")
    s2_plastics: AtLeast = Field(alias="S2-PLASTICS")
    s2_screen: AtLeast = Field(alias="S2-SCREEN")
    trend_up: Trend = Field(alias="TREND-UP")
    pass_marks: PassMarks = Field(alias="PASS-MARKS")
    attempts: Rule = Field(alias="ATTEMPTS")
    attempt_limit: AttemptLimit = Field(alias="ATTEMPT-LIMIT")
    fail_risk: FailRisk = Field(alias="FAIL-RISK")
    s2_delay: Delay = Field(alias="S2-DELAY")
    usmle_time_limit: TimeLimit = Field(alias="USMLE-TIME-LIMIT")
    step3_h1b: Rule = Field(alias="STEP3-H1B")
    step3_signal: Rule = Field(alias="STEP3-SIGNAL")
    lor_surg: SurgeonLetters = Field(alias="LOR-SURG")
    lor_plastics: PlasticsLetters = Field(alias="LOR-PLASTICS")
    usce_surg: Usce = Field(alias="USCE-SURG")
    usce_plastics: PlasticsRotation = Field(alias="USCE-PLASTICS")
    research_plastics: Research = Field(alias="RESEARCH-PLASTICS")
    mentor_advocate: Rule = Field(alias="MENTOR-ADVOCATE")
    visa_j1_flex: Rule = Field(alias="VISA-J1-FLEX")
    visa_j1_detail: Rule = Field(alias="VISA-J1-DETAIL")
    visa_h1b_detail: Rule = Field(alias="VISA-H1B-DETAIL")
    ecfmg_clear: Ecfmg = Field(alias="ECFMG-CLEAR")
    ecfmg_path: EcfmgPath = Field(alias="ECFMG-PATH")
    yog_screen: YogScreen = Field(alias="YOG-SCREEN")
    apply_volume_nonus: Volume = Field(alias="APPLY-VOLUME-NONUS")
    apply_volume_usimg: Volume = Field(alias="APPLY-VOLUME-USIMG")
    apply_tiers: Tiers = Field(alias="APPLY-TIERS")
    apply_parallel: Rule = Field(alias="APPLY-PARALLEL")
    apply_early: Rule = Field(alias="APPLY-EARLY")
    apply_cost: ApplyCost = Field(alias="APPLY-COST")
    visa_filter: Rule = Field(alias="VISA-FILTER")
    cycle_phases: CyclePhases = Field(alias="CYCLE-PHASES")
    soap: Rule = Field(alias="SOAP")
    stag_reapply: Rule = Field(alias="STAG-REAPPLY")
    stag_no_parallel: Competitive = Field(alias="STAG-NO-PARALLEL")
    stag_checkpoint: Cadence = Field(alias="STAG-CHECKPOINT")
    stag_no_traction: Cycles = Field(alias="STAG-NO-TRACTION")
    stag_research_idle: Months = Field(alias="STAG-RESEARCH-IDLE")
    stag_no_progress: Days = Field(alias="STAG-NO-PROGRESS")
    wellbeing: Rule = Field(alias="WELLBEING")
    plastics_img: Rule = Field(alias="PLASTICS-IMG")
    p_int_plastics: Rule = Field(alias="P-INT-PLASTICS")
    p_ind_plastics: Rule = Field(alias="P-IND-PLASTICS")
    p_research_year: Rule = Field(alias="P-RESEARCH-YEAR")
    p_gs_cat: Rule = Field(alias="P-GS-CAT")
    p_prelim: Rule = Field(alias="P-PRELIM")
    p_ty: Rule = Field(alias="P-TY")
    p_pivot: Pivot = Field(alias="P-PIVOT")

    def by_id(self, rule_id: str) -> Rule:
        name = RULE_FIELDS.get(rule_id)
        if name is None:
            raise KeyError(rule_id)
        rule: Rule = getattr(self, name)
        return rule


RULE_FIELDS = {info.alias: name for name, info in Rules.model_fields.items() if info.alias}
RuleId = Annotated[str, Field(pattern=r"^[A-Z0-9-]+$")]
