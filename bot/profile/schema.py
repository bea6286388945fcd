"""Pydantic models of a mentee profile: the `assess` file, a roster entry, and service input.

Field names are the file format users write by hand, so they are stable. Unknown fields are
refused (a typo must not be silently ignored).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from bot.inputs import (
    EARLIEST,
    LATEST,
    ExamDay,
    Line,
    PlannedExamDay,
    PracticeDay,
    blank_is_none,
    dated,
)
from bot.vocab import (
    ApplicantType,
    CycleOutcome,
    EcfmgStatus,
    Exam,
    PassFail,
    Pathway,
    PracticeSource,
    ResearchKind,
    Specialty,
    UsceKind,
    VisaNeed,
    label,
)

Score = Annotated[int, Field(ge=1, le=300, description="USMLE three-digit score (1-300)")]
Attempt = Annotated[int, Field(ge=1, le=9)]
Text200 = Annotated[Line, Field(min_length=1, max_length=200)]
MIN_DATE = EARLIEST
MAX_DATE = LATEST


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ExamIn(Item):
    exam: Exam
    score: Score | None = None
    result: PassFail | None = None
    attempt: Attempt = 1
    taken_on: ExamDay

    @model_validator(mode="after")
    def _score_or_result(self) -> Self:
        if self.score is None and self.result is None:
            raise ValueError("give a score or a result (pass/fail)")
        return self

    def result_text(self) -> str:
        """The score, or the pass/fail result, as people read it."""
        return str(self.score) if self.score is not None else label(self.result or PassFail.PASS)


class PlannedExamIn(Item):
    exam: Exam
    planned_on: PlannedExamDay


class PracticeScoreIn(Item):
    exam: Exam = Exam.STEP2CK
    score: Score
    taken_on: PracticeDay
    source: PracticeSource = PracticeSource.NBME


class UsceIn(Item):
    kind: UsceKind
    specialty: Specialty
    institution: Annotated[
        Annotated[Line, Field(max_length=200)] | None, BeforeValidator(blank_is_none)
    ] = None
    us: bool = True
    start: Annotated[date, dated("start date")]
    end: Annotated[date, dated("end date")] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start (a negative number of weeks)")
        return self

    def weeks(self, as_of: date) -> int:
        """Whole weeks done by `as_of` (an ongoing rotation counts up to that day)."""
        end = min(self.end or as_of, as_of)
        return max(0, (end - self.start).days // 7)

    @classmethod
    def from_weeks(cls, *, start: date, weeks: int, **fields: object) -> UsceIn:
        if weeks < 1:
            raise ValueError("weeks must be 1 or more")
        return cls(start=start, end=start + timedelta(weeks=weeks), **fields)


class LetterIn(Item):
    writer: Text200
    specialty: Specialty
    us: bool
    strong: bool
    received_on: Annotated[date, dated("date the letter came")]


class ResearchIn(Item):
    kind: ResearchKind
    specialty: Specialty
    first_author: bool = False
    title: Annotated[Line, Field(min_length=1, max_length=500)]
    date: Annotated[date, dated("research date")]


class CycleIn(Item):
    season: Annotated[int, Field(ge=2000, le=2100, description="Match year")]
    submitted_on: Annotated[date, dated("submission date")] | None = None
    applications: dict[Pathway, Annotated[int, Field(ge=0, le=1000)]] = Field(default_factory=dict)
    interviews: Annotated[int, Field(ge=0, le=500)] | None = None
    outcome: CycleOutcome = CycleOutcome.PENDING


class ProfileIn(Item):
    """Everything the assessment reads about a mentee."""

    name: Text200 = "Mentee"
    applicant_type: ApplicantType
    visa: VisaNeed = VisaNeed.NONE
    ecfmg: EcfmgStatus = EcfmgStatus.NOT_STARTED
    graduation_year: Annotated[int, Field(ge=1950, le=2100)] | None = None
    targets: list[Pathway] = Field(default_factory=list, max_length=7)
    mentor_advocate: bool = False
    distinctive_story: bool = False
    exams: list[ExamIn] = Field(default_factory=list, max_length=30)
    planned_exams: list[PlannedExamIn] = Field(default_factory=list, max_length=3)
    practice_scores: list[PracticeScoreIn] = Field(default_factory=list, max_length=200)
    usce: list[UsceIn] = Field(default_factory=list, max_length=200)
    letters: list[LetterIn] = Field(default_factory=list, max_length=200)
    research: list[ResearchIn] = Field(default_factory=list, max_length=1000)
    cycles: list[CycleIn] = Field(default_factory=list, max_length=30)

    @field_validator("targets")
    @classmethod
    def _unique_targets(cls, value: list[Pathway]) -> list[Pathway]:
        if len(set(value)) != len(value):
            raise ValueError("a pathway is listed twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        attempts = [(e.exam, e.attempt) for e in self.exams]
        if len(set(attempts)) != len(attempts):
            raise ValueError("an exam has the same attempt number twice")
        seasons = [c.season for c in self.cycles]
        if len(set(seasons)) != len(seasons):
            raise ValueError("a season is listed twice in cycles")
        planned = [p.exam for p in self.planned_exams]
        if len(set(planned)) != len(planned):
            raise ValueError("an exam is planned twice")
        return self
