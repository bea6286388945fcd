"""Facts read off a profile: the numbers the rules compare, and the named conditions.

Everything here is a pure function of (profile, ruleset, as_of). Only items dated on or before
`as_of` count, so an assessment "as of" a past date sees the profile as it was then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import mean

from bot.assessment.conditions import Condition
from bot.assessment.ruleset import Band, Ruleset
from bot.profile.schema import ExamIn, ProfileIn
from bot.vocab import (
    ApplicantType,
    Exam,
    PassFail,
    Specialty,
    UsceKind,
    VisaNeed,
)


@dataclass(frozen=True)
class Facts:
    as_of: date
    applicant_type: ApplicantType
    visa: VisaNeed
    step1: int | None
    step1_passed: bool | None
    step2: int | None
    step3_passed: bool
    failed_exams: tuple[Exam, ...]
    step1_effective: int | None
    band: Band
    practice_average: float | None
    practice_count: int
    step2_planned_on: date | None
    us_surgeon_letters: int
    us_strong_letters: int
    letters: int
    us_plastics_letters: int
    hands_on_surgical_weeks: int
    observer_surgical_weeks: int
    hands_on_weeks: int
    observer_weeks: int
    plastics_outputs: int
    research_outputs: int
    mentor_advocate: bool
    conditions: frozenset[Condition] = field(default_factory=frozenset)

    @property
    def trend(self) -> int | None:
        if self.step1 is None or self.step2 is None:
            return None
        return self.step2 - self.step1


def _failed(exam: ExamIn, passing: dict[Exam, int]) -> bool:
    if exam.attempt > 1 or exam.result is PassFail.FAIL:
        return True
    return exam.score is not None and exam.score < passing.get(exam.exam, 0)


def read_facts(profile: ProfileIn, ruleset: Ruleset, as_of: date) -> Facts:
    rules = ruleset.rules
    exams = [e for e in profile.exams if e.taken_on <= as_of]

    def best(exam: Exam) -> int | None:
        scores = [e.score for e in exams if e.exam is exam and e.score is not None]
        return max(scores) if scores else None

    def passed(exam: Exam) -> bool | None:
        sat = [e for e in exams if e.exam is exam]
        if not sat:
            return None
        return any(not _failed_score(e, rules.attempts.passing) for e in sat)

    step1, step2 = best(Exam.STEP1), best(Exam.STEP2CK)
    failed = tuple(sorted({e.exam for e in exams if _failed(e, rules.attempts.passing)}))
    # An upward trend answers a weak Step 1: read it as no lower than Step 2 CK minus the trend.
    step1_effective = None
    if step1 is not None:
        step1_effective = step1 if step2 is None else max(step1, step2 - rules.trend_up.points)

    practice = sorted(
        (p for p in profile.practice_scores if p.exam is Exam.STEP2CK and p.taken_on <= as_of),
        key=lambda p: p.taken_on,
    )[-rules.s2_delay.recent_practice :]
    planned = next((p.planned_on for p in profile.planned_exams if p.exam is Exam.STEP2CK), None)

    letters = [ltr for ltr in profile.letters if ltr.received_on <= as_of]
    surgical = {Specialty.PLASTIC_SURGERY, Specialty.GENERAL_SURGERY, Specialty.OTHER_SURGERY}
    usce = [u for u in profile.usce if u.us and u.start <= as_of]
    research = [r for r in profile.research if r.date <= as_of]

    def weeks(hands_on: bool, surgical_only: bool) -> int:
        return sum(
            u.weeks(as_of)
            for u in usce
            if u.kind is not UsceKind.RESEARCH_FELLOWSHIP
            and u.kind.is_hands_on == hands_on
            and (u.specialty in surgical or not surgical_only)
        )

    facts = Facts(
        as_of=as_of,
        applicant_type=profile.applicant_type,
        visa=profile.visa,
        step1=step1,
        step1_passed=passed(Exam.STEP1),
        step2=step2,
        step3_passed=bool(passed(Exam.STEP3)),
        failed_exams=failed,
        step1_effective=step1_effective,
        band=_band(step2, ruleset),
        practice_average=round(mean(p.score for p in practice), 1) if practice else None,
        practice_count=len(practice),
        step2_planned_on=planned if step2 is None else None,
        us_surgeon_letters=sum(1 for x in letters if x.us and x.strong and x.specialty in surgical),
        us_strong_letters=sum(1 for x in letters if x.us and x.strong),
        letters=len(letters),
        us_plastics_letters=sum(
            1 for x in letters if x.us and x.strong and x.specialty is Specialty.PLASTIC_SURGERY
        ),
        hands_on_surgical_weeks=weeks(hands_on=True, surgical_only=True),
        observer_surgical_weeks=weeks(hands_on=False, surgical_only=True),
        hands_on_weeks=weeks(hands_on=True, surgical_only=False),
        observer_weeks=weeks(hands_on=False, surgical_only=False),
        plastics_outputs=sum(1 for r in research if r.specialty is Specialty.PLASTIC_SURGERY),
        research_outputs=len(research),
        mentor_advocate=profile.mentor_advocate,
    )
    return _with_conditions(facts, ruleset)


def _failed_score(exam: ExamIn, passing: dict[Exam, int]) -> bool:
    if exam.result is PassFail.FAIL:
        return True
    return exam.score is not None and exam.score < passing.get(exam.exam, 0)


def _band(step2: int | None, ruleset: Ruleset) -> Band:
    rules = ruleset.rules
    if step2 is None:
        return "unknown"
    if step2 < rules.s2_screen.at_least:
        return "screened"
    if step2 < rules.s2_below.below:
        return "below"
    if step2 < rules.s2_plastics.at_least:
        return "low"
    if step2 <= rules.s2_strong.above:
        return "solid"
    return "strong"


def _with_conditions(facts: Facts, ruleset: Ruleset) -> Facts:
    rules = ruleset.rules
    lor_surg = facts.us_surgeon_letters >= rules.lor_surg.us_surgeons and facts.letters >= (
        rules.lor_surg.us_surgeons + rules.lor_surg.additional
    )
    usce_surg = (
        facts.hands_on_surgical_weeks >= rules.usce_surg.hands_on_weeks
        or facts.observer_surgical_weeks >= rules.usce_surg.observer_weeks
    )
    lor_any = facts.us_strong_letters >= rules.lor_surg.us_surgeons and facts.letters >= (
        rules.lor_surg.us_surgeons + rules.lor_surg.additional
    )
    usce_any = (
        facts.hands_on_weeks >= rules.usce_surg.hands_on_weeks
        or facts.observer_weeks >= rules.usce_surg.observer_weeks
    )
    prerequisites = (
        facts.plastics_outputs >= rules.research_plastics.outputs
        and facts.us_plastics_letters >= rules.lor_plastics.us_plastic_surgeons
        and facts.mentor_advocate
    )
    img = facts.applicant_type.is_img
    low_scores = (
        facts.step2 is None
        or facts.step2 < rules.s2_plastics.at_least
        or (facts.step1_effective is not None and facts.step1_effective < rules.s1_low.below)
    )
    step1_concern = (
        facts.step1_effective is not None
        and facts.step1_effective < rules.s1_concern.below
        and not facts.step3_passed
    )
    h1b = facts.visa is VisaNeed.H1B
    held = {
        Condition.PLASTICS_PREREQUISITES: prerequisites,
        Condition.SURGICAL_READINESS: lor_surg and usce_surg,
        Condition.CLINICAL_READINESS: lor_any and usce_any,
        Condition.RESEARCH_TRACK_RECORD: facts.research_outputs >= 2,
        Condition.MENTOR_ADVOCATE: facts.mentor_advocate,
        Condition.US_GRADUATE: not img,
        Condition.FAILED_ATTEMPT: bool(facts.failed_exams),
        Condition.STEP1_CONCERN_UNANSWERED: step1_concern,
        Condition.H1B_ONLY: h1b,
        Condition.H1B_WITHOUT_STEP3: h1b and not facts.step3_passed,
        Condition.NON_US_IMG: facts.applicant_type is ApplicantType.NON_US_IMG,
        Condition.IMG: img,
        Condition.IMG_LOW_SCORES: img and low_scores,
        Condition.IMG_LOW_SCORES_WITHOUT_PREREQUISITES: img and low_scores and not prerequisites,
        Condition.NO_PLASTICS_PREREQUISITES: not prerequisites,
        Condition.ALWAYS: True,
    }
    conditions = frozenset(c for c, holds in held.items() if holds)
    return Facts(**{**facts.__dict__, "conditions": conditions})
