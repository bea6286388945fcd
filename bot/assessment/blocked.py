"""When every Match route is blocked: no applications, what unblocks a route, and the dates by
which it must happen (before submissions open for a full list; the rank-list deadline at the
latest)."""

from __future__ import annotations

from datetime import date

from bot.assessment.conditions import Condition
from bot.assessment.dto import Applications, Blocked, RuleNote, Strategy, Tier
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.assessment.wording import condition_text
from bot.profile.schema import ProfileIn
from bot.vocab import EcfmgStatus, Pathway, Verdict, VisaNeed

BLOCKERS = (Condition.ATTEMPT_LIMIT_REACHED, Condition.H1B_WITHOUT_STEP3)
RULES = {Condition.ATTEMPT_LIMIT_REACHED: "ATTEMPT-LIMIT", Condition.H1B_WITHOUT_STEP3: "STEP3-H1B"}


def blocked_plan(
    profile: ProfileIn, facts: Facts, ruleset: Ruleset, verdicts: dict[Pathway, Verdict]
) -> Strategy:
    latest_season, latest_by = _first(ruleset, facts, "rank_deadline")
    full_season, full_by = _first(ruleset, facts, "submission_opens")
    why = [
        RuleNote(
            rule=RULES[c],
            text=condition_text(c, True, facts, ruleset, Pathway.GENERAL_SURGERY) or RULES[c],
        )
        for c in BLOCKERS
        if c in facts.conditions
    ]
    remedies = _remedies(facts)
    notes = [
        RuleNote(
            rule=why[0].rule if why else "P-PIVOT",
            text=(
                "Plan no applications until one of the steps above opens a route"
                if remedies
                else "No USMLE route remains: talk through careers outside US residency training"
            ),
        )
    ]
    if verdicts[Pathway.RESEARCH_YEAR] is not Verdict.BLOCKED:
        notes.append(
            RuleNote(
                rule="P-RESEARCH-YEAR",
                text=(
                    f"Meanwhile a research year ({_name(verdicts[Pathway.RESEARCH_YEAR])}) keeps "
                    "the CV moving"
                ),
            )
        )
    primary = next((t for t in profile.targets if t is not Pathway.RESEARCH_YEAR), None)
    zero = Tier(share=0, min=0, max=0)
    return Strategy(
        primary=primary or Pathway.GENERAL_SURGERY,
        primary_verdict=Verdict.BLOCKED,
        parallel=[],
        applications=Applications(min=0, max=0, by_track={}),
        tiers={"reach": zero, "core": zero, "safety": zero},
        notes=notes,
        blocked=Blocked(
            season=latest_season,
            why=why,
            remedies=remedies,
            full_list_season=full_season,
            full_list_by=full_by,
            latest_by=latest_by,
        ),
    )


def _remedies(facts: Facts) -> list[RuleNote]:
    if Condition.ATTEMPT_LIMIT_REACHED in facts.conditions:
        return []  # nothing within the USMLE reopens it
    timing = facts.ecfmg
    if timing is not None and timing.status is not EcfmgStatus.CERTIFIED:
        when = f"after ECFMG certification (typically by {timing.certified_on} from here)"
    else:
        when = "it can be booked now" + (", ECFMG certification in hand" if timing else "")
    remedies = [RuleNote(rule="STEP3-H1B", text=f"Pass Step 3: {when}")]
    if facts.visa is VisaNeed.H1B:
        remedies.append(
            RuleNote(
                rule="VISA-J1-FLEX",
                text=(
                    "Or accept a J-1, which ECFMG sponsors: every J-1 programme opens at once "
                    "(it needs a Statement of Need and brings a two-year home-residence rule)"
                ),
            )
        )
    return remedies


def _name(verdict: Verdict) -> str:
    return verdict.value.replace("_", " ")


def _first(ruleset: Ruleset, facts: Facts, event: str) -> tuple[int, date]:
    """The first season from the one aimed at whose `event` has not passed yet."""
    calendar = ruleset.seasons
    season = facts.season
    while (day := getattr(calendar.dates(season), event)) < facts.as_of:
        season += 1
    return season, day
