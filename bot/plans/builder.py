"""Build a dated plan for a mentee from a template chosen by their assessment."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from bot.assessment.dto import Assessment
from bot.assessment.facts import Facts, read_facts
from bot.assessment.ruleset import PlanTemplate, Ruleset, TemplateName
from bot.profile.schema import ProfileIn
from bot.vocab import EcfmgStatus, Pathway, VisaNeed

PLASTICS_PRIMARY = {Pathway.INTEGRATED_PLASTICS, Pathway.INDEPENDENT_PLASTICS}


class PlanItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    rule: str
    due_on: date


class PlanPreview(BaseModel):
    model_config = ConfigDict(frozen=True)

    template: str
    title: str
    season: int
    estimated: bool
    items: list[PlanItem]


def _skips(profile: ProfileIn, facts: Facts, ruleset: Ruleset) -> dict[str, bool]:
    rules = ruleset.rules
    return {
        "step2_taken": facts.step2 is not None,
        "surgical_usce_met": facts.hands_on_surgical_weeks >= rules.usce_surg.hands_on_weeks,
        "ecfmg_certified": profile.ecfmg is EcfmgStatus.CERTIFIED,
        "no_h1b_or_step3_passed": profile.visa not in (VisaNeed.H1B, VisaNeed.J1_OR_H1B)
        or facts.step3_passed,
        "surgical_letters_met": facts.us_surgeon_letters >= rules.lor_surg.us_surgeons
        and facts.letters >= rules.lor_surg.us_surgeons + rules.lor_surg.additional,
        "plastics_research_met": facts.plastics_outputs >= rules.research_plastics.outputs,
        "plastics_letters_met": facts.us_plastics_letters >= rules.lor_plastics.us_plastic_surgeons,
    }


def choose_template(assessment: Assessment) -> TemplateName:
    if assessment.strategy.primary in PLASTICS_PRIMARY:
        return "plastics_multi_year"
    return "non_us_prelim"


def build_plan(
    profile: ProfileIn, assessment: Assessment, *, ruleset: Ruleset, as_of: date
) -> PlanPreview:
    key = choose_template(assessment)
    template: PlanTemplate = ruleset.plans[key]
    season = ruleset.seasons.next_submission(as_of)
    dates = ruleset.seasons.dates(season)
    facts = read_facts(profile, ruleset, as_of)
    skip = _skips(profile, facts, ruleset)
    items = []
    for item in template.items:
        if item.skip_when and skip[item.skip_when]:
            continue
        anchor_day = _anchor(ruleset, season + item.season, item.anchor, as_of)
        due = anchor_day + timedelta(days=item.days)
        if due >= as_of:
            items.append(PlanItem(key=item.key, title=item.title, rule=item.rule, due_on=due))
    items.sort(key=lambda i: (i.due_on, i.key))
    return PlanPreview(
        template=key, title=template.title, season=season, estimated=dates.estimated, items=items
    )


def _anchor(ruleset: Ruleset, season: int, anchor: str, as_of: date) -> date:
    if anchor == "today":
        return as_of
    day: date = getattr(ruleset.seasons.dates(season), anchor)
    return day
