"""The assessment message: a verdict line per pathway, its reasons and next steps, the strategy."""

from __future__ import annotations

from typing import Any

from bot.assessment.dto import (
    Assessment,
    Blocked,
    EcfmgSection,
    PathwayVerdict,
    Reason,
    RuleNote,
    SeasonSection,
)
from bot.assessment.text import PHASES, blocked_dates
from bot.vocab import Effect, Verdict, label, plural
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
    blocks: Blocks = [header(f"Assessment: {assessment.name}")]
    if assessment.record_problems:
        blocks.append(
            section("*:warning: Check the record*\n" + _notes(assessment.record_problems))
        )
    blocks.append(section("*Profile at a glance*\n" + _reasons(assessment.glance)))
    if s.blocked is not None:
        blocks.append(section(_blocked(s.blocked)))
    blocks += [
        section("\n".join(verdict_line(p) for p in assessment.pathways)),
        section(_season(assessment.season)),
    ]
    if assessment.ecfmg is not None:
        blocks.append(section(_ecfmg(assessment.ecfmg)))
    blocks.append(section(_strategy(assessment)))
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
    headline = (
        "every Match route is blocked"
        if s.blocked is not None
        else f"primary {label(s.primary)} is {label(s.primary_verdict)}"
    )
    return message(blocks, f"Assessment of {assessment.name}: {headline}")


def _notes(notes: list[RuleNote], mark: str = "•") -> str:
    return "\n".join(f"{mark} {escape(n.text)} `{n.rule}`" for n in notes)


def _reasons(reasons: list[Reason]) -> str:
    return "\n".join(f"{EFFECT_MARKS[r.effect]} {escape(r.text)} `{r.rule}`" for r in reasons)


def _blocked(blocked: Blocked) -> str:
    lines = [":no_entry: *Every Match route is blocked*", _notes(blocked.why, "➖")]
    if blocked.remedies:
        lines += [
            "_What unblocks it_",
            _notes(blocked.remedies, "→"),
            f"By when: {blocked_dates(blocked)}",
        ]
    return "\n".join(lines)


def _season(season: SeasonSection) -> str:
    estimate = ", dates estimated" if season.estimated else ""
    state = "applied" if season.applied else "not applied"
    if season.interviews is not None:
        state += f", {plural(season.interviews, 'interview invitation')}"
    title = f":calendar: *Season {season.season}: {PHASES.get(season.phase, season.phase)}*"
    return f"{title} ({state}{estimate})\n" + _notes(season.steps, "→")


def _ecfmg(section_: EcfmgSection) -> str:
    lines = [f":passport_control: *ECFMG certification: {section_.status}*"]
    if section_.status != "certified":
        lines += [
            f"{n}. {escape(step.title)}: {step.state} (about {step.weeks} weeks)"
            for n, step in enumerate(section_.steps, start=1)
        ]
    if section_.notes:
        lines.append(_notes(section_.notes))
    return "\n".join(lines)


def _strategy(assessment: Assessment) -> str:
    s = assessment.strategy
    if s.blocked is not None:
        lines = ["*Strategy*: no applications until a Match route opens"]
    else:
        lines = [f"*Strategy*: primary *{label(s.primary)}* ({label(s.primary_verdict)})"]
        if s.parallel:
            lines.append("Parallel: " + ", ".join(label(p) for p in s.parallel))
        a = s.applications
        if a.by_track:
            split = ", ".join(f"{label(t)} {r.min}-{r.max}" for t, r in a.by_track.items())
            lines.append(f"Applications: {a.min}-{a.max} ({split})")
            lines.append("Tiers: " + " · ".join(f"{n} {t.min}-{t.max}" for n, t in s.tiers.items()))
        if a.every_programme:
            lines.append("Every programme: " + ", ".join(label(p) for p in a.every_programme))
    lines.append(_notes(s.notes))
    return "\n".join(lines)


def _pathway(p: PathwayVerdict) -> str:
    lines = [verdict_line(p), _reasons(p.reasons)]
    if p.next_steps:
        lines.append("_Next steps_")
        lines.append(_notes(p.next_steps, "→"))
    return "\n".join(lines)
