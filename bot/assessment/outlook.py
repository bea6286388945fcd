"""An assessment in a line or two, for the surfaces that show it in passing (the dashboard card,
App Home): the season's phase with its step, and what must be said first."""

from __future__ import annotations

from bot.assessment.dto import Assessment
from bot.assessment.text import PHASES
from bot.vocab import plural


def season_line(result: Assessment) -> str:
    """The season the mentee is in or aims at, its phase, and the step it calls for."""
    s = result.season
    state = "applied" if s.applied else "not applied"
    if s.interviews is not None:
        state += f", {plural(s.interviews, 'interview invitation')}"
    step = f": {s.steps[-1].text}" if s.steps else ""
    return f"{s.season} · {PHASES.get(s.phase, s.phase)} · {state}{step}"


def alert_line(result: Assessment) -> str | None:
    blocked = result.strategy.blocked
    if blocked is not None:
        return f"Every Match route blocked: {blocked.why[0].text}" if blocked.why else None
    ecfmg = result.ecfmg
    if ecfmg is not None and ecfmg.status != "certified" and ecfmg.notes:
        return f"ECFMG {ecfmg.status}: {ecfmg.notes[0].text}"
    return None
