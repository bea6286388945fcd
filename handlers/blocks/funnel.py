"""A mentee's season in numbers, as the dashboard card and the profile show it: how many
applications reached each stage, and how the season ended (or that it is still open)."""

from __future__ import annotations

from typing import Any

from bot.applications.dto import SeasonFunnel
from bot.vocab import plural
from handlers.blocks.kit import section


def funnel_text(applications: SeasonFunnel) -> str:
    f = applications.funnel
    return (
        f"Applied {f.applied} · Invited {f.invited} · Interviewed {f.interviewed} · "
        f"Ranked {f.ranked} · Outcome: {f.outcome.label}"
    )


def funnel_section(applications: SeasonFunnel) -> dict[str, Any]:
    listed = plural(applications.funnel.listed, "programme")
    return section(
        f":clipboard: *Applications* ({applications.season} season, {listed} on the list)\n"
        + funnel_text(applications)
    )
