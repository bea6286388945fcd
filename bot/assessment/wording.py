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
                f"strong US plastic surgeon letters, "
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
            return f"US graduate ({label(f.applicant_type)}): no IMG hurdle with programmes"
        case Condition.FAILED_ATTEMPT, True:
            exams = ", ".join(EXAM_NAMES[e] for e in f.failed_exams)
            return f"Failed attempt on record ({exams}); programmes screen on first-attempt passes"
        case Condition.STEP1_CONCERN_UNANSWERED, True:
            return (
                f"Step 1 {f.step1} is under {rules.s1_concern.below}, not yet answered by a "
                f"Step 2 CK trend or a passed Step 3"
            )
        case Condition.H1B_ONLY, True:
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
        case Condition.IMG, True:
            return "As an IMG, integrated plastics stays short of strong whatever the scores"
        case Condition.ALWAYS, True:
            if pathway is Pathway.INDEPENDENT_PLASTICS:
                return "Independent plastics first needs a completed surgical residency (7+ years)"
            return None
    return None


def score_summary(f: Facts) -> str:
    if f.step2 is None:
        return "Step 2 CK not yet taken"
    parts = [f"Step 2 CK {f.step2}"]
    if f.step1 is not None:
        parts.insert(0, f"Step 1 {f.step1}")
    return " / ".join(parts)


def cap_text(verdict: Verdict) -> str:
    return f" (capped at {label(verdict)})"


def step2_text(f: Facts, r: Ruleset, pathway: Pathway) -> tuple[str, str, bool | None]:
    """(rule, sentence, good?) for the Step 2 CK band as this pathway reads it."""
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
    target = rules.s2_plastics.at_least
    if pathway in PLASTICS and s2 < target:
        return "S2-PLASTICS", f"{name} is under the {target} plastics target", False
    if s2 > rules.s2_strong.above:
        return (
            "S2-STRONG",
            f"{name} is above {rules.s2_strong.above}, a strong surgical applicant",
            True,
        )
    if s2 >= target:
        return "S2-PLASTICS", f"{name} meets the {target} target", True
    return "S2-BELOW", f"{name} is at or above {rules.s2_below.below}, average for surgery", None


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
