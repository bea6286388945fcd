"""Facts read off a profile: the numbers the rules compare, and the named conditions.

Everything here is a pure function of (profile, ruleset, as_of). Only items dated on or before
`as_of` count, so an assessment "as of" a past date sees the profile as it was then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import mean

from bot.assessment.conditions import Condition
from bot.assessment.ecfmg import EcfmgTiming, ecfmg_timing
from bot.assessment.rules import Rules
from bot.assessment.ruleset import Band, Ruleset
from bot.assessment.season import Phase
from bot.profile.schema import CycleIn, ExamIn, ProfileIn
from bot.vocab import (
    ApplicantType,
    EcfmgStatus,
    Exam,
    PassFail,
    Specialty,
    UsceKind,
    VisaNeed,
)

SURGICAL = frozenset(
    {Specialty.PLASTIC_SURGERY, Specialty.GENERAL_SURGERY, Specialty.OTHER_SURGERY}
)


@dataclass(frozen=True)
class Facts:
    as_of: date
    applicant_type: ApplicantType
    visa: VisaNeed
    ecfmg_status: EcfmgStatus
    step1: int | None
    step1_passed: bool | None
    step2: int | None
    step2_passed: bool
    step3_passed: bool
    failed_exams: tuple[Exam, ...]
    unpassed_attempts: dict[Exam, int]
    first_pass_on: date | None
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
    plastics_rotation_weeks: int
    plastics_outputs: int
    research_outputs: int
    mentor_advocate: bool
    exams_on_file: int
    anything_on_file: bool
    graduation_year: int | None
    recent_usce: bool
    season: int
    phase: Phase
    current_cycle: CycleIn | None
    numeric_step1_after_passfail: tuple[ExamIn, ...]
    ecfmg: EcfmgTiming | None
    conditions: frozenset[Condition] = field(default_factory=frozenset)

    @property
    def trend(self) -> int | None:
        if self.step1 is None or self.step2 is None:
            return None
        return self.step2 - self.step1

    @property
    def years_since_graduation(self) -> int | None:
        if self.graduation_year is None:
            return None
        return max(0, self.as_of.year - self.graduation_year)


def exam_failed(exam: ExamIn, rules: Rules) -> bool:
    """A fail by result, or by a score under the pass mark in force on the exam day."""
    if exam.result is PassFail.FAIL:
        return True
    mark = rules.pass_marks.mark_on(exam.exam, exam.taken_on)
    return exam.score is not None and mark is not None and exam.score < mark


def numeric_after_passfail(exam: ExamIn, rules: Rules) -> bool:
    return (
        exam.exam is Exam.STEP1
        and exam.score is not None
        and exam.taken_on >= rules.s1_passfail.since
    )


def read_facts(profile: ProfileIn, ruleset: Ruleset, as_of: date) -> Facts:
    rules = ruleset.rules
    exams = [e for e in profile.exams if e.taken_on <= as_of]
    wrong_step1 = tuple(e for e in exams if numeric_after_passfail(e, rules))

    def best(exam: Exam) -> int | None:
        scores = [
            e.score
            for e in exams
            if e.exam is exam and e.score is not None and e not in wrong_step1
        ]
        return max(scores) if scores else None

    def passed(exam: Exam) -> bool | None:
        sat = [e for e in exams if e.exam is exam]
        return any(not exam_failed(e, rules) for e in sat) if sat else None

    step1, step2 = best(Exam.STEP1), best(Exam.STEP2CK)
    failed = tuple(sorted({e.exam for e in exams if e.attempt > 1 or exam_failed(e, rules)}))
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
    usce = [u for u in profile.usce if u.us and u.start <= as_of]
    research = [r for r in profile.research if r.date <= as_of]

    def weeks(hands_on: bool, specialties: frozenset[Specialty] | None) -> int:
        return sum(
            u.weeks(as_of)
            for u in usce
            if u.kind is not UsceKind.RESEARCH_FELLOWSHIP
            and u.kind.is_hands_on == hands_on
            and (specialties is None or u.specialty in specialties)
        )

    recent_since = as_of - timedelta(days=round(rules.yog_screen.recent_usce_months * 30.44))
    season, phase, cycle = _season(profile, ruleset, as_of)
    step_passed = {e.value: bool(passed(e)) for e in Exam}
    facts = Facts(
        as_of=as_of,
        applicant_type=profile.applicant_type,
        visa=profile.visa,
        ecfmg_status=profile.ecfmg,
        step1=step1,
        step1_passed=passed(Exam.STEP1),
        step2=step2,
        step2_passed=step_passed[Exam.STEP2CK],
        step3_passed=step_passed[Exam.STEP3],
        failed_exams=failed,
        unpassed_attempts=_unpassed_attempts(exams, rules),
        first_pass_on=min((e.taken_on for e in exams if not exam_failed(e, rules)), default=None),
        step1_effective=step1_effective,
        band=_band(step2, ruleset),
        practice_average=round(mean(p.score for p in practice), 1) if practice else None,
        practice_count=len(practice),
        step2_planned_on=planned if step2 is None else None,
        us_surgeon_letters=sum(1 for x in letters if x.us and x.strong and x.specialty in SURGICAL),
        us_strong_letters=sum(1 for x in letters if x.us and x.strong),
        letters=len(letters),
        us_plastics_letters=sum(
            1 for x in letters if x.us and x.strong and x.specialty is Specialty.PLASTIC_SURGERY
        ),
        hands_on_surgical_weeks=weeks(hands_on=True, specialties=SURGICAL),
        observer_surgical_weeks=weeks(hands_on=False, specialties=SURGICAL),
        hands_on_weeks=weeks(hands_on=True, specialties=None),
        observer_weeks=weeks(hands_on=False, specialties=None),
        plastics_rotation_weeks=weeks(
            hands_on=True, specialties=frozenset({Specialty.PLASTIC_SURGERY})
        ),
        plastics_outputs=sum(1 for r in research if r.specialty is Specialty.PLASTIC_SURGERY),
        research_outputs=len(research),
        mentor_advocate=profile.mentor_advocate,
        exams_on_file=len(exams),
        anything_on_file=bool(exams or letters or usce or research),
        graduation_year=profile.graduation_year,
        recent_usce=any(
            u.kind is not UsceKind.RESEARCH_FELLOWSHIP and (u.end is None or u.end >= recent_since)
            for u in usce
        ),
        season=season,
        phase=phase,
        current_cycle=cycle,
        numeric_step1_after_passfail=wrong_step1,
        ecfmg=(
            ecfmg_timing(
                rules.ecfmg_path,
                status=profile.ecfmg,
                passed=step_passed,
                anything_on_file=bool(exams),
                as_of=as_of,
            )
            if profile.applicant_type.is_img
            else None
        ),
    )
    return _with_conditions(facts, ruleset)


def _unpassed_attempts(exams: list[ExamIn], rules: Rules) -> dict[Exam, int]:
    """Attempts that did not pass, per exam: attempt n on record means n - 1 came before it."""
    out: dict[Exam, int] = {}
    for exam in Exam:
        sat = [e for e in exams if e.exam is exam]
        if not sat:
            continue
        passes = [e.attempt for e in sat if not exam_failed(e, rules)]
        out[exam] = min(passes) - 1 if passes else max(e.attempt for e in sat)
    return out


def _season(profile: ProfileIn, ruleset: Ruleset, as_of: date) -> tuple[int, Phase, CycleIn | None]:
    """The season the mentee is in or aims at: the live one while their cycle for it runs,
    else the season a new application would go to."""
    calendar = ruleset.seasons
    live = calendar.live(as_of)
    cycle = next((c for c in profile.cycles if c.season == live), None)
    in_cycle = cycle is not None and (cycle.submitted_on is not None or cycle.applications)
    season = live if in_cycle and as_of <= calendar.match_day(live) else calendar.target(as_of)
    current = next((c for c in profile.cycles if c.season == season), None)
    return season, calendar.phase(season, as_of), current


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
        and facts.plastics_rotation_weeks >= rules.usce_plastics.weeks
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
    years = facts.years_since_graduation
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
        Condition.IMG_WITHOUT_PLASTICS_PREREQUISITES: img and not prerequisites,
        Condition.NO_EXAMS_ON_FILE: facts.exams_on_file == 0,
        Condition.NOTHING_ON_FILE: not facts.anything_on_file,
        Condition.ATTEMPT_LIMIT_REACHED: any(
            n >= rules.attempt_limit.max_attempts for n in facts.unpassed_attempts.values()
        ),
        Condition.YOG_SCREENED: years is not None
        and years > rules.yog_screen.common_max_years
        and not facts.recent_usce,
        **_ecfmg_conditions(facts, ruleset),
        Condition.ALWAYS: True,
    }
    conditions = frozenset(c for c, holds in held.items() if holds)
    return Facts(**{**facts.__dict__, "conditions": conditions})


def _ecfmg_conditions(facts: Facts, ruleset: Ruleset) -> dict[Condition, bool]:
    timing = facts.ecfmg
    if timing is None or timing.status is EcfmgStatus.CERTIFIED:
        return {}
    dates = ruleset.seasons.dates(facts.season)
    return {
        Condition.ECFMG_EXAMS_LATE: timing.match_ready_on > dates.rank_deadline,
        Condition.ECFMG_STEP2_LATE: not facts.step2_passed
        and timing.step2_ready_on > dates.submission_opens,
    }
