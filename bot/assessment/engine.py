"""The assessment engine: profile + ruleset + date → verdicts, reasons, next steps, strategy.

Deterministic and total: the same inputs give the same assessment, and every valid profile gets
one (missing data is said to be unknown). Monotone by construction: verdicts start from a Step 2
CK band whose base never falls as the score rises, then move on conditions whose direction the
ruleset cannot invert (see `conditions.py`).
"""

from __future__ import annotations

from datetime import date

from bot.assessment.conditions import Condition
from bot.assessment.dto import (
    Assessment,
    PathwayVerdict,
    Reason,
    RuleNote,
    RulesetRef,
)
from bot.assessment.facts import Facts, read_facts
from bot.assessment.flags import red_flags, stagnation_flags
from bot.assessment.next_steps import next_steps
from bot.assessment.ruleset import Ruleset
from bot.assessment.strategy import plan_strategy
from bot.assessment.wording import condition_text, step1_text, step2_text
from bot.profile.schema import ProfileIn
from bot.vocab import Effect, Pathway, Verdict

EXAM_FREE = {Pathway.RESEARCH_YEAR}


def assess(profile: ProfileIn, *, ruleset: Ruleset, as_of: date) -> Assessment:
    facts = read_facts(profile, ruleset, as_of)
    pathways = [judge(pathway, facts, ruleset) for pathway in Pathway]
    verdicts = {p.pathway: p.verdict for p in pathways}
    return Assessment(
        ruleset=RulesetRef(name=ruleset.name, version=ruleset.version),
        as_of=as_of,
        name=profile.name,
        pathways=pathways,
        red_flags=red_flags(profile, facts, ruleset),
        flags=stagnation_flags(profile, facts, ruleset, verdicts),
        strategy=plan_strategy(profile, facts, ruleset, verdicts),
    )


def judge(pathway: Pathway, facts: Facts, ruleset: Ruleset) -> PathwayVerdict:
    rules = ruleset.pathways[pathway]
    reasons = score_reasons(pathway, facts, ruleset)
    rank = rules.base[facts.band].rank
    for adjust in rules.adjust:
        holds = adjust.when in facts.conditions
        if holds:
            rank += adjust.steps
        if holds or adjust.steps > 0:
            text = condition_text(adjust.when, holds, facts, ruleset, pathway)
            if text is not None:
                good = holds == (adjust.steps > 0)
                reasons.append(Reason(rule=adjust.rule, effect=_effect(good), text=text))
    rank = max(Verdict.LONG_SHOT.rank, min(rank, Verdict.STRONG.rank))
    for cap in rules.cap:
        # A cap the verdict sits at explains it as much as one that cut it down.
        if cap.when in facts.conditions and rank >= cap.max.rank:
            rank = cap.max.rank
            text = condition_text(cap.when, True, facts, ruleset, pathway)
            if text is not None:
                reasons.append(Reason(rule=cap.rule, effect=Effect.NEGATIVE, text=text))
    for block in rules.block:
        if block.when in facts.conditions:
            rank = Verdict.BLOCKED.rank
            text = condition_text(block.when, True, facts, ruleset, pathway) or block.rule
            reasons.append(Reason(rule=block.rule, effect=Effect.NEGATIVE, text=text))
    return PathwayVerdict(
        pathway=pathway,
        verdict=Verdict.from_rank(rank),
        reasons=reasons,
        next_steps=next_steps(pathway, facts, ruleset),
    )


def score_reasons(pathway: Pathway, facts: Facts, ruleset: Ruleset) -> list[Reason]:
    if pathway in EXAM_FREE:
        return [
            Reason(
                rule=ruleset.pathways[pathway].rule,
                effect=Effect.NEUTRAL,
                text="A research year does not turn on Step scores; it turns on the department",
            )
        ]
    reasons = []
    for found in (step2_text(facts, ruleset, pathway), step1_text(facts, ruleset)):
        if found is not None:
            rule, text, good = found
            reasons.append(Reason(rule=rule, effect=_effect(good), text=text))
    trend = facts.trend
    if trend is not None and trend >= ruleset.rules.trend_up.points:
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
    if Condition.H1B_ONLY not in facts.conditions and facts.visa in ("j1", "j1_or_h1b"):
        reasons.append(
            Reason(
                rule="VISA-J1-FLEX",
                effect=Effect.POSITIVE,
                text="Accepts a J-1, so every J-1 sponsoring programme is open",
            )
        )
    return reasons


def _effect(good: bool | None) -> Effect:
    if good is None:
        return Effect.NEUTRAL
    return Effect.POSITIVE if good else Effect.NEGATIVE


__all__ = ["RuleNote", "assess", "judge"]
