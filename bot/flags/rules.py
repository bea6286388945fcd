"""Red flags and the stagnation flags that can be read from the profile alone."""

from __future__ import annotations

from datetime import timedelta

from bot.assessment.conditions import Condition
from bot.assessment.dto import RuleNote
from bot.assessment.facts import Facts, exam_failed
from bot.assessment.ruleset import Ruleset
from bot.assessment.wording import EXAM_NAMES, delay_target, pathway_name
from bot.profile.schema import CycleIn, ProfileIn
from bot.vocab import CycleOutcome, EcfmgStatus, Exam, Pathway, UsceKind, Verdict, label, plural


def red_flags(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    rules = ruleset.rules
    flags = _attempts(profile, facts, ruleset)
    if facts.step2 is not None and facts.step2 < rules.s2_screen.at_least:
        flags.append(
            RuleNote(
                rule="S2-SCREEN",
                text=(
                    f"Step 2 CK {facts.step2} is under the common {rules.s2_screen.at_least} screen"
                ),
            )
        )
    flags += _fail_risk(facts, ruleset)
    if Condition.H1B_WITHOUT_STEP3 in facts.conditions:
        flags.append(RuleNote(rule="STEP3-H1B", text="Needs an H-1B and has no passed Step 3"))
    flags += _time_limit(facts, ruleset)
    dates = ruleset.seasons.dates(facts.season)
    if facts.applicant_type.is_img and profile.ecfmg is EcfmgStatus.NOT_STARTED:
        days = (dates.submission_opens - facts.as_of).days
        if days <= rules.ecfmg_clear.days_before_submission:
            when = (
                f"{days} days before {facts.season} submissions open ({dates.submission_opens})"
                if days >= 0
                else f"and {facts.season} submissions opened {dates.submission_opens}"
            )
            flags.append(
                RuleNote(rule="ECFMG-CLEAR", text=f"ECFMG certification not started, {when}")
            )
    return flags


def _attempts(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    rules = ruleset.rules
    flags = []
    for exam in profile.exams:
        if exam.taken_on > facts.as_of:
            continue
        name = EXAM_NAMES[exam.exam]
        if exam_failed(exam, rules):
            mark = rules.pass_marks.mark_on(exam.exam, exam.taken_on)
            below = f", under the {mark} pass mark then in force" if exam.score and mark else ""
            flags.append(
                RuleNote(
                    rule="ATTEMPTS",
                    text=f"{name} attempt {exam.attempt} ({exam.taken_on}) was a fail{below}",
                )
            )
        elif exam.attempt > 1:
            flags.append(
                RuleNote(
                    rule="ATTEMPTS",
                    text=f"{name} passed on attempt {exam.attempt}: an earlier fail is on record",
                )
            )
    limit = rules.attempt_limit.max_attempts
    for step, unpassed in facts.unpassed_attempts.items():
        if unpassed == limit - 1:
            flags.append(
                RuleNote(
                    rule="ATTEMPT-LIMIT",
                    text=(
                        f"{EXAM_NAMES[step]}: {unpassed} unpassed attempts; one more fail ends "
                        "eligibility for every USMLE Step"
                    ),
                )
            )
    return flags


def _fail_risk(facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    """Practice at or below the pass mark in force when the exam would be sat."""
    rules = ruleset.rules
    if facts.step2_passed or facts.practice_average is None:
        return []
    day = facts.step2_planned_on or facts.as_of
    mark = rules.pass_marks.current(Exam.STEP2CK, day)
    if mark is None or facts.practice_average > mark + rules.fail_risk.margin:
        return []
    return [
        RuleNote(
            rule="FAIL-RISK",
            text=(
                f"Practice average {facts.practice_average:g} is at or below the Step 2 CK pass "
                f"mark of {mark}: a real risk of failing, which programmes read as the worst red "
                "flag. Do not sit the exam until practice scores are clearly above it"
            ),
        )
    ]


def _time_limit(facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    rule = ruleset.rules.usmle_time_limit
    limit = rule.years
    first = facts.first_pass_on
    if first is None or facts.step3_passed:
        return []
    try:
        deadline = first.replace(year=first.year + limit)
    except ValueError:  # 29 February
        deadline = first.replace(year=first.year + limit, day=28)
    if (deadline - facts.as_of).days > rule.warn_months * 30.44:
        return []
    when = (
        f"by {deadline}"
        if deadline >= facts.as_of
        else f"by {deadline}, already past: check the rules of the states to train in (some "
        "allow ten years)"
    )
    return [
        RuleNote(
            rule="USMLE-TIME-LIMIT",
            text=(
                f"First Step passed {first}: most state boards want every Step, Step 3 included, "
                f"passed within {limit} years, {when}"
            ),
        )
    ]


def stagnation_flags(
    profile: ProfileIn,
    facts: Facts,
    ruleset: Ruleset,
    verdicts: dict[Pathway, Verdict],
    primary: Pathway,
) -> list[RuleNote]:
    cycles = sorted(
        (c for c in profile.cycles if c.season <= _season_cap(facts)), key=lambda c: c.season
    )
    flags = _reapply(profile, cycles, facts)
    flags += _no_parallel(cycles, ruleset, verdicts)
    flags += _no_traction(cycles, ruleset)
    flags += _research_idle(profile, facts, ruleset)
    flags += _delay(facts, ruleset, primary)
    return flags


def _delay(facts: Facts, ruleset: Ruleset, primary: Pathway) -> list[RuleNote]:
    """S2-DELAY: Step 2 CK booked soon while practice scores are under target."""
    planned = facts.step2_planned_on
    window = ruleset.rules.s2_delay.window_days
    if planned is None or not facts.as_of <= planned <= facts.as_of + timedelta(days=window):
        return []
    target = delay_target(facts, ruleset, primary)
    average = facts.practice_average
    if average is None or average >= target:
        return []
    return [
        RuleNote(
            rule="S2-DELAY",
            text=(
                f"Step 2 CK is booked for {planned} but the practice average {average:g} is "
                f"below the {target} target ({pathway_name(primary)})"
            ),
        )
    ]


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
    """Judged on the latest cycle that applied anywhere: an older one-track cycle is history."""
    competitive = set(ruleset.rules.stag_no_parallel.competitive)
    applied = [c for c in cycles if any(n > 0 for n in c.applications.values())]
    if not applied:
        return []
    latest = applied[-1]
    tracks = [track for track, count in latest.applications.items() if count > 0]
    if len(tracks) != 1 or tracks[0] not in competitive:
        return []
    verdict = verdicts[tracks[0]]
    if verdict.rank > Verdict.REACH.rank:
        return []
    return [
        RuleNote(
            rule="STAG-NO-PARALLEL",
            text=(
                f"The {latest.season} cycle applied only to {pathway_name(tracks[0])} "
                f"({plural(latest.applications[tracks[0]], 'programme')}), now a "
                f"{label(verdict)}, with no parallel track"
            ),
        )
    ]


def _no_traction(cycles: list[CycleIn], ruleset: Ruleset) -> list[RuleNote]:
    """Cycles that ended with no interview and no match (interviews recorded as 0)."""
    dry = [
        c
        for c in cycles
        if c.outcome is not CycleOutcome.PENDING and c.interviews == 0 and not c.outcome.is_match
    ]
    if len(dry) < ruleset.rules.stag_no_traction.cycles:
        return []
    seasons = ", ".join(str(c.season) for c in dry)
    return [
        RuleNote(
            rule="STAG-NO-TRACTION",
            text=(
                f"{len(dry)} cycles with no interview and no match ({seasons}): time for a pivot "
                "conversation"
            ),
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
