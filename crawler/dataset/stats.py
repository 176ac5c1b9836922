"""What the dataset card tells about each edition, counted as the rows go by (no row is kept)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crawler.arguments import next_month
from crawler.dataset.rows import SCHEMA


@dataclass
class EditionStats:
    articles: int = 0
    sections: Counter = field(default_factory=Counter)
    months: Counter = field(default_factory=Counter)  # date(year, month, 1) -> articles published
    sources: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)  # field -> rows where it has a value
    undated: int = 0  # without `published`
    updated: int = 0  # latest version above 1: the article changed after it was first crawled
    first_published: datetime | None = None
    last_published: datetime | None = None
    first_crawled: datetime | None = None
    last_crawled: datetime | None = None
    arrow_bytes: int = 0  # the rows' size in Arrow, told by their writer

    def add(self, row: dict[str, Any]) -> None:
        self.articles += 1
        self.sections[row["section"]] += 1
        self.sources[row["source"]] += 1
        self.present.update(name for name, value in row.items() if has_value(value))
        if row["version"] > 1:
            self.updated += 1
        published = row["published"]
        if published is None:
            self.undated += 1
        else:
            self.months[date(published.year, published.month, 1)] += 1
            self.first_published, self.last_published = _widen(self.first_published, self.last_published, published)
        if row["crawled_at"] is not None:
            self.first_crawled, self.last_crawled = _widen(self.first_crawled, self.last_crawled, row["crawled_at"])

    def coverage(self) -> dict[str, float]:
        """Per field, the % of articles where it has a value (see has_value)."""
        return {name: 100 * self.present[name] / self.articles for name in SCHEMA.names}


def has_value(value: Any) -> bool:
    """Not null, not an empty text or list, not a struct whose fields are all null."""
    if isinstance(value, dict):
        return any(has_value(item) for item in value.values())
    return value is not None and value != "" and value != []


def monthly_series(editions: dict[str, EditionStats]) -> tuple[list[date], dict[str, list[float]]]:
    """Every month from the first article's to the last one's, and per edition its articles in
    each: NaN for a month without any, so that a line plot leaves a gap there."""
    known = [month for stats in editions.values() for month in stats.months]
    if not known:
        return [], {name: [] for name in editions}
    months = []
    month, last = min(known), max(known)
    while month <= last:
        months.append(month)
        month = next_month(month)
    series = {name: [float(stats.months[month]) if stats.months[month] else math.nan for month in months]
              for name, stats in editions.items()}
    return months, series


def _widen(first, last, moment):
    return (moment if first is None or moment < first else first,
            moment if last is None or moment > last else last)
