"""The realistic profiles of examples/advice/ and the table docs/advice.md is built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot.assessment.dto import Assessment
from bot.assessment.engine import assess
from bot.assessment.rules import RULE_FIELDS
from bot.assessment.ruleset import load_ruleset
from bot.assessment.text import verdict_label
from bot.assessment.wording import pathway_name
from bot.profile.schema import ProfileIn
from bot.roster.schema import MenteeRecord
from bot.vocab import Effect, Pathway

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "advice"
DOC = ROOT / "docs" / "advice.md"
BEGIN, END = "<!-- table: generated from examples/advice -->", "<!-- end of table -->"
RULES_BEGIN, RULES_END = "<!-- rules: generated from the ruleset -->", "<!-- end of rules -->"
COLUMNS = {
    Pathway.INTEGRATED_PLASTICS: "Int. plastics",
    Pathway.INDEPENDENT_PLASTICS: "Ind. plastics",
    Pathway.RESEARCH_YEAR: "Research year",
    Pathway.GENERAL_SURGERY: "General surgery",
    Pathway.PRELIMINARY_SURGERY: "Prelim",
    Pathway.TRANSITIONAL_YEAR: "TY",
    Pathway.PIVOT: "Pivot",
}
DECISIVE_FLAGS = ("FAIL-RISK", "ATTEMPT-LIMIT")
LIVE_PHASES = ("submission_window", "interview_season", "rank_list", "match_week")


@dataclass(frozen=True)
class Case:
    key: str
    as_of: date
    summary: str
    profile: ProfileIn

    def assess(self) -> Assessment:
        return assess(self.profile, ruleset=load_ruleset(), as_of=self.as_of)


def load_cases() -> list[Case]:
    index = yaml.safe_load((CASES / "cases.yaml").read_text())
    return [
        Case(
            key=entry["file"].removesuffix(".json"),
            as_of=entry["as_of"],
            summary=entry["case"],
            profile=MenteeRecord.model_validate_json((CASES / entry["file"]).read_text()).profile(),
        )
        for entry in index
    ]


def why(result: Assessment) -> str:
    """One line: the point an advisor should check first, with its rule."""
    s = result.strategy
    if s.blocked is not None:
        note = s.blocked.why[0]
        return f"Every Match route blocked: {note.text} [{note.rule}]"
    lead = f"Primary {pathway_name(s.primary)} ({verdict_label(s.primary_verdict)})"
    for note in result.record_problems + [f for f in result.red_flags if f.rule in DECISIVE_FLAGS]:
        return f"{lead}. {note.text} [{note.rule}]"
    if result.ecfmg is not None and result.ecfmg.status == "not started":
        step = result.pathway(s.primary).next_steps[0]
        return f"{lead}. {step.text} [{step.rule}]"
    if result.season.applied and result.season.phase in LIVE_PHASES:
        phase_steps = [n for n in result.season.steps if n.rule == "CYCLE-PHASES"]
        step = (phase_steps or result.season.steps)[0]
        return f"{lead}. {step.text} [{step.rule}]"
    reasons = result.pathway(s.primary).reasons
    negative = [r for r in reasons if r.effect is Effect.NEGATIVE]
    chosen = negative[-1] if negative else reasons[-1]
    return f"{lead}. {chosen.text} [{chosen.rule}]"


def render_table(cases: list[Case]) -> str:
    head = ["Case", "As of", *COLUMNS.values(), "Why"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case in cases:
        result = case.assess()
        cells = [
            case.summary,
            str(case.as_of),
            *(verdict_label(result.verdict(p)) for p in COLUMNS),
            why(result).replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_rules() -> str:
    """Every rule of the bundled ruleset in the domain guide's style: id, rule, source."""
    rules = load_ruleset().rules
    lines = ["| id | rule | source |", "|---|---|---|"]
    for rule_id in RULE_FIELDS:
        rule = rules.by_id(rule_id)
        cells = [rule_id, rule.text, " ".join(rule.source.split())]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)
