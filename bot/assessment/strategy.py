"""The application strategy: primary target, parallel plan, how many programmes, which tiers."""

from __future__ import annotations

from bot.assessment.dto import Applications, CountRange, RuleNote, Strategy, Tier
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Range, Ruleset
from bot.assessment.wording import pathway_name
from bot.profile.schema import ProfileIn
from bot.vocab import ApplicantType, Pathway, Verdict, VisaNeed

MATCH_TRACKS = (
    Pathway.GENERAL_SURGERY,
    Pathway.PRELIMINARY_SURGERY,
    Pathway.INTEGRATED_PLASTICS,
    Pathway.TRANSITIONAL_YEAR,
    Pathway.PIVOT,
)
NOT_APPLIED_TO = {Pathway.RESEARCH_YEAR, Pathway.INDEPENDENT_PLASTICS}


def plan_strategy(
    profile: ProfileIn, facts: Facts, ruleset: Ruleset, verdicts: dict[Pathway, Verdict]
) -> Strategy:
    primary = _primary(profile, verdicts)
    parallel = _parallel(primary, profile, ruleset, verdicts)
    volume, volume_rule = _volume(facts, ruleset)
    tracks = [
        t
        for t in [primary, *parallel]
        if t not in NOT_APPLIED_TO and ruleset.strategy.track_weights.get(t, 0) > 0
    ]
    tiers = ruleset.rules.apply_tiers
    return Strategy(
        primary=primary,
        primary_verdict=verdicts[primary],
        parallel=parallel,
        applications=Applications(
            min=volume.min, max=volume.max, by_track=_split(volume, tracks, ruleset)
        ),
        tiers={
            name: Tier(share=share, min=round(volume.min * share), max=round(volume.max * share))
            for name, share in (
                ("reach", tiers.reach),
                ("core", tiers.core),
                ("safety", tiers.safety),
            )
        },
        notes=_notes(facts, ruleset, primary, parallel, volume_rule),
    )


def _primary(profile: ProfileIn, verdicts: dict[Pathway, Verdict]) -> Pathway:
    for target in profile.targets:
        if target is not Pathway.RESEARCH_YEAR:
            return target
    # No stated target: the best verdict among the Match tracks, in their listed order on ties.
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
    # APPLY-PARALLEL: never leave a reach alone; fall back to the best open route.
    open_routes = [p for p in Pathway if p is not primary and verdicts[p] is not Verdict.BLOCKED]
    best = max(open_routes, key=lambda p: (verdicts[p].rank, -list(Pathway).index(p)))
    return [best]


def _volume(facts: Facts, ruleset: Ruleset) -> tuple[Range, str | None]:
    rules = ruleset.rules
    below_average = facts.band in ("unknown", "screened", "below") or (
        facts.step1_effective is not None and facts.step1_effective < rules.s1_low.below
    )
    if facts.applicant_type is ApplicantType.NON_US_IMG and below_average:
        nonus = rules.apply_volume_nonus
        return Range(min=nonus.min, max=nonus.max), "APPLY-VOLUME-NONUS"
    return ruleset.strategy.volume[facts.applicant_type], None


def _split(volume: Range, tracks: list[Pathway], ruleset: Ruleset) -> dict[Pathway, CountRange]:
    weights = {t: ruleset.strategy.track_weights[t] for t in tracks}
    total = sum(weights.values())
    if not total:
        return {}
    return {
        t: CountRange(min=round(volume.min * w / total), max=round(volume.max * w / total))
        for t, w in weights.items()
    }


def _notes(
    facts: Facts,
    ruleset: Ruleset,
    primary: Pathway,
    parallel: list[Pathway],
    volume_rule: str | None,
) -> list[RuleNote]:
    notes = []
    if volume_rule:
        notes.append(RuleNote(rule=volume_rule, text=ruleset.rules.apply_volume_nonus.text))
    notes.append(
        RuleNote(
            rule="APPLY-TIERS",
            text=(
                "Reach: programmes a little above the profile; core (most of the list): "
                "community and "
                "mid-tier programmes with IMGs and visa sponsorship; safety: programmes that often "
                "reach SOAP"
            ),
        )
    )
    upcoming = ruleset.season_for(facts.as_of)
    if upcoming:
        season, dates = upcoming
        estimate = " (estimated)" if dates.estimated else ""
        notes.append(
            RuleNote(
                rule="APPLY-EARLY",
                text=(
                    f"Submit ERAS complete on the day submissions open for the {season} season: "
                    f"{dates.submission_opens}{estimate}"
                ),
            )
        )
    if facts.visa is not VisaNeed.NONE:
        needs = {"j1": "a J-1", "h1b": "an H-1B", "j1_or_h1b": "a J-1 or H-1B"}[facts.visa]
        notes.append(
            RuleNote(rule="VISA-FILTER", text=f"Drop programmes that do not sponsor {needs}")
        )
    if Pathway.INTEGRATED_PLASTICS in (primary, *parallel):
        notes.append(
            RuleNote(
                rule="P-INT-PLASTICS",
                text=(
                    "For integrated plastics apply to every programme, "
                    "favouring newer and smaller ones"
                ),
            )
        )
    if parallel:
        names = ", ".join(pathway_name(p) for p in parallel)
        notes.append(RuleNote(rule="APPLY-PARALLEL", text=f"Apply in parallel to {names}"))
    return notes
