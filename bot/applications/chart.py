"""The cohort report's chart: one PNG to read on a phone. Two panels of few, thick, horizontal
bars with their counts written on them: the applications at each step, then how the mentees'
seasons ended. Pure: a report in, PNG bytes out.

matplotlib is imported when a chart is drawn (it takes a moment, and most processes never
draw one), and only its Agg canvas is used: no window, no global pyplot state shared between
threads.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bot.applications.report import CohortReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FUNNEL_COLOUR = "#0072B2"  # Okabe-Ito blue: the same for every step, so length alone reads
OUTCOME_COLOURS = ("#009E73", "#D55E00", "#999999")  # matched, not matched, under way
WIDTH_IN, HEIGHT_IN, DPI = 7.5, 10.0, 120  # 900 x 1200 pixels: a phone screen, portrait


def render_chart(report: CohortReport) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    apps = report.row("applications")
    people = report.row("mentees")
    steps = [
        ("Applied", apps.applied),
        ("Interview\ninvited", apps.invited),
        ("Interviewed", apps.interviewed),
        ("Ranked", apps.ranked),
        ("Matched", apps.matched),
    ]
    outcomes = [
        ("Matched", people.matched),
        ("Not matched", people.not_matched),
        ("Under way", people.open),
    ]
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    whose = "all" if report.scope == "every mentee" else "your"
    figure.suptitle(
        f"{report.season} season: {whose} {people.mentees} mentees",
        fontsize=22,
        fontweight="bold",
    )
    top, bottom = figure.subplots(2, 1, height_ratios=[5, 3])
    _bars(top, steps, [FUNNEL_COLOUR] * len(steps), f"Applications ({apps.listed} listed)")
    _bars(
        bottom,
        outcomes,
        list(OUTCOME_COLOURS),
        f"Mentees' outcomes ({people.listed} with a list)",
    )
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _bars(axes: Axes, bars: list[tuple[str, int]], colours: list[str], title: str) -> None:
    names = [name for name, _ in bars][::-1]  # the first step on top
    counts = [count for _, count in bars][::-1]
    drawn = axes.barh(names, counts, color=colours[::-1], height=0.7)
    axes.bar_label(drawn, labels=[f"{c:,}" for c in counts], padding=6, fontsize=20)
    axes.set_title(title, fontsize=19, loc="left")
    axes.tick_params(axis="y", labelsize=18, length=0)
    # The counts are written on the bars: an axis of numbers would only crowd a small screen.
    axes.xaxis.set_visible(False)
    # Room on the right for the longest bar's count.
    axes.set_xlim(0, max([*counts, 1]) * 1.25)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
