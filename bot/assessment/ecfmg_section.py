"""The ECFMG part of an assessment: the ordered path with typical durations, and whether
certification fits the season aimed at (ECFMG-PATH, ECFMG-CLEAR)."""

from __future__ import annotations

from bot.assessment.conditions import Condition
from bot.assessment.dto import EcfmgSection, EcfmgStep, RuleNote
from bot.assessment.ecfmg import EcfmgTiming
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.vocab import EcfmgStatus

SEASONS_AHEAD = 6  # how far to look for the first season that certification fits


def ecfmg_section(facts: Facts, ruleset: Ruleset) -> EcfmgSection | None:
    timing = facts.ecfmg
    if timing is None:
        return None
    return EcfmgSection(
        status=timing.status.value.replace("_", " "),
        steps=[EcfmgStep(title=s.title, state=s.state, weeks=s.weeks) for s in timing.steps],
        season=facts.season,
        match_ready_on=timing.match_ready_on,
        certified_on=timing.certified_on,
        notes=_notes(facts, timing, ruleset),
    )


def _notes(facts: Facts, timing: EcfmgTiming, ruleset: Ruleset) -> list[RuleNote]:
    if timing.status is EcfmgStatus.CERTIFIED:
        return []
    if Condition.ATTEMPT_LIMIT_REACHED in facts.conditions:
        return [
            RuleNote(
                rule="ATTEMPT-LIMIT",
                text="The USMLE attempt limit closes this path: no Step can be taken again",
            )
        ]
    calendar = ruleset.seasons
    season = facts.season
    dates = calendar.dates(season)
    start = ruleset.rules.ecfmg_path.training_start(season)
    fits = timing.match_ready_on <= dates.rank_deadline
    notes = [
        RuleNote(
            rule="ECFMG-PATH",
            text=(
                f"Exams and OET must be met by the {season} rank-list deadline "
                f"({dates.rank_deadline}); at typical pace they are by {timing.match_ready_on}"
                + ("" if fits else ": too late for that season")
            ),
        ),
        RuleNote(
            rule="ECFMG-PATH",
            text=(
                f"The certificate must be in hand before training starts ({start}); at typical "
                f"pace it is by {timing.certified_on}"
            ),
        ),
    ]
    full = _first_full_season(facts, timing, ruleset)
    if full is not None and full != season:
        notes.append(
            RuleNote(
                rule="ECFMG-CLEAR",
                text=(
                    f"A full-strength application (Step 2 CK result in hand when submissions "
                    f"open, exams met by the rank list) fits the {full} season at the earliest"
                ),
            )
        )
    return notes


def _first_full_season(facts: Facts, timing: EcfmgTiming, ruleset: Ruleset) -> int | None:
    calendar = ruleset.seasons
    for season in range(facts.season, facts.season + SEASONS_AHEAD):
        dates = calendar.dates(season)
        step2_in_time = facts.step2_passed or timing.step2_ready_on <= dates.submission_opens
        if step2_in_time and timing.match_ready_on <= dates.rank_deadline:
            return season
    return None
