"""App Home: a mentee sees their own summary; a mentor sees their roster, flags first."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.assessment.dto import SeasonSection
from bot.assessment.text import PHASES
from bot.flags.service import FlagRead
from bot.mentees.dto import MenteeRead, MenteeSummary, MilestoneRead
from bot.vocab import label
from handlers.blocks.kit import (
    Blocks,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    section,
)
from handlers.ids import Action
from handlers.payloads import ItemForm, MenteeRef

ROSTER_ROWS = 40  # two blocks each; App Home holds 100


class HomeData(BaseModel):
    """What App Home shows one person; each part is None when it does not apply."""

    model_config = ConfigDict(frozen=True)

    own: MenteeRead | None = None
    own_milestones: list[MilestoneRead] = []
    own_flags: list[FlagRead] = []
    own_season: SeasonSection | None = None
    own_alert: str | None = None
    roster: list[MenteeSummary] = []
    roster_flags: list[FlagRead] = []


def home_view(data: HomeData, *, today: date) -> dict[str, Any]:
    blocks: Blocks = [header("MatchPath")]
    if data.own is not None:
        blocks += _mentee(data, today)
    if data.roster or data.roster_flags:
        blocks += _mentor(data)
    if data.own is None and not data.roster:
        blocks.append(
            section(
                "You are not enrolled in MatchPath yet. Your programme's admin or a "
                "mentor can enrol you; `/matchpath help` lists the commands."
            )
        )
    blocks.append(context("Type `/matchpath help` in any channel for every command."))
    return {"type": "home", "blocks": blocks[:100]}


def _mentee(data: HomeData, today: date) -> Blocks:
    own = data.own
    assert own is not None
    p = own.profile
    me = own.person.slack_user_id
    upcoming = (
        "\n".join(
            f"• {escape(m.title)}: due {m.due_on}{' (overdue)' if m.due_on < today else ''}"
            for m in data.own_milestones[:5]
        )
        or "No open milestones."
    )
    flags = "\n".join(f"• `{f.rule}` {escape(f.detail)}" for f in data.own_flags[:5])
    blocks: Blocks = [
        section(
            f"*Your profile*: {label(p.applicant_type)}, {label(p.visa)}, "
            f"targets {', '.join(label(t) for t in p.targets) or 'not set'}"
        ),
        section(f"*Next milestones*\n{upcoming}"),
    ]
    if data.own_alert:
        blocks.insert(1, section(f":no_entry: {escape(data.own_alert)}"))
    if data.own_season is not None:
        s = data.own_season
        steps = "\n".join(f"→ {escape(n.text)} `{n.rule}`" for n in s.steps[:3])
        phase = PHASES.get(s.phase, s.phase)
        blocks.insert(2, section(f":calendar: *Your {s.season} season: {phase}*\n{steps}"))
    if flags:
        blocks.append(section(f"*Open flags*\n{flags}"))
    blocks.append(
        actions(
            button("Open profile", Action.OPEN_PROFILE, MenteeRef(mentee=me).dump()),
            button("Assess", Action.ASSESS, MenteeRef(mentee=me).dump()),
            *(
                button(f"Log {kind}", Action.LOG_ITEM, ItemForm(mentee=me, kind=kind).dump())
                for kind in ("exam", "letter", "research", "usce")
            ),
        )
    )
    return blocks


def _mentor(data: HomeData) -> Blocks:
    flagged = {f.mentee.slack_user_id for f in data.roster_flags}
    ordered = sorted(
        data.roster, key=lambda m: (m.person.slack_user_id not in flagged, m.person.name)
    )
    blocks: Blocks = [divider(), section(f"*Your mentees* ({len(ordered)})")]
    for m in ordered[:ROSTER_ROWS]:
        count = sum(
            1 for f in data.roster_flags if f.mentee.slack_user_id == m.person.slack_user_id
        )
        flag = f" :triangular_flag_on_post: {count}" if count else ""
        ref = MenteeRef(mentee=m.person.slack_user_id).dump()
        blocks.append(
            section(
                f"*{escape(m.person.name)}*{flag} · {label(m.status)} · "
                f"{', '.join(label(t) for t in m.targets) or 'no targets'}"
            )
        )
        blocks.append(
            actions(
                button("Profile", Action.OPEN_PROFILE, ref),
                button("Assess", Action.ASSESS, ref),
                button("Record check-in", Action.RECORD_CHECKIN, ref),
            )
        )
    if len(ordered) > ROSTER_ROWS:
        blocks.append(context(f"{len(ordered) - ROSTER_ROWS} more: `/matchpath dashboard`."))
    return blocks
