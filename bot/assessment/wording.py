"""Sentences that name profile facts: one per condition, score band and next step.

Kept apart from the engine so the logic reads at a glance and the words can be reviewed on their
own. Every sentence states the fact it rests on (a score, a count, a status).
"""

from __future__ import annotations

from bot.assessment.conditions import Condition
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.vocab import Exam, Pathway, Verdict, label, plural

EXAM_NAMES = {exam: label(exam) for exam in Exam}
PLASTICS = {Pathway.INTEGRATED_PLASTICS, Pathway.INDEPENDENT_PLASTICS}
BAND_WORDS = {
    "unknown": "unknown",
    "screened": "under the common screen",
    "below": "below average",
    "low": "average",
    "solid": "average",
    "strong": "strong",
}


def pathway_name(pathway: Pathway) -> str:
    return label(pathway)


def letters_fact(f: Facts, r: Ruleset) -> str:
    need = r.rules.lor_surg
    return (
        f"{f.us_surgeon_letters} of {need.us_surgeons} strong letters from US surgeons, "
        f"{f.letters} of {need.us_surgeons + need.additional} letters in all"
    )


def usce_fact(f: Facts, r: Ruleset) -> str:
    need = r.rules.usce_surg
    return (
        f"{plural(f.hands_on_surgical_weeks, 'week')} of hands-on US surgery "
        f"(target {need.hands_on_weeks}) and {plural(f.observer_surgical_weeks, 'observer week')} "
        f"(or {need.observer_weeks})"
    )


def condition_text(
    condition: Condition, holds: bool, f: Facts, r: Ruleset, pathway: Pathway
) -> str | None:
    """A sentence for a condition that holds, or for a strength that is missing (else None)."""
    rules = r.rules
    match condition, holds:
        case Condition.PLASTICS_PREREQUISITES, _:
            return (
                f"Plastics prerequisites {'met' if holds else 'not met'}: "
                f"{f.plastics_outputs} of {rules.research_plastics.outputs} plastics research "
                f"outputs, {f.us_plastics_letters} of {rules.lor_plastics.us_plastic_surgeons} "
                f"strong US plastic surgeon letters, {f.plastics_rotation_weeks} of "
                f"{rules.usce_plastics.weeks} weeks of US plastics rotation, "
                f"{'a' if f.mentor_advocate else 'no'} US mentor-advocate"
            )
        case Condition.SURGICAL_READINESS, _:
            verdict = "in place" if holds else "incomplete"
            return (
                f"Surgical letters and experience {verdict}: {letters_fact(f, r)}; "
                f"{usce_fact(f, r)}"
            )
        case Condition.CLINICAL_READINESS, _:
            verdict = "in place" if holds else "incomplete"
            return (
                f"US letters and clinical experience {verdict}: "
                f"{plural(f.us_strong_letters, 'strong US letter')}, {f.letters} in all; "
                f"{plural(f.hands_on_weeks, 'hands-on US week')}"
            )
        case Condition.RESEARCH_TRACK_RECORD, _:
            return f"{plural(f.research_outputs, 'research output')} on record"
        case Condition.MENTOR_ADVOCATE, True:
            return "A US mentor is willing to advocate for the mentee"
        case Condition.MENTOR_ADVOCATE, False:
            return "No US mentor-advocate yet"
        case Condition.US_GRADUATE, True:
            return f"{label(f.applicant_type)}: no IMG hurdle with programmes"
        case Condition.FAILED_ATTEMPT, True:
            exams = ", ".join(EXAM_NAMES[e] for e in f.failed_exams)
            return f"Failed attempt on record ({exams}); programmes screen on first-attempt passes"
        case Condition.STEP1_CONCERN_UNANSWERED, True:
            return (
                f"Step 1 {f.step1} is under {rules.s1_concern.below}, not yet answered by a "
                f"Step 2 CK trend or a passed Step 3"
            )
        case Condition.H1B_ONLY, True:
            if pathway is Pathway.PRELIMINARY_SURGERY:
                return "Needs an H-1B: few preliminary programmes sponsor it"
            return "Needs an H-1B: far fewer programmes sponsor it than a J-1"
        case Condition.H1B_WITHOUT_STEP3, True:
            return "Needs an H-1B and has no passed Step 3, which H-1B sponsorship requires"
        case Condition.NON_US_IMG, True:
            if pathway is Pathway.TRANSITIONAL_YEAR:
                return "As a non-US IMG: fewer transitional-year programmes sponsor visas"
            return (
                "As a non-US IMG: many categorical programmes rarely rank non-US IMGs "
                "with low scores"
            )
        case Condition.IMG_LOW_SCORES, True:
            return f"As an IMG with {score_summary(f)}, integrated plastics is at best a reach"
        case Condition.IMG_LOW_SCORES_WITHOUT_PREREQUISITES, True:
            return (
                f"As an IMG with {score_summary(f)} and without the plastics prerequisites, "
                f"integrated plastics is a long shot"
            )
        case Condition.NO_PLASTICS_PREREQUISITES, True:
            return "Without the plastics prerequisites, integrated plastics is at best a reach"
        case Condition.IMG_WITHOUT_PLASTICS_PREREQUISITES, True:
            *rest, last = missing_prerequisites(f, r) or ["the prerequisites"]
            missing = f"{', '.join(rest)} or {last}" if rest else last
            return f"As an IMG without {missing}, integrated plastics is a long shot"
        case Condition.IMG, True:
            return "As an IMG, integrated plastics is a reach at best and never the plan"
        case Condition.NO_EXAMS_ON_FILE, True:
            return "No exam result on file: this route cannot be judged above a reach yet"
        case Condition.NOTHING_ON_FILE, True:
            return "Nothing on file yet (exams, letters, experience, research): at best a reach"
        case Condition.ATTEMPT_LIMIT_REACHED, True:
            spent = ", ".join(
                f"{EXAM_NAMES[e]} {n} unpassed"
                for e, n in f.unpassed_attempts.items()
                if n >= rules.attempt_limit.max_attempts
            )
            return (
                f"Attempt limit reached ({spent}): {rules.attempt_limit.max_attempts} unpassed "
                "attempts end eligibility for every USMLE Step"
            )
        case Condition.YOG_SCREENED, True:
            return (
                f"Graduated {f.graduation_year} ({f.years_since_graduation} years ago) with no US "
                f"clinical work in the last {rules.yog_screen.recent_usce_months} months: many "
                f"programmes screen at {rules.yog_screen.common_max_years} years"
            )
        case Condition.ECFMG_EXAMS_LATE, True:
            dates = r.seasons.dates(f.season)
            ready = f.ecfmg.match_ready_on if f.ecfmg else f.as_of
            return (
                f"ECFMG: the exams and OET typically take until {ready}, after the {f.season} "
                f"rank-list deadline ({dates.rank_deadline}); no match is possible that season"
            )
        case Condition.ECFMG_STEP2_LATE, True:
            dates = r.seasons.dates(f.season)
            ready = f.ecfmg.step2_ready_on if f.ecfmg else f.as_of
            return (
                f"No Step 2 CK result until about {ready}, after {f.season} submissions open "
                f"({dates.submission_opens}): programmes that screen on it will pass over the "
                "application"
            )
        case Condition.ALWAYS, True:
            if pathway is Pathway.INDEPENDENT_PLASTICS:
                return "Independent plastics first needs a completed surgical residency (7+ years)"
            return None
    return None


def missing_prerequisites(f: Facts, r: Ruleset) -> list[str]:
    rules = r.rules
    checks = [
        (f.plastics_outputs >= rules.research_plastics.outputs, "enough plastics research"),
        (f.us_plastics_letters >= rules.lor_plastics.us_plastic_surgeons, "plastics letters"),
        (f.plastics_rotation_weeks >= rules.usce_plastics.weeks, "a US plastics rotation"),
        (f.mentor_advocate, "an advocate"),
    ]
    return [name for met, name in checks if not met]


def score_summary(f: Facts) -> str:
    if f.step2 is None:
        return "Step 2 CK not yet taken"
    parts = [f"Step 2 CK {f.step2}"]
    if f.step1 is not None:
        parts.insert(0, f"Step 1 {f.step1}")
    return " / ".join(parts)


def cap_text(verdict: Verdict) -> str:
    return f" (capped at {label(verdict)})"


def step2_text(f: Facts, r: Ruleset) -> tuple[str, str, bool | None]:
    """(rule, sentence, good?) for Step 2 CK as surgical programmes read it (plastics aside)."""
    rules = r.rules
    s2 = f.step2
    if s2 is None:
        practice = (
            f"; practice average {f.practice_average:g} over {plural(f.practice_count, 'test')}"
            if f.practice_average is not None
            else "; no practice scores yet"
        )
        return "S2-DELAY", f"Step 2 CK not taken yet (unknown){practice}", None
    name = f"Step 2 CK {s2}"
    if s2 < rules.s2_screen.at_least:
        return "S2-SCREEN", f"{name} is under {rules.s2_screen.at_least}, a common filter", False
    if s2 < rules.s2_below.below:
        return (
            "S2-BELOW",
            f"{name} is below {rules.s2_below.below}, below average for surgery",
            False,
        )
    if s2 > rules.s2_strong.above:
        return (
            "S2-STRONG",
            f"{name} is above {rules.s2_strong.above}, a strong surgical applicant",
            True,
        )
    return "S2-BELOW", f"{name} is at or above {rules.s2_below.below}, average for surgery", None


def base_text(
    pathway: Pathway, f: Facts, r: Ruleset, start: Verdict
) -> tuple[str, str, bool | None]:
    """(rule, sentence, good?) for where a pathway's verdict starts, from Step 2 CK."""
    rules = r.rules
    rule = r.pathways[pathway].rule
    begins = f"{pathway_name(pathway)} starts as {_article(start)}"
    if pathway is Pathway.RESEARCH_YEAR:
        return (
            rule,
            "A research year does not turn on Step scores; it turns on the department",
            None,
        )
    if f.step2 is None:
        return "S2-DELAY", f"Without a Step 2 CK result, {begins}", None
    if pathway in PLASTICS:
        target = rules.s2_plastics.at_least
        if f.step2 < target:
            return (
                "S2-PLASTICS",
                f"Step 2 CK {f.step2} is under the {target} plastics target: {begins}",
                False,
            )
        return (
            "S2-PLASTICS",
            f"Step 2 CK {f.step2} meets the {target} plastics target: {begins}",
            True,
        )
    if pathway is Pathway.PIVOT:
        where = ", ".join(rules.p_pivot.specialties)
        screen = rules.s2_screen.at_least
        if f.step2 < screen:
            return (
                "S2-SCREEN",
                f"Step 2 CK {f.step2} is under the {screen} screen many specialties use: a pivot "
                f"({where}) starts as {_article(start)}",
                False,
            )
        return (
            rule,
            f"Step 2 CK {f.step2} clears the common {screen} screen; judged without surgical "
            f"cut-offs, a pivot ({where}) starts as {_article(start)}",
            True,
        )
    return rule, f"From Step 2 CK {f.step2} ({BAND_WORDS[f.band]} for surgery), {begins}", None


def _article(verdict: Verdict) -> str:
    name = verdict.value.replace("_", " ")
    return f"a {name}" if verdict in (Verdict.LONG_SHOT, Verdict.REACH) else name


def step1_text(f: Facts, r: Ruleset) -> tuple[str, str, bool | None] | None:
    rules = r.rules
    if f.step1 is None:
        if f.step1_passed is None:
            return None
        return (
            "ATTEMPTS",
            f"Step 1 {'passed' if f.step1_passed else 'not passed'} (pass/fail)",
            (None if f.step1_passed else False),
        )
    name, concern, low = f"Step 1 {f.step1}", rules.s1_concern.below, rules.s1_low.below
    if f.step1 < concern:
        return "S1-CONCERN", f"{name} is under {concern}, a significant concern", False
    if f.step1 < low:
        return "S1-LOW", f"{name} is under {low}, low for surgery", False
    if f.step1 >= rules.s1_competitive.at_least:
        return "S1-COMPETITIVE", f"{name} is at or above {rules.s1_competitive.at_least}", True
    return "S1-LOW", f"{name} is at or above {low}", None


def delay_target(f: Facts, r: Ruleset, pathway: Pathway) -> int:
    rules = r.rules
    if pathway in PLASTICS:
        return rules.s2_delay.target_plastics
    if f.step1 is not None:
        return max(rules.s2_delay.target, f.step1 + rules.trend_up.points)
    return rules.s2_delay.target
