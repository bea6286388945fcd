"""The assessment engine: profile + ruleset + date → verdicts, reasons, next steps, strategy.

Deterministic and total: the same inputs give the same assessment, and every valid profile gets
one (missing data is said to be unknown). Monotone by construction: verdicts start from a Step 2
CK band whose base never falls as the score rises, then move on conditions whose direction the
ruleset cannot invert (see `conditions.py`).
"""

from __future__ import annotations

from datetime import date

from bot.assessment.cycle import season_section
from bot.assessment.dto import (
    Assessment,
    PathwayVerdict,
    Reason,
    RuleNote,
    RulesetRef,
)
from bot.assessment.ecfmg_section import ecfmg_section
from bot.assessment.facts import Facts, read_facts
from bot.assessment.glance import glance, record_problems
from bot.assessment.next_steps import next_steps
from bot.assessment.ruleset import Ruleset
from bot.assessment.strategy import plan_strategy
from bot.assessment.wording import base_text, condition_text
from bot.flags.rules import red_flags, stagnation_flags
from bot.profile.schema import ProfileIn
from bot.vocab import Effect, Pathway, Verdict


def assess(profile: ProfileIn, *, ruleset: Ruleset, as_of: date) -> Assessment:
    facts = read_facts(profile, ruleset, as_of)
    pathways = [judge(pathway, facts, ruleset) for pathway in Pathway]
    verdicts = {p.pathway: p.verdict for p in pathways}
    strategy = plan_strategy(profile, facts, ruleset, verdicts)
    return Assessment(
        ruleset=RulesetRef(name=ruleset.name, version=ruleset.version),
        as_of=as_of,
        name=profile.name,
        glance=glance(facts, ruleset),
        record_problems=record_problems(facts, ruleset),
        season=season_section(profile, facts, ruleset),
        ecfmg=ecfmg_section(facts, ruleset),
        pathways=pathways,
        red_flags=red_flags(profile, facts, ruleset),
        flags=stagnation_flags(profile, facts, ruleset, verdicts, strategy.primary),
        strategy=strategy,
    )


def judge(pathway: Pathway, facts: Facts, ruleset: Ruleset) -> PathwayVerdict:
    rules = ruleset.pathways[pathway]
    start = rules.base[facts.band]
    rule, opening, good = base_text(pathway, facts, ruleset, start)
    reasons = [Reason(rule=rule, effect=_effect(good), text=opening)]
    rank = start.rank
    for adjust in rules.adjust:
        holds = adjust.when in facts.conditions
        if holds:
            rank += adjust.steps
        if holds or adjust.steps > 0:
            said = condition_text(adjust.when, holds, facts, ruleset, pathway)
            if said is not None:
                good = holds == (adjust.steps > 0)
                reasons.append(Reason(rule=adjust.rule, effect=_effect(good), text=said))
    rank = max(Verdict.LONG_SHOT.rank, min(rank, Verdict.STRONG.rank))
    for cap in rules.cap:
        # A cap the verdict sits at explains it as much as one that cut it down.
        if cap.when in facts.conditions and rank >= cap.max.rank:
            rank = cap.max.rank
            said = condition_text(cap.when, True, facts, ruleset, pathway)
            if said is not None:
                reasons.append(Reason(rule=cap.rule, effect=Effect.NEGATIVE, text=said))
    for block in rules.block:
        if block.when in facts.conditions:
            rank = Verdict.BLOCKED.rank
            said = condition_text(block.when, True, facts, ruleset, pathway) or block.rule
            reasons.append(Reason(rule=block.rule, effect=Effect.NEGATIVE, text=said))
    return PathwayVerdict(
        pathway=pathway,
        verdict=Verdict.from_rank(rank),
        reasons=reasons,
        next_steps=next_steps(pathway, facts, ruleset),
    )


def _effect(good: bool | None) -> Effect:
    if good is None:
        return Effect.NEUTRAL
    return Effect.POSITIVE if good else Effect.NEGATIVE


__all__ = ["RuleNote", "assess", "judge"]
