"""The application strategy: primary target, parallel plan, how many programmes and at what cost,
which tiers; or, when every Match route is blocked, what unblocks it and by when."""

from __future__ import annotations

from bot.assessment.blocked import blocked_plan
from bot.assessment.conditions import Condition
from bot.assessment.dto import Applications, Cost, CountRange, RuleNote, Strategy, Tier
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Range, Ruleset
from bot.assessment.season import Phase
from bot.assessment.wording import pathway_name
from bot.profile.schema import ProfileIn
from bot.vocab import ApplicantType, Pathway, Verdict, VisaNeed, plural

MATCH_TRACKS = (
    Pathway.GENERAL_SURGERY,
    Pathway.PRELIMINARY_SURGERY,
    Pathway.INTEGRATED_PLASTICS,
    Pathway.TRANSITIONAL_YEAR,
    Pathway.PIVOT,
)
NOT_APPLIED_TO = {Pathway.RESEARCH_YEAR, Pathway.INDEPENDENT_PLASTICS}
VISA_NAMES = {"j1": "a J-1", "h1b": "an H-1B", "j1_or_h1b": "a J-1 or H-1B"}


def plan_strategy(
    profile: ProfileIn, facts: Facts, ruleset: Ruleset, verdicts: dict[Pathway, Verdict]
) -> Strategy:
    if all(verdicts[p] is Verdict.BLOCKED for p in MATCH_TRACKS):
        return blocked_plan(profile, facts, ruleset, verdicts)
    primary = _primary(profile, verdicts)
    parallel = _parallel(primary, profile, ruleset, verdicts)
    tracks = [
        t
        for t in [primary, *parallel]
        if t not in NOT_APPLIED_TO and ruleset.strategy.track_weights.get(t, 0) > 0
    ]
    every = [t for t in tracks if t in ruleset.strategy.every_programme]
    shared = [t for t in tracks if t not in every]
    volume, volume_notes = _volume(facts, ruleset) if shared else (Range(min=0, max=0), [])
    by_track = _split(volume, shared, ruleset)
    cost = _cost(by_track, ruleset)
    return Strategy(
        primary=primary,
        primary_verdict=verdicts[primary],
        parallel=parallel,
        applications=Applications(
            min=volume.min, max=volume.max, by_track=by_track, every_programme=every
        ),
        tiers=_tiers(volume, ruleset),
        notes=volume_notes + _notes(facts, ruleset, tracks, parallel, cost),
        cost=cost,
    )


def _tiers(volume: Range, ruleset: Ruleset) -> dict[str, Tier]:
    tiers = ruleset.rules.apply_tiers
    return {
        name: Tier(share=share, min=round(volume.min * share), max=round(volume.max * share))
        for name, share in (("reach", tiers.reach), ("core", tiers.core), ("safety", tiers.safety))
    }


def _primary(profile: ProfileIn, verdicts: dict[Pathway, Verdict]) -> Pathway:
    for target in profile.targets:
        if target is not Pathway.RESEARCH_YEAR and verdicts[target] is not Verdict.BLOCKED:
            return target
    # No open stated target: the best open Match track, in the listed order on ties.
    return max(MATCH_TRACKS, key=lambda p: (verdicts[p].rank, -MATCH_TRACKS.index(p)))


def _parallel(
    primary: Pathway, profile: ProfileIn, ruleset: Ruleset, verdicts: dict[Pathway, Verdict]
) -> list[Pathway]:
    others = [t for t in profile.targets if t is not primary]
    candidates = others
    if verdicts[primary].rank <= Verdict.REACH.rank:
        candidates = ruleset.strategy.parallel.get(primary, []) + others
    chosen: list[Pathway] = []
    for pathway in candidates:
        if (
            pathway not in chosen
            and pathway is not primary
            and verdicts[pathway] is not Verdict.BLOCKED
        ):
            chosen.append(pathway)
    if chosen or verdicts[primary].rank > Verdict.REACH.rank:
        return chosen
    # APPLY-PARALLEL: never leave a reach alone; fall back to the best open Match track.
    open_tracks = [
        p for p in MATCH_TRACKS if p is not primary and verdicts[p] is not Verdict.BLOCKED
    ]
    if not open_tracks:
        open_tracks = [
            p for p in Pathway if p is not primary and verdicts[p] is not Verdict.BLOCKED
        ]
    order = list(Pathway)
    return [max(open_tracks, key=lambda p: (verdicts[p].rank, -order.index(p)))]


def _volume(facts: Facts, ruleset: Ruleset) -> tuple[Range, list[RuleNote]]:
    rules = ruleset.rules
    below_average = facts.band in ("unknown", "screened", "below") or (
        facts.step1_effective is not None and facts.step1_effective < rules.s1_low.below
    )
    notes = []
    group = {
        ApplicantType.NON_US_IMG: ("APPLY-VOLUME-NONUS", rules.apply_volume_nonus),
        ApplicantType.US_IMG: ("APPLY-VOLUME-USIMG", rules.apply_volume_usimg),
    }.get(facts.applicant_type)
    if group is not None and below_average:
        rule_id, rule = group
        low, high = rule.min, rule.max
        notes.append(RuleNote(rule=rule_id, text=rule.text))
    else:
        base = ruleset.strategy.volume[facts.applicant_type]
        low, high = base.min, base.max
    for risk in ruleset.strategy.risk_volume:
        if risk.when in facts.conditions:
            low, high = low + risk.add, high + risk.add
            notes.append(
                RuleNote(
                    rule=risk.rule,
                    text=f"{plural(risk.add, 'more application')} for {_risk(risk.when)}",
                )
            )
    cap = ruleset.strategy.max_applications
    return Range(min=min(low, cap), max=min(high, cap)), notes


def _risk(condition: Condition) -> str:
    return {
        Condition.FAILED_ATTEMPT: "a failed attempt, which many programmes screen out",
        Condition.YOG_SCREENED: "a graduation year past many programmes' screens",
    }.get(condition, condition.value.replace("_", " "))


def _split(volume: Range, tracks: list[Pathway], ruleset: Ruleset) -> dict[Pathway, CountRange]:
    weights = {t: ruleset.strategy.track_weights[t] for t in tracks}
    total = sum(weights.values())
    if not total:
        return {}
    return {
        t: CountRange(min=round(volume.min * w / total), max=round(volume.max * w / total))
        for t, w in weights.items()
    }


def _cost(by_track: dict[Pathway, CountRange], ruleset: Ruleset) -> Cost | None:
    """Fees counted per specialty (the tiers restart for each), plus the once-a-season fees."""
    if not by_track:
        return None
    fees = ruleset.rules.apply_cost
    once = sum(fees.fixed.values())
    low = once + sum(fees.fees(r.min) for r in by_track.values())
    high = once + sum(fees.fees(r.max) for r in by_track.values())
    return Cost(min=round(low), max=round(high), currency=fees.currency, season=fees.season)


def _notes(
    facts: Facts,
    ruleset: Ruleset,
    tracks: list[Pathway],
    parallel: list[Pathway],
    cost: Cost | None,
) -> list[RuleNote]:
    rules = ruleset.rules
    notes = [
        RuleNote(
            rule="APPLY-TIERS",
            text=(
                "Reach: programmes a little above the profile; core (most of the list): "
                "community and mid-tier programmes with IMGs and visa sponsorship; safety: "
                "programmes that often reach SOAP"
            ),
        )
    ]
    if facts.phase in (Phase.PREPARATION, Phase.ERAS_OPEN):
        dates = ruleset.seasons.dates(facts.season)
        estimate = " (estimated)" if dates.estimated else ""
        notes.append(
            RuleNote(
                rule="APPLY-EARLY",
                text=(
                    f"Submit ERAS complete on the day submissions open for the {facts.season} "
                    f"season: {dates.submission_opens}{estimate}"
                ),
            )
        )
    if facts.visa is not VisaNeed.NONE:
        notes.append(
            RuleNote(
                rule="VISA-FILTER",
                text=f"Drop programmes that do not sponsor {VISA_NAMES[facts.visa]}",
            )
        )
    if facts.visa in (VisaNeed.J1, VisaNeed.J1_OR_H1B):
        notes.append(
            RuleNote(
                rule="VISA-J1-DETAIL",
                text=(
                    "J-1: ECFMG sponsors it; ask the home country's government early for the "
                    "Statement of Need, and weigh the two-year home-residence requirement"
                ),
            )
        )
    for track in tracks:
        if track in ruleset.strategy.every_programme:
            notes.append(
                RuleNote(
                    rule="P-INT-PLASTICS",
                    text=(
                        f"{pathway_name(track).capitalize()}: apply to every programme, favouring "
                        "newer and smaller ones, beside the list above"
                    ),
                )
            )
    if parallel:
        names = ", ".join(pathway_name(p) for p in parallel)
        notes.append(RuleNote(rule="APPLY-PARALLEL", text=f"Apply in parallel to {names}"))
    if cost is not None:
        fixed = " and ".join(rules.apply_cost.fixed)
        notes.append(
            RuleNote(
                rule="APPLY-COST",
                text=(
                    f"Fees for this list: about {cost.currency} {cost.min:,}-{cost.max:,} "
                    f"(ERAS {cost.season} fees counted per specialty"
                    + (f", with {fixed}" if fixed else "")
                    + ")"
                ),
            )
        )
    return notes
