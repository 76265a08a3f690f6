"""The /stats chart: questions per day by outcome (stacked bars) and the answer rate (a line), as PNG.

matplotlib is imported here, lazily (it takes a while and only admins ever ask for a chart), with the Agg
backend (no screen) and without pyplot: a Figure of its own per call, so charts drawn in worker threads
(``asyncio.to_thread``) never share state.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from bot.services.stats import OUTCOMES, StatsReport

COLOURS = {"answered": "#2e7d32", "suggested": "#f9a825", "none": "#9e9e9e", "escalated": "#1565c0"}
RATE_COLOUR = "#c62828"


def render_png(report: StatsReport, labels: Mapping[str, str] | None = None) -> bytes:
    """``labels``: the texts shown (keys: the outcomes, "rate", "title", "questions"), English by default."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    text = {"answered": "answered", "suggested": "suggested", "none": "not found", "escalated": "to officials",
            "rate": "answer rate", "questions": "questions", "title": f"{report.days} days"}
    text.update(labels or {})
    figure = Figure(figsize=(9, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days = [d.day for d in report.per_day]
    bottom = [0] * len(days)
    width = 0.8 if len(days) <= 31 else 1.0
    for outcome in OUTCOMES:
        values = [d.counts[outcome] for d in report.per_day]
        axes.bar(days, values, bottom=bottom, width=width, color=COLOURS[outcome], label=text[outcome])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel(text["questions"])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(text["title"])
    rate_axes = axes.twinx()
    rates = [d.rate for d in report.per_day]
    rate_axes.plot(days, [float("nan") if r is None else r for r in rates], color=RATE_COLOUR, marker="o",
                   markersize=3, linewidth=1.5, label=text["rate"])
    rate_axes.set_ylim(0, 1.05)
    rate_axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    handles, names = axes.get_legend_handles_labels()
    more_handles, more_names = rate_axes.get_legend_handles_labels()
    axes.legend(handles + more_handles, names + more_names, loc="upper left", fontsize=8, framealpha=0.8)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
