"""Next steps for one pathway: concrete actions, each citing the rule it serves."""

from __future__ import annotations

from bot.assessment.conditions import Condition
from bot.assessment.dto import RuleNote
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.assessment.wording import EXAM_NAMES, PLASTICS, delay_target
from bot.vocab import EcfmgStatus, Exam, Pathway, VisaNeed, plural


def next_steps(pathway: Pathway, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    rules = ruleset.pathways[pathway]
    wanted = {a.when for a in rules.adjust if a.steps > 0} | {c.when for c in rules.cap}
    blocks = {b.when for b in rules.block}
    held = facts.conditions
    steps: list[RuleNote] = []
    if pathway is not Pathway.RESEARCH_YEAR:
        steps += _ecfmg(facts)
        steps += _step2(pathway, facts, ruleset)
    if Condition.H1B_WITHOUT_STEP3 in blocks & held:
        steps += _visa(facts)
    if Condition.SURGICAL_READINESS in wanted - held:
        steps += _letters(facts, ruleset) + _usce(facts, ruleset)
    if Condition.CLINICAL_READINESS in wanted - held:
        steps += _letters(facts, ruleset, surgeons=False) + _usce(facts, ruleset)
    if (
        {Condition.NO_PLASTICS_PREREQUISITES, Condition.IMG_WITHOUT_PLASTICS_PREREQUISITES}
        & wanted
        & held
    ):
        steps += _plastics(facts, ruleset)
    if Condition.IMG in wanted & held and pathway is Pathway.INTEGRATED_PLASTICS:
        steps.append(
            RuleNote(
                rule="APPLY-PARALLEL",
                text=(
                    "Treat integrated plastics as a reach: apply beside general surgery and a "
                    "preliminary or transitional year"
                ),
            )
        )
    if Condition.RESEARCH_TRACK_RECORD in wanted - held:
        steps.append(
            RuleNote(
                rule="P-RESEARCH-YEAR",
                text=(
                    "Choose departments with a record of taking IMG research fellows; plan for "
                    f"{ruleset.rules.research_plastics.yearly_goal()}"
                ),
            )
        )
    if Condition.MENTOR_ADVOCATE in wanted - held and pathway is Pathway.RESEARCH_YEAR:
        steps.append(
            RuleNote(
                rule="MENTOR-ADVOCATE",
                text="Ask a US faculty mentor to introduce you to research departments",
            )
        )
    if Condition.YOG_SCREENED in held and any(
        a.when is Condition.YOG_SCREENED for a in rules.adjust
    ):
        steps.append(
            RuleNote(
                rule="YOG-SCREEN",
                text=(
                    "Add recent hands-on US clinical work (a rotation of "
                    f"{ruleset.rules.usce_surg.hands_on_weeks}+ weeks, or a position): it offsets "
                    "an older graduation year"
                ),
            )
        )
    if Condition.STEP1_CONCERN_UNANSWERED in held and pathway is not Pathway.RESEARCH_YEAR:
        steps.append(
            RuleNote(rule="STEP3-SIGNAL", text="Pass Step 3 early: it offsets a weak Step 1")
        )
    if Condition.FAILED_ATTEMPT in held and pathway is not Pathway.RESEARCH_YEAR:
        steps.append(
            RuleNote(
                rule="ATTEMPTS",
                text=(
                    "Prepare a short account of the failed attempt: ownership, what changed, the "
                    "evidence since"
                ),
            )
        )
    return _unique(steps)


SHORT = {
    "usmle_id": "USMLE ID",
    "step1": "Step 1",
    "step2ck": "Step 2 CK",
    "oet": "OET Medicine",
    "graduation": "diploma verification",
}


def _ecfmg(facts: Facts) -> list[RuleNote]:
    """The ECFMG path comes first: without it no other step leads to a Match."""
    timing = facts.ecfmg
    if timing is None or timing.status is EcfmgStatus.CERTIFIED:
        return []
    todo = [s for s in timing.steps if s.state == "to do"]
    confirm = [s for s in timing.steps if s.state == "confirm"]
    steps = []
    if todo:
        steps.append(
            RuleNote(
                rule="ECFMG-PATH",
                text=(
                    "ECFMG certification: "
                    + ", then ".join(SHORT[s.key] for s in todo)
                    + f"; at typical pace complete by {timing.certified_on}"
                ),
            )
        )
    if confirm:
        steps.append(
            RuleNote(
                rule="ECFMG-PATH",
                text="Confirm with ECFMG that "
                + " and ".join(SHORT[s.key] for s in confirm)
                + " are under way",
            )
        )
    return steps


def _step2(pathway: Pathway, facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    if facts.step2 is not None:
        return []
    target = delay_target(facts, ruleset, pathway)
    mark = ruleset.rules.pass_marks.current(Exam.STEP2CK, facts.step2_planned_on or facts.as_of)
    average = facts.practice_average
    if (
        mark is not None
        and average is not None
        and average <= mark + ruleset.rules.fail_risk.margin
    ):
        return [
            RuleNote(
                rule="FAIL-RISK",
                text=(
                    f"Do not sit Step 2 CK yet: the practice average {average:g} "
                    f"is at or below the {mark} pass mark"
                ),
            )
        ]
    if facts.practice_average is None:
        return [
            RuleNote(
                rule="S2-DELAY",
                text=(
                    f"Take NBME/UWorld self-assessments before booking Step 2 CK; aim for {target}"
                ),
            )
        ]
    if facts.practice_average < target:
        return [
            RuleNote(
                rule="S2-DELAY",
                text=(
                    f"Delay Step 2 CK: practice average {facts.practice_average:g} is below the "
                    f"{target} target"
                ),
            )
        ]
    return [
        RuleNote(
            rule="S2-DELAY",
            text=(
                f"Book Step 2 CK: practice average {facts.practice_average:g} "
                f"meets the {target} target"
            ),
        )
    ]


def _visa(facts: Facts) -> list[RuleNote]:
    steps = [
        RuleNote(rule="STEP3-H1B", text="Pass Step 3 before applying: H-1B sponsorship needs it")
    ]
    if facts.visa is VisaNeed.H1B:
        steps.append(
            RuleNote(
                rule="VISA-J1-FLEX",
                text="Consider accepting a J-1: it greatly widens the programme pool",
            )
        )
    return steps


def _letters(facts: Facts, ruleset: Ruleset, surgeons: bool = True) -> list[RuleNote]:
    need = ruleset.rules.lor_surg
    have = facts.us_surgeon_letters if surgeons else facts.us_strong_letters
    steps = []
    if have < need.us_surgeons:
        who = "US surgeons who have seen you work" if surgeons else "US faculty"
        steps.append(
            RuleNote(
                rule="LOR-SURG",
                text=(f"Get {plural(need.us_surgeons - have, 'more strong letter')} from {who}"),
            )
        )
    total = need.us_surgeons + need.additional
    extra = total - max(facts.letters, have) - max(0, need.us_surgeons - have)
    if extra > 0:
        steps.append(
            RuleNote(
                rule="LOR-SURG",
                text=(
                    f"Get {plural(extra, 'more letter')} beyond those "
                    "(US faculty of any specialty, "
                    "or a senior surgeon at home)"
                ),
            )
        )
    return steps


def _usce(facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    need = ruleset.rules.usce_surg
    if facts.hands_on_surgical_weeks >= need.hands_on_weeks:
        return []
    if facts.observer_surgical_weeks >= need.observer_weeks:
        return []
    return [
        RuleNote(
            rule="USCE-SURG",
            text=(
                f"Do {need.hands_on_weeks}+ weeks of hands-on US surgery (a sub-internship or an "
                f"inpatient surgery elective); {facts.hands_on_surgical_weeks} so far"
            ),
        )
    ]


def _plastics(facts: Facts, ruleset: Ruleset) -> list[RuleNote]:
    rules = ruleset.rules
    steps = []
    missing = rules.research_plastics.outputs - facts.plastics_outputs
    if missing > 0:
        steps.append(
            RuleNote(
                rule="RESEARCH-PLASTICS",
                text=(
                    f"Add {plural(missing, 'plastics research output')} to reach "
                    f"{rules.research_plastics.outputs} "
                    f"(aim for {rules.research_plastics.yearly_goal()})"
                ),
            )
        )
    letters = rules.lor_plastics.us_plastic_surgeons - facts.us_plastics_letters
    if letters > 0:
        steps.append(
            RuleNote(
                rule="LOR-PLASTICS",
                text=(
                    f"Get {plural(letters, 'strong letter')} "
                    "from US plastic surgeons who know your work"
                ),
            )
        )
    rotation = rules.usce_plastics.weeks - facts.plastics_rotation_weeks
    if rotation > 0:
        steps.append(
            RuleNote(
                rule="USCE-PLASTICS",
                text=(
                    f"Do a US plastic surgery rotation (sub-internship or away rotation): "
                    f"{plural(rotation, 'more week')} to reach {rules.usce_plastics.weeks}"
                ),
            )
        )
    if not facts.mentor_advocate:
        steps.append(
            RuleNote(
                rule="MENTOR-ADVOCATE", text="Find a US plastic surgeon willing to advocate for you"
            )
        )
    return steps


def _unique(steps: list[RuleNote]) -> list[RuleNote]:
    seen: set[tuple[str, str]] = set()
    out = []
    for step in steps:
        if (step.rule, step.text) not in seen:
            seen.add((step.rule, step.text))
            out.append(step)
    return out


__all__ = ["EXAM_NAMES", "PLASTICS", "next_steps"]
