"""The assessment as plain text, for a mentor to paste into an email."""

from __future__ import annotations

from bot.assessment.dto import Assessment, PathwayVerdict, RuleNote
from bot.assessment.wording import pathway_name
from bot.vocab import Effect, Verdict, label

MARKS = {Effect.POSITIVE: "+", Effect.NEGATIVE: "-", Effect.NEUTRAL: "·"}


def verdict_label(verdict: Verdict) -> str:
    return label(verdict)


def render_text(assessment: Assessment) -> str:
    s = assessment.strategy
    lines = [
        f"Pathway assessment: {assessment.name}",
        f"As of {assessment.as_of} · ruleset {assessment.ruleset.name} "
        f"{assessment.ruleset.version}",
        "",
        "VERDICTS",
    ]
    width = max(len(pathway_name(p.pathway)) for p in assessment.pathways)
    for p in assessment.pathways:
        lines.append(f"  {pathway_name(p.pathway):<{width}}  {verdict_label(p.verdict)}")
    lines += [
        "",
        "STRATEGY",
        f"  Primary:  {pathway_name(s.primary)} ({verdict_label(s.primary_verdict)})",
    ]
    if s.parallel:
        lines.append(f"  Parallel: {', '.join(pathway_name(p) for p in s.parallel)}")
    split = ", ".join(
        f"{pathway_name(t)} {r.min}-{r.max}" for t, r in s.applications.by_track.items()
    )
    lines.append(
        f"  Applications: {s.applications.min}-{s.applications.max}"
        + (f" ({split})" if split else "")
    )
    lines.append(
        "  Tiers: " + " · ".join(f"{name} {tier.min}-{tier.max}" for name, tier in s.tiers.items())
    )
    lines += [f"  - {note.text} [{note.rule}]" for note in s.notes]
    lines += _notes("RED FLAGS", assessment.red_flags)
    lines += _notes("STAGNATION FLAGS", assessment.flags)
    for p in assessment.pathways:
        lines += ["", *_pathway(p)]
    return "\n".join(lines) + "\n"


def _notes(title: str, notes: list[RuleNote]) -> list[str]:
    if not notes:
        return []
    return ["", title, *(f"  - {n.text} [{n.rule}]" for n in notes)]


def _pathway(p: PathwayVerdict) -> list[str]:
    lines = [f"{pathway_name(p.pathway).upper()}: {verdict_label(p.verdict)}"]
    lines += [f"  {MARKS[r.effect]} {r.text} [{r.rule}]" for r in p.reasons]
    if p.next_steps:
        lines.append("  Next steps:")
        lines += [f"    > {step.text} [{step.rule}]" for step in p.next_steps]
    return lines
