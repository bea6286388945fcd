"""The season's phase for this mentee and what to do in it (CYCLE-PHASES, SOAP): submit while the
window is early, widen the list when invitations are few by mid-November, certify the rank list,
get ready for SOAP, and review before reapplying."""

from __future__ import annotations

from datetime import timedelta

from bot.assessment.dto import RuleNote, SeasonSection
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.assessment.season import Phase
from bot.profile.schema import CycleIn, ProfileIn
from bot.vocab import CycleOutcome, EcfmgStatus, plural

RECENT_DAYS = 366  # a Match result shapes the advice for the year that follows it


def season_section(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> SeasonSection:
    cycle = facts.current_cycle
    applied = cycle is not None and (cycle.submitted_on is not None or bool(cycle.applications))
    steps = _previous(profile, facts, ruleset) + _phase_steps(facts, ruleset, cycle, applied)
    return SeasonSection(
        season=facts.season,
        phase=facts.phase.value,
        estimated=ruleset.seasons.dates(facts.season).estimated,
        applied=applied,
        interviews=cycle.interviews if cycle is not None else None,
        steps=steps,
    )


def _phase_steps(
    facts: Facts, ruleset: Ruleset, cycle: CycleIn | None, applied: bool
) -> list[RuleNote]:
    calendar = ruleset.seasons
    season = facts.season
    d = calendar.dates(season)
    estimate = " (estimated)" if d.estimated else ""
    match facts.phase:
        case Phase.PREPARATION:
            return [
                note(
                    "CYCLE-PHASES",
                    f"Next: the {season} season{estimate}. ERAS opens {d.eras_opens}, "
                    f"submissions {d.submission_opens}, programmes review from {d.review_opens}",
                )
            ]
        case Phase.ERAS_OPEN:
            return [
                note(
                    "APPLY-EARLY",
                    f"ERAS is open for the {season} season: have it complete (letters assigned, "
                    f"a surgical personal statement) to submit on {d.submission_opens}",
                )
            ]
        case Phase.SUBMISSION_WINDOW if not applied:
            return [
                note(
                    "APPLY-EARLY",
                    f"Submit now: {season} submissions opened {d.submission_opens} and programmes "
                    f"start reviewing {d.review_opens}; complete applications in before then "
                    "are read first",
                )
            ]
        case Phase.SUBMISSION_WINDOW:
            return [
                note(
                    "CYCLE-PHASES",
                    f"Submitted{_on(cycle)}; programmes start reviewing {d.review_opens}. Then "
                    "send short, specific emails to the programme directors",
                )
            ]
        case Phase.INTERVIEW_SEASON if not applied:
            return [
                note(
                    "APPLY-EARLY",
                    f"Programmes have been reviewing since {d.review_opens}: submit now, or the "
                    f"{season} season passes without an application",
                )
            ]
        case Phase.INTERVIEW_SEASON:
            return _interviews(facts, ruleset, cycle)
        case Phase.RANK_LIST:
            return _rank_list(facts, ruleset, cycle, applied)
        case Phase.MATCH_WEEK:
            return [
                note(
                    "SOAP",
                    f"Match Week {d.match_week}: if unmatched, SOAP runs Monday to Thursday. Have "
                    "ERAS and documents current, a list of preliminary and transitional-year "
                    "programmes, and be reachable",
                )
            ]
        case _:
            return [
                note(
                    "CYCLE-PHASES",
                    f"The {season} Match is over (Match Day {calendar.match_day(season)}): "
                    "record its result",
                )
            ]


def _interviews(facts: Facts, ruleset: Ruleset, cycle: CycleIn | None) -> list[RuleNote]:
    calendar = ruleset.seasons
    check = calendar.interview_check(facts.season)
    few = ruleset.rules.cycle_phases.few_interviews
    count = cycle.interviews if cycle is not None else None
    if count is None:
        return [
            note(
                "CYCLE-PHASES",
                "Record the interview invitations so far (`log interviews N`): the "
                f"{check} check needs them",
            )
        ]
    so_far = plural(count, "interview invitation")
    if facts.as_of >= check and count < few:
        return [
            note(
                "CYCLE-PHASES",
                f"{so_far} by {check} (fewer than {few} is few): widen the list now (programmes "
                "still reviewing, preliminary and transitional-year programmes) and prepare for "
                "SOAP",
            ),
            note("SOAP", "Start a SOAP list now: many preliminary seats are offered there"),
        ]
    return [
        note(
            "CYCLE-PHASES", f"{so_far} so far; on {check}, fewer than {few} means widening the list"
        )
    ]


def _rank_list(
    facts: Facts, ruleset: Ruleset, cycle: CycleIn | None, applied: bool
) -> list[RuleNote]:
    d = ruleset.seasons.dates(facts.season)
    if not applied:
        return [
            note(
                "CYCLE-PHASES",
                f"The {facts.season} season is in its rank-list phase without an application; "
                f"prepare the next one",
            )
        ]
    steps = [note("CYCLE-PHASES", f"Certify the rank list by {d.rank_deadline}")]
    if facts.ecfmg is not None and facts.ecfmg.status is not EcfmgStatus.CERTIFIED:
        steps.append(
            note(
                "ECFMG-PATH",
                f"ECFMG must confirm the exams and the communication requirement by "
                f"{d.rank_deadline}, or the rank list is not used",
            )
        )
    if cycle is not None and cycle.interviews == 0:
        steps.append(
            note(
                "SOAP", f"No interviews to rank: get ready for SOAP in Match Week ({d.match_week})"
            )
        )
    return steps


def _previous(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    """After a Match: what its result means before the next season."""
    calendar = ruleset.seasons
    earlier = [c for c in profile.cycles if c.season < facts.season]
    last = max(earlier, key=lambda c: c.season, default=None)
    if last is None:
        return []
    match_day = calendar.match_day(last.season)
    if not match_day < facts.as_of <= match_day + timedelta(days=RECENT_DAYS):
        return []
    if last.outcome is CycleOutcome.PENDING:
        return [note("CYCLE-PHASES", f"Record the result of the {last.season} Match (`log cycle`)")]
    if last.outcome.is_match:
        start = ruleset.rules.ecfmg_path.training_start(last.season)
        text = (
            f"Matched in {last.season}: certification and visa in place before {start}"
            if facts.as_of < start
            else f"Matched in {last.season}, training since {start}"
        )
        if last.outcome is CycleOutcome.MATCHED_PRELIM:
            text += (
                "; ask for mid-year and end-of-year letters that compare you with categorical "
                "residents"
            )
        return [
            note("P-PRELIM" if last.outcome is CycleOutcome.MATCHED_PRELIM else "ECFMG-PATH", text)
        ]
    return [
        note(
            "STAG-REAPPLY",
            f"Reapplication review after {last.season}: what is new since that submission "
            "(scores, letters, US clinical work, research), and which tracks to add",
        )
    ]


def _on(cycle: CycleIn | None) -> str:
    return f" on {cycle.submitted_on}" if cycle is not None and cycle.submitted_on else ""


def note(rule: str, text: str) -> RuleNote:
    return RuleNote(rule=rule, text=text)
