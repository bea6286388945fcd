"""The profile at a glance: the facts every pathway shares, said once (scores, trend, Step 3,
visa, years since graduation), and problems in the record itself."""

from __future__ import annotations

from bot.assessment.conditions import Condition
from bot.assessment.dto import Reason, RuleNote
from bot.assessment.facts import Facts, exam_failed
from bot.assessment.ruleset import Ruleset
from bot.assessment.wording import step1_text, step2_text
from bot.vocab import EcfmgStatus, Effect, VisaNeed, plural


def glance(facts: Facts, ruleset: Ruleset) -> list[Reason]:
    rules = ruleset.rules
    reasons = []
    for found in (step2_text(facts, ruleset), step1_text(facts, ruleset)):
        if found is not None:
            rule, text, good = found
            reasons.append(Reason(rule=rule, effect=_effect(good), text=text))
    trend = facts.trend
    if trend is not None and trend >= rules.trend_up.points:
        reasons.append(
            Reason(
                rule="TREND-UP",
                effect=Effect.POSITIVE,
                text=f"Step 2 CK is {trend} points above Step 1: an upward trajectory",
            )
        )
    if facts.step3_passed:
        reasons.append(
            Reason(
                rule="STEP3-SIGNAL",
                effect=Effect.POSITIVE,
                text="Step 3 passed: it reassures programmes about board performance",
            )
        )
    reasons += _visa(facts)
    years = facts.years_since_graduation
    if years is not None:
        screen = rules.yog_screen.common_max_years
        late = Condition.YOG_SCREENED in facts.conditions
        text = f"Graduated {facts.graduation_year}" + (
            f", {plural(years, 'year')} ago" if years else ""
        )
        if years > screen:
            text += f": past the {screen}-year screen many programmes use" + (
                "" if late else ", offset by recent US clinical work"
            )
        reasons.append(
            Reason(
                rule="YOG-SCREEN",
                effect=Effect.NEGATIVE if late else Effect.NEUTRAL,
                text=text,
            )
        )
    return reasons


def _visa(facts: Facts) -> list[Reason]:
    if facts.visa in (VisaNeed.J1, VisaNeed.J1_OR_H1B):
        return [
            Reason(
                rule="VISA-J1-FLEX",
                effect=Effect.POSITIVE,
                text="Accepts a J-1, so every J-1 sponsoring programme is open",
            )
        ]
    if facts.visa is VisaNeed.H1B:
        if facts.step3_passed:
            step3 = "Step 3 is passed"
        elif facts.ecfmg is not None and facts.ecfmg.status is not EcfmgStatus.CERTIFIED:
            step3 = "it requires Step 3, open to IMGs only after ECFMG certification"
        else:
            step3 = "it requires a passed Step 3"
        return [
            Reason(
                rule="VISA-H1B-DETAIL",
                effect=Effect.NEGATIVE,
                text=f"Needs an H-1B: {step3}, and few programmes sponsor it",
            )
        ]
    return []


def record_problems(facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    """Entries the assessment cannot take at face value; each says how it was read."""
    rules = ruleset.rules
    return [
        RuleNote(
            rule="S1-PASSFAIL",
            text=(
                f"Step 1 on {exam.taken_on} has the score {exam.score}, but Step 1 is reported "
                f"pass/fail from {rules.s1_passfail.since}: correct the record (read here as a "
                f"{'fail' if exam_failed(exam, rules) else 'pass'}, with no score)"
            ),
        )
        for exam in facts.numeric_step1_after_passfail
    ]


def _effect(good: bool | None) -> Effect:
    if good is None:
        return Effect.NEUTRAL
    return Effect.POSITIVE if good else Effect.NEGATIVE
