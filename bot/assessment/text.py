"""The assessment as plain text, for a mentor to paste into an email."""

from __future__ import annotations

from bot.assessment.dto import (
    Assessment,
    Blocked,
    EcfmgSection,
    PathwayVerdict,
    Reason,
    RuleNote,
    SeasonSection,
    Strategy,
)
from bot.assessment.wording import pathway_name
from bot.vocab import Effect, Verdict, label, plural

MARKS = {Effect.POSITIVE: "+", Effect.NEGATIVE: "-", Effect.NEUTRAL: "·"}
PHASES = {
    "preparation": "preparation",
    "eras_open": "ERAS open",
    "submission_window": "submission window",
    "interview_season": "interview season",
    "rank_list": "rank list",
    "match_week": "Match Week",
    "after_match": "after the Match",
}


def verdict_label(verdict: Verdict) -> str:
    return label(verdict)


def render_text(assessment: Assessment) -> str:
    lines = [
        f"Pathway assessment: {assessment.name}",
        f"As of {assessment.as_of} · ruleset {assessment.ruleset.name} "
        f"{assessment.ruleset.version}",
    ]
    lines += _notes("CHECK THE RECORD", assessment.record_problems)
    lines += ["", "PROFILE AT A GLANCE", *_reasons(assessment.glance)]
    if assessment.strategy.blocked is not None:
        lines += _blocked(assessment.strategy.blocked)
    lines += ["", "VERDICTS"]
    width = max(len(pathway_name(p.pathway)) for p in assessment.pathways)
    for p in assessment.pathways:
        lines.append(f"  {pathway_name(p.pathway):<{width}}  {verdict_label(p.verdict)}")
    lines += _season(assessment.season)
    if assessment.ecfmg is not None:
        lines += _ecfmg(assessment.ecfmg)
    lines += _strategy(assessment.strategy)
    lines += _notes("RED FLAGS", assessment.red_flags)
    lines += _notes("STAGNATION FLAGS", assessment.flags)
    for p in assessment.pathways:
        lines += ["", *_pathway(p)]
    return "\n".join(lines) + "\n"


def _reasons(reasons: list[Reason]) -> list[str]:
    return [f"  {MARKS[r.effect]} {r.text} [{r.rule}]" for r in reasons]


def _blocked(blocked: Blocked) -> list[str]:
    lines = ["", "EVERY MATCH ROUTE IS BLOCKED", *(f"  - {n.text} [{n.rule}]" for n in blocked.why)]
    if blocked.remedies:
        lines.append("  What unblocks it:")
        lines += [f"    > {n.text} [{n.rule}]" for n in blocked.remedies]
    if blocked.remedies:
        lines.append(f"  By when: {blocked_dates(blocked)}")
    return lines


def blocked_dates(blocked: Blocked) -> str:
    latest = f"at the latest before its rank-list deadline on {blocked.latest_by}"
    if blocked.full_list_season == blocked.season:
        return (
            f"for the {blocked.season} season, before submissions open on "
            f"{blocked.full_list_by} for a full list, {latest}"
        )
    return (
        f"for a full list, before {blocked.full_list_season} submissions open on "
        f"{blocked.full_list_by}; for the {blocked.season} season {latest}"
    )


def _season(season: SeasonSection) -> list[str]:
    estimate = ", dates estimated" if season.estimated else ""
    title = f"SEASON {season.season}: {PHASES.get(season.phase, season.phase)}{estimate}"
    facts = "applied" if season.applied else "not applied"
    if season.interviews is not None:
        facts += f", {plural(season.interviews, 'interview invitation')} recorded"
    lines = ["", title, f"  ({facts})"]
    lines += [f"  > {n.text} [{n.rule}]" for n in season.steps]
    return lines


def _ecfmg(section: EcfmgSection) -> list[str]:
    lines = ["", f"ECFMG CERTIFICATION: {section.status}"]
    if section.status != "certified":
        for number, step in enumerate(section.steps, start=1):
            lines.append(f"  {number}. {step.title}: {step.state} (about {step.weeks} weeks)")
    lines += [f"  - {n.text} [{n.rule}]" for n in section.notes]
    return lines


def _strategy(s: Strategy) -> list[str]:
    lines = ["", "STRATEGY"]
    if s.blocked is None:
        lines.append(f"  Primary:  {pathway_name(s.primary)} ({verdict_label(s.primary_verdict)})")
        if s.parallel:
            lines.append(f"  Parallel: {', '.join(pathway_name(p) for p in s.parallel)}")
        lines += _applications(s)
    else:
        lines.append("  No applications (see above)")
    lines += [f"  - {note.text} [{note.rule}]" for note in s.notes]
    return lines


def _applications(s: Strategy) -> list[str]:
    a = s.applications
    lines = []
    if a.by_track:
        split = ", ".join(f"{pathway_name(t)} {r.min}-{r.max}" for t, r in a.by_track.items())
        lines.append(f"  Applications: {a.min}-{a.max} ({split})")
        lines.append(
            "  Tiers: " + " · ".join(f"{name} {t.min}-{t.max}" for name, t in s.tiers.items())
        )
    if a.every_programme:
        names = ", ".join(pathway_name(p) for p in a.every_programme)
        lines.append(f"  Every programme: {names}")
    return lines


def _notes(title: str, notes: list[RuleNote]) -> list[str]:
    if not notes:
        return []
    return ["", title, *(f"  - {n.text} [{n.rule}]" for n in notes)]


def _pathway(p: PathwayVerdict) -> list[str]:
    lines = [f"{pathway_name(p.pathway).upper()}: {verdict_label(p.verdict)}"]
    lines += _reasons(p.reasons)
    if p.next_steps:
        lines.append("  Next steps:")
        lines += [f"    > {step.text} [{step.rule}]" for step in p.next_steps]
    return lines
