"""Red flags and the stagnation flags that can be read from the profile alone."""

from __future__ import annotations

from datetime import timedelta

from bot.assessment.conditions import Condition
from bot.assessment.dto import RuleNote
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.assessment.wording import EXAM_NAMES, pathway_name
from bot.profile.schema import CycleIn, ProfileIn
from bot.vocab import CycleOutcome, EcfmgStatus, PassFail, Pathway, UsceKind, Verdict, label, plural


def red_flags(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    rules = ruleset.rules
    flags = []
    for exam in profile.exams:
        if exam.taken_on > facts.as_of:
            continue
        failed = exam.result is PassFail.FAIL or (
            exam.score is not None and exam.score < rules.attempts.passing.get(exam.exam, 0)
        )
        if failed:
            flags.append(
                RuleNote(
                    rule="ATTEMPTS",
                    text=(
                        f"{EXAM_NAMES[exam.exam]} attempt {exam.attempt} ({exam.taken_on}) "
                        "was a fail"
                    ),
                )
            )
        elif exam.attempt > 1:
            flags.append(
                RuleNote(
                    rule="ATTEMPTS",
                    text=(
                        f"{EXAM_NAMES[exam.exam]} passed on attempt {exam.attempt}: "
                        "an earlier fail "
                        "is on record"
                    ),
                )
            )
    if facts.step2 is not None and facts.step2 < rules.s2_screen.at_least:
        flags.append(
            RuleNote(
                rule="S2-SCREEN",
                text=(
                    f"Step 2 CK {facts.step2} is under the common {rules.s2_screen.at_least} screen"
                ),
            )
        )
    if Condition.H1B_WITHOUT_STEP3 in facts.conditions:
        flags.append(RuleNote(rule="STEP3-H1B", text="Needs an H-1B and has no passed Step 3"))
    upcoming = ruleset.season_for(facts.as_of)
    if facts.applicant_type.is_img and profile.ecfmg is EcfmgStatus.NOT_STARTED and upcoming:
        season, dates = upcoming
        days = (dates.submission_opens - facts.as_of).days
        if days <= rules.ecfmg_clear.days_before_submission:
            flags.append(
                RuleNote(
                    rule="ECFMG-CLEAR",
                    text=(
                        f"ECFMG certification not started, {days} days before {season} submissions "
                        f"open ({dates.submission_opens})"
                    ),
                )
            )
    return flags


def stagnation_flags(
    profile: ProfileIn, facts: Facts, ruleset: Ruleset, verdicts: dict[Pathway, Verdict]
) -> list[RuleNote]:
    cycles = sorted(
        (c for c in profile.cycles if c.season <= _season_cap(facts)), key=lambda c: c.season
    )
    flags = _reapply(profile, cycles, facts)
    flags += _no_parallel(cycles, ruleset, verdicts)
    flags += _no_traction(cycles, ruleset)
    flags += _research_idle(profile, facts, ruleset)
    return flags


def _season_cap(facts: Facts) -> int:
    # A cycle can be recorded a season ahead (submission in the autumn before the Match year).
    return facts.as_of.year + 2


def _reapply(profile: ProfileIn, cycles: list[CycleIn], facts: Facts) -> list[RuleNote]:
    if len(cycles) < 2:
        return []
    latest, previous = cycles[-1], cycles[-2]
    since = previous.submitted_on
    if since is None:
        return []
    new_research = [r for r in profile.research if since < r.date <= facts.as_of]
    new_letters = [x for x in profile.letters if since < x.received_on <= facts.as_of]
    if new_research or new_letters:
        return []
    return [
        RuleNote(
            rule="STAG-REAPPLY",
            text=(
                f"The {latest.season} cycle has no research output and no letter dated after the "
                f"{previous.season} submission ({since})"
            ),
        )
    ]


def _no_parallel(
    cycles: list[CycleIn], ruleset: Ruleset, verdicts: dict[Pathway, Verdict]
) -> list[RuleNote]:
    competitive = set(ruleset.rules.stag_no_parallel.competitive)
    flags: list[RuleNote] = []
    for cycle in reversed(cycles):  # the latest such cycle says it; older ones add nothing
        tracks = [track for track, count in cycle.applications.items() if count > 0]
        if len(tracks) != 1 or tracks[0] not in competitive:
            continue
        verdict = verdicts[tracks[0]]
        if verdict.rank <= Verdict.REACH.rank:
            flags.append(
                RuleNote(
                    rule="STAG-NO-PARALLEL",
                    text=(
                        f"The {cycle.season} cycle applied only to {pathway_name(tracks[0])} "
                        f"({plural(cycle.applications[tracks[0]], 'programme')}), now a "
                        f"{label(verdict)}, with no parallel track"
                    ),
                )
            )
            break
    return flags


def _no_traction(cycles: list[CycleIn], ruleset: Ruleset) -> list[RuleNote]:
    dry = [
        c
        for c in cycles
        if c.outcome is not CycleOutcome.PENDING and (c.interviews == 0 or not c.outcome.is_match)
    ]
    if len(dry) < ruleset.rules.stag_no_traction.cycles:
        return []
    seasons = ", ".join(str(c.season) for c in dry)
    return [
        RuleNote(
            rule="STAG-NO-TRACTION",
            text=(f"{len(dry)} cycles without traction ({seasons}): time for a pivot conversation"),
        )
    ]


def _research_idle(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    months = ruleset.rules.stag_research_idle.months
    flags = []
    for stint in profile.usce:
        if stint.kind is not UsceKind.RESEARCH_FELLOWSHIP or stint.start > facts.as_of:
            continue
        end = min(stint.end or facts.as_of, facts.as_of)
        if end - stint.start < timedelta(days=round(months * 30.44)):
            continue
        outputs = [r for r in profile.research if stint.start <= r.date <= end]
        if not outputs:
            flags.append(
                RuleNote(
                    rule="STAG-RESEARCH-IDLE",
                    text=(
                        f"Research fellowship since {stint.start}: "
                        f"{(end - stint.start).days // 30} "
                        "months with no research output"
                    ),
                )
            )
    return flags
