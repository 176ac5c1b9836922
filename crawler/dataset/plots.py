"""The card's images, drawn with matplotlib's object API (no pyplot: no global figure state,
no display needed; PNGs are rendered by the Agg backend). Labels are ASCII (field names,
spider names), so no CJK font is needed."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from crawler.dataset.rows import SCHEMA
from crawler.dataset.stats import EditionStats, monthly_series


def articles_per_month(editions: dict[str, EditionStats], path: Path) -> None:
    """One line per edition; a month without articles is NaN in the series, so the line
    breaks there instead of joining its neighbours. Markers keep a month between two gaps visible."""
    months, series = monthly_series(editions)
    figure = Figure(figsize=(10, 4))
    figure.subplots_adjust(left=0.07, right=0.98, top=0.91, bottom=0.08)
    axes = figure.add_subplot()
    for name, counts in series.items():
        axes.plot(months, counts, marker="o", markersize=2.5, linewidth=1, label=name)
    axes.set_title("Articles per month by date of publication (a gap: no article that month)")
    axes.set_ylabel("articles")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path, format="png", dpi=100)


def field_coverage(editions: dict[str, EditionStats], path: Path) -> None:
    """Per field, the % of articles that have a value, one bar per edition."""
    names = list(editions)
    fields = SCHEMA.names
    inches = 0.3 * len(fields) * len(names) + 1.2
    figure = Figure(figsize=(8, inches))
    # Fixed margins rather than a layout engine, which draws the figure twice.
    figure.subplots_adjust(left=0.15, right=0.97, top=1 - 0.45 / inches, bottom=0.6 / inches)
    axes = figure.add_subplot()
    height = 0.8 / len(names)
    for offset, name in enumerate(names):
        coverage = editions[name].coverage()
        positions = [index + offset * height for index in range(len(fields))]
        axes.barh(positions, [coverage[field] for field in fields], height=height, label=name)
    axes.set_yticks([index + height * (len(names) - 1) / 2 for index in range(len(fields))], fields)
    axes.invert_yaxis()  # fields top to bottom in the schema's order
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of articles with a value")
    axes.set_title("Field coverage")
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right")
    figure.savefig(path, format="png", dpi=100)
