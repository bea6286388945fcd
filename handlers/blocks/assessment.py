"""The assessment message: a verdict line per pathway, its reasons and next steps, the strategy."""

from __future__ import annotations

from typing import Any

from bot.assessment.dto import Assessment, PathwayVerdict
from bot.vocab import Effect, Verdict, label
from handlers.blocks.kit import (
    Blocks,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    message,
    section,
)
from handlers.ids import Action
from handlers.payloads import MenteeRef

VERDICT_ICONS = {
    Verdict.BLOCKED: ":no_entry:",
    Verdict.LONG_SHOT: ":red_circle:",
    Verdict.REACH: ":large_orange_circle:",
    Verdict.REALISTIC: ":large_green_circle:",
    Verdict.STRONG: ":star:",
}
EFFECT_MARKS = {Effect.POSITIVE: "➕", Effect.NEGATIVE: "➖", Effect.NEUTRAL: "•"}


def verdict_line(verdict: PathwayVerdict) -> str:
    return f"{VERDICT_ICONS[verdict.verdict]} *{label(verdict.pathway)}*: {label(verdict.verdict)}"


def assessment_message(
    assessment: Assessment, *, mentee_id: str, shareable: bool
) -> dict[str, Any]:
    s = assessment.strategy
    blocks: Blocks = [
        header(f"Assessment: {assessment.name}"),
        section("\n".join(verdict_line(p) for p in assessment.pathways)),
        section(_strategy(assessment)),
    ]
    flags = assessment.red_flags + assessment.flags
    if flags:
        blocks.append(
            section(
                "*Flags*\n"
                + "\n".join(f":triangular_flag_on_post: {escape(f.text)} `{f.rule}`" for f in flags)
            )
        )
    for pathway in assessment.pathways:
        blocks += [divider(), section(_pathway(pathway))]
    blocks.append(
        context(
            f"As of {assessment.as_of} · ruleset {assessment.ruleset.name} "
            f"{assessment.ruleset.version} · each line cites its rule id"
        )
    )
    if shareable:
        ref = MenteeRef(mentee=mentee_id).dump()
        blocks.append(
            actions(
                button("Post to dashboard thread", Action.SHARE_ASSESSMENT, ref),
                button("Open profile", Action.OPEN_PROFILE, ref),
            )
        )
    return message(
        blocks,
        f"Assessment of {assessment.name}: primary {label(s.primary)} is "
        f"{label(s.primary_verdict)}",
    )


def _strategy(assessment: Assessment) -> str:
    s = assessment.strategy
    lines = [f"*Strategy*: primary *{label(s.primary)}* ({label(s.primary_verdict)})"]
    if s.parallel:
        lines.append("Parallel: " + ", ".join(label(p) for p in s.parallel))
    split = ", ".join(f"{label(t)} {r.min}-{r.max}" for t, r in s.applications.by_track.items())
    lines.append(
        f"Applications: {s.applications.min}-{s.applications.max}"
        + (f" ({split})" if split else "")
    )
    lines.append("Tiers: " + " · ".join(f"{n} {t.min}-{t.max}" for n, t in s.tiers.items()))
    lines += [f"• {escape(n.text)} `{n.rule}`" for n in s.notes]
    return "\n".join(lines)


def _pathway(p: PathwayVerdict) -> str:
    lines = [verdict_line(p)]
    lines += [f"{EFFECT_MARKS[r.effect]} {escape(r.text)} `{r.rule}`" for r in p.reasons]
    if p.next_steps:
        lines.append("_Next steps_")
        lines += [f"→ {escape(n.text)} `{n.rule}`" for n in p.next_steps]
    return "\n".join(lines)
