"""A mentee's programme list: the programmes of the strategy's tracks, screened, then tiered.

Screening drops a programme only on a fact the data holds and the profile fails (VISA-FILTER,
STEP3-H1B, S2-SCREEN, ATTEMPTS, YOG-SCREEN, USCE-SURG). An unknown fact never drops one: the
programme stays, with a check to verify. Tiers (APPLY-TIERS) come from the programme's facts
against the profile: a reach when it takes few IMGs, is academic with few IMGs for an IMG with
low scores, or has a Step 2 CK screen the score clears narrowly; a safety when it went unfilled
after a recent Match and is IMG-friendly; core otherwise.

Monotone by construction: every exclusion and every reach condition can only stop holding as a
profile improves (a higher score, a first pass, more US clinical experience, Step 3 passed), and
a safety needs only programme facts and no reach condition. So a better profile keeps every
programme that passed the screens, in the same tier or an easier one. Sizes follow the
strategy; a tier the data cannot fill is said to be short, never padded from another tier.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.assessment.dto import Assessment, RuleNote, RulesetRef
from bot.assessment.facts import Facts, read_facts
from bot.assessment.ruleset import Ruleset
from bot.errors import InvalidInput
from bot.profile.schema import ProfileIn
from bot.programmes.dto import (
    Placement,
    ProgrammeData,
    ProgrammeList,
    ProgrammeRead,
    TierCount,
    TrackList,
)
from bot.programmes.screens import Context, Screened, recent_unfilled, recent_years, screen
from bot.programmes.vocab import ProgrammeSetting, ProgrammeTrack, Standing, Tier
from bot.vocab import Pathway, Verdict, label, plural

TIERS = (Tier.REACH, Tier.CORE, Tier.SAFETY)


@dataclass(frozen=True)
class Sizes:
    """How many programmes each tier of one track should hold (None: every one)."""

    low: int | None
    high: int | None
    per_tier: dict[Tier, int] | None
    rule: str = "APPLY-TIERS"  # the rule the volume came from


def build_list(
    profile: ProfileIn,
    *,
    assessment: Assessment,
    data: ProgrammeData,
    ruleset: Ruleset,
    track: Pathway | None = None,
) -> ProgrammeList:
    """The list for the strategy's tracks (or one of them), from one version of the data."""
    facts = read_facts(profile, ruleset, assessment.as_of)
    strategy = assessment.strategy
    head = {
        "name": assessment.name,
        "as_of": assessment.as_of,
        "season": facts.season,
        "ruleset": RulesetRef(name=ruleset.name, version=ruleset.version),
        "dataset": data.dataset,
    }
    if strategy.blocked is not None:
        return ProgrammeList(**head, blocked=strategy.blocked.why, tracks=[], notes=[])
    applied = [
        t
        for t in [strategy.primary, *strategy.parallel]
        if t in strategy.applications.by_track or t in strategy.applications.every_programme
    ]
    if track is not None:
        if assessment.verdict(track) is Verdict.BLOCKED:
            return ProgrammeList(
                **head,
                blocked=_why_blocked(assessment, track, ruleset),
                blocked_route=track,
                tracks=[],
                notes=[],
            )
        if track not in applied:
            names = ", ".join(label(t) for t in applied)
            raise InvalidInput.single(
                "track",
                f"the strategy applies to {names}, not {label(track)}: add it to the mentee's "
                "targets to list its programmes",
            )
        applied = [track]
    lists = [
        _track_list(pathway, data, facts, ruleset, _sizes(pathway, assessment))
        for pathway in applied
    ]
    return ProgrammeList(**head, blocked=[], tracks=lists, notes=_notes(data, assessment))


def applied_tracks(
    assessment: Assessment, ruleset: Ruleset, track: Pathway | None = None
) -> list[ProgrammeTrack]:
    """The programme tracks a list for this assessment reads (to load only those rows)."""
    strategy = assessment.strategy
    pathways = (
        [track]
        if track is not None
        else [*strategy.applications.by_track, *strategy.applications.every_programme]
    )
    wanted = set().union(*(tracks_of(p, ruleset) for p in pathways)) if pathways else set()
    return sorted(wanted)


def tracks_of(pathway: Pathway, ruleset: Ruleset) -> set[ProgrammeTrack]:
    """The programme tracks a pathway applies to; the pivot's are the ruleset's specialties."""
    if pathway is Pathway.PIVOT:
        named = {s.casefold() for s in ruleset.rules.p_pivot.specialties}
        return {t for t in ProgrammeTrack if t.label.casefold() in named}
    return {t for t in ProgrammeTrack if t.pathway is pathway}


def place_all(
    pathway: Pathway,
    programmes: list[ProgrammeRead],
    facts: Facts,
    ruleset: Ruleset,
    *,
    every_programme: bool,
) -> list[tuple[ProgrammeRead, Screened]]:
    """Every programme of the pathway's tracks with its screening and tier (no sizes yet)."""
    wanted = tracks_of(pathway, ruleset)
    ctx = Context.of(facts, ruleset, every_programme=every_programme)
    return [(p, screen(p, ctx)) for p in programmes if p.track in wanted]


def _track_list(
    pathway: Pathway, data: ProgrammeData, facts: Facts, ruleset: Ruleset, sizes: Sizes
) -> TrackList:
    placed = place_all(
        pathway, data.programmes, facts, ruleset, every_programme=sizes.per_tier is None
    )
    recent = recent_years(facts, ruleset)
    excluded = sorted(
        (
            Placement(programme=p, standing=Standing.EXCLUDED, tier=None, reasons=s.exclusions)
            for p, s in placed
            if s.tier is None
        ),
        key=lambda x: _name_key(x.programme),
    )
    listed: list[Placement] = []
    reserve: list[Placement] = []
    counts: list[TierCount] = []
    notes: list[RuleNote] = []
    for tier in TIERS:
        pool = sorted(
            ((p, s) for p, s in placed if s.tier is tier),
            key=lambda item: _priority(item[0], recent),
        )
        wanted = None if sizes.per_tier is None else sizes.per_tier[tier]
        take = len(pool) if wanted is None else min(wanted, len(pool))
        for n, (p, s) in enumerate(pool):
            standing = Standing.LISTED if n < take else Standing.RESERVE
            place = Placement(
                programme=p, standing=standing, tier=tier, reasons=s.placement, checks=s.checks
            )
            (listed if standing is Standing.LISTED else reserve).append(place)
        counts.append(TierCount(tier=tier, wanted=wanted, listed=take, available=len(pool)))
        if wanted is not None and len(pool) < wanted:
            notes.append(
                RuleNote(
                    rule="APPLY-TIERS",
                    text=(
                        f"{tier.value.capitalize()}: {len(pool)} of the {wanted} wanted; the "
                        "data holds no more that pass the screens, and the tier is not padded "
                        "from the others"
                    ),
                )
            )
    if sizes.low is not None and len(listed) < sizes.low:
        notes.append(
            RuleNote(
                rule=sizes.rule,
                text=(
                    f"{plural(len(listed), 'programme')} listed, under the "
                    f"{sizes.low}-{sizes.high} the "
                    f"strategy advises for {label(pathway)}"
                    + (
                        f"; {len(reserve)} more {'passes' if len(reserve) == 1 else 'pass'} "
                        "the screens beyond the tiers' sizes (the reserve)"
                        if reserve
                        else ""
                    )
                    + ": add programmes to the data, or widen the tracks"
                ),
            )
        )
    to_verify = Counter(c.rule for p in listed for c in dict.fromkeys(p.checks))
    checked = sum(1 for p in listed if p.checks)
    if checked:
        rules = ", ".join(f"{rule} {n}" for rule, n in to_verify.most_common())
        notes.append(
            RuleNote(
                rule=to_verify.most_common(1)[0][0],
                text=(
                    f"{plural(checked, 'listed programme')} "
                    f"{'has' if checked == 1 else 'have'} facts the data does not hold "
                    f"({rules}): verify before applying"
                ),
            )
        )
    by_rule: dict[str, int] = {}
    for place in excluded:
        for rule in dict.fromkeys(r.rule for r in place.reasons):
            by_rule[rule] = by_rule.get(rule, 0) + 1
    return TrackList(
        pathway=pathway,
        wanted_min=sizes.low,
        wanted_max=sizes.high,
        tiers=counts,
        listed=listed,
        reserve=reserve,
        excluded=excluded,
        excluded_by_rule=dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        notes=notes,
    )


def _sizes(pathway: Pathway, assessment: Assessment) -> Sizes:
    strategy = assessment.strategy
    if pathway in strategy.applications.every_programme:
        return Sizes(low=None, high=None, per_tier=None)
    counts = strategy.applications.by_track[pathway]
    shares = {Tier(name): t.share for name, t in strategy.tiers.items()}
    rule = next(
        (n.rule for n in strategy.notes if n.rule.startswith("APPLY-VOLUME")), "APPLY-TIERS"
    )
    return Sizes(low=counts.min, high=counts.max, per_tier=split(counts.max, shares), rule=rule)


def split(total: int, shares: dict[Tier, float]) -> dict[Tier, int]:
    """`total` split by the shares, largest remainder first: the parts add up to `total`."""
    exact = {tier: total * shares.get(tier, 0.0) for tier in TIERS}
    parts = {tier: int(value) for tier, value in exact.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(TIERS, key=lambda t: (-(exact[t] - parts[t]), TIERS.index(t)))
    for tier in by_remainder[:left]:
        parts[tier] += 1
    return parts


def _priority(p: ProgrammeRead, recent: tuple[int, ...]) -> tuple[object, ...]:
    """Most attainable first: more IMGs (unknown last), unfilled lately, community, more
    positions; then by name, so that the same data always gives the same list."""
    return (
        -(p.img_share if p.img_share is not None else -1),
        recent_unfilled(p, recent) is None,
        p.setting is not ProgrammeSetting.COMMUNITY,
        -(p.positions or 0),
        *_name_key(p),
    )


def _name_key(p: ProgrammeRead) -> tuple[str, str, str, int]:
    return (p.name.casefold(), p.city.casefold(), p.state, p.id)


def _why_blocked(assessment: Assessment, pathway: Pathway, ruleset: Ruleset) -> list[RuleNote]:
    rules = {b.rule for b in ruleset.pathways[pathway].block}
    reasons = assessment.pathway(pathway).reasons
    chosen = [r for r in reasons if r.rule in rules] or [
        r for r in reasons if r.effect == "negative"
    ]
    # A condition can both lower a verdict and block it: say each sentence once.
    return list(dict.fromkeys(RuleNote(rule=r.rule, text=r.text) for r in chosen))


def _notes(data: ProgrammeData, assessment: Assessment) -> list[RuleNote]:
    age = (assessment.as_of - data.dataset.as_of).days
    if age <= 365:
        return []
    return [
        RuleNote(
            rule="APPLY-TIERS",
            text=(
                f"Some programme data is as of {data.dataset.as_of}, over a year old: "
                "sponsorship, screens and vacancies change every season, so verify"
            ),
        )
    ]
