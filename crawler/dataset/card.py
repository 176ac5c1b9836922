"""The dataset card (DIR/README.md): YAML front matter the Hugging Face Hub reads, then what a
reader needs before trusting the data: what is in it, how it was made, how to load it, whose
text it is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from crawler.dataset.parquet import ROWS_PER_GROUP
from crawler.dataset.rows import SCHEMA
from crawler.dataset.stats import EditionStats
from crawler.editions import EDITIONS
from crawler.wording import counted

EDITION_OF_SPIDER = {edition.spider: edition for edition in EDITIONS}
PRETTY_NAME = "RFI Chinese service articles"
MONTH_PLOT = "plots/articles_per_month.png"
COVERAGE_PLOT = "plots/field_coverage.png"


@dataclass
class Provenance:
    command: str  # as it was run
    files: list[Path]  # run files read, in order
    records: int
    cut_lines: int
    rows_per_file: int


def render(editions: dict[str, EditionStats], provenance: Provenance) -> str:
    """The card's text for the spiders' stats in `editions` (spider name -> stats)."""
    return "---\n" + yaml.safe_dump(front_matter(editions), sort_keys=False, allow_unicode=True) + "---\n\n" + \
        "\n".join(_body(editions, provenance))


def front_matter(editions: dict[str, EditionStats]) -> dict:
    total = sum(stats.articles for stats in editions.values())
    return {
        "pretty_name": PRETTY_NAME,
        "language": ["zh"],
        "license": "other",
        "size_categories": [size_category(total)],
        "configs": [
            {"config_name": EDITION_OF_SPIDER[spider].code,
             "data_files": [{"split": "train", "path": f"data/{spider}/*.parquet"}]}
            for spider in editions
        ],
        # The articles per config, where the Hub and `datasets` read them (it wants num_bytes too).
        "dataset_info": [
            {"config_name": EDITION_OF_SPIDER[spider].code,
             "splits": [{"name": "train", "num_bytes": stats.arrow_bytes, "num_examples": stats.articles}]}
            for spider, stats in editions.items()
        ],
    }


def size_category(count: int) -> str:
    """The Hub's size_categories bucket for `count` rows."""
    buckets = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
               (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    for bound, name in buckets:
        if count < bound:
            return name
    return "100M<n<1B"


def _body(editions: dict[str, EditionStats], provenance: Provenance):
    total = sum(stats.articles for stats in editions.values())
    yield f"# {PRETTY_NAME}"
    yield ""
    yield (f"{total:,} articles of RFI's Chinese service (Radio France Internationale, "
           f"https://www.rfi.fr/), one row per article in its latest version, in "
           f"{counted(len(editions), 'edition')}: " +
           ", ".join(f"`{EDITION_OF_SPIDER[spider].code}` ({EDITION_OF_SPIDER[spider].script}, "
                     f"https://www.rfi.fr/{EDITION_OF_SPIDER[spider].code}/)" for spider in editions) + ".")
    yield ""
    yield "## Contents"
    yield ""
    yield "| config | language | articles | first published | last published | without a date | updated (version > 1) | files |"
    yield "|---|---|---:|---|---|---:|---:|---|"
    for spider, stats in editions.items():
        edition = EDITION_OF_SPIDER[spider]
        yield (f"| `{edition.code}` | {edition.language} | {stats.articles:,} | {_day(stats.first_published)} | "
               f"{_day(stats.last_published)} | {stats.undated:,} | {stats.updated:,} ({_percent(stats.updated, stats.articles)}) | "
               f"`data/{spider}/*.parquet` |")
    yield ""
    yield ("An article is updated when RFI changed it after it was first crawled: each change seen is a "
           "new `version`, and only the latest is kept here.")
    yield ""
    yield f"![Articles per month]({MONTH_PLOT})"
    yield ""
    yield "### Articles per section"
    yield ""
    for spider, stats in editions.items():
        yield f"`{EDITION_OF_SPIDER[spider].code}`:"
        yield ""
        yield "| section | articles | % |"
        yield "|---|---:|---:|"
        for section, count in sorted(stats.sections.items(), key=lambda item: (-item[1], str(item[0]))):
            yield f"| {section if section is not None else '(none)'} | {count:,} | {_percent(count, stats.articles)} |"
        yield ""
    yield "### Fields and their coverage"
    yield ""
    yield ("Coverage is the share of articles where the field has a value: not null, not an empty list, "
           "not a struct whose fields are all null. The fields and their meaning are those of the crawler's "
           "JSON Schema (`crawler/schemas/article.json`).")
    yield ""
    yield "| field | type | " + " | ".join(f"`{EDITION_OF_SPIDER[spider].code}` %" for spider in editions) + " |"
    yield "|---|---|" + "---:|" * len(editions)
    coverage = {spider: stats.coverage() for spider, stats in editions.items()}
    for field in SCHEMA:
        yield (f"| `{field.name}` | `{field.type}` | " +
               " | ".join(f"{coverage[spider][field.name]:.1f}" for spider in editions) + " |")
    yield ""
    yield f"![Field coverage]({COVERAGE_PLOT})"
    yield ""
    yield "## How it was made"
    yield ""
    yield ("- Spiders: " + ", ".join(f"`{spider}` ({EDITION_OF_SPIDER[spider].script})" for spider in editions) +
           ", of rfi-crawler (Scrapy), one JSON line per article.")
    sources = sum((stats.sources for stats in editions.values()), Counter())
    yield ("- Sources (the articles' `source`): " +
           ", ".join(f"{source} {count:,}" for source, count in sources.most_common()) +
           " — `rfi` is rfi.fr itself; the others are republications or web archives of its pages.")
    crawled = [stats for stats in editions.values() if stats.first_crawled]
    if crawled:
        yield (f"- Crawled from {_day(min(stats.first_crawled for stats in crawled))} "
               f"to {_day(max(stats.last_crawled for stats in crawled))}.")
    yield (f"- Run files read: {len(provenance.files):,}, holding {provenance.records:,} records"
           + (f" ({counted(provenance.cut_lines, 'last line')} cut short by a stopped run, skipped)"
              if provenance.cut_lines else "") + ".")
    yield ("- The latest version of each article (by `id`: the highest `version`, the later run file on a tie), "
           f"sorted by `published`, written with pyarrow in files of at most {provenance.rows_per_file:,} rows "
           f"(row groups of {ROWS_PER_GROUP:,}), by:")
    yield ""
    yield "  ```sh"
    yield f"  {provenance.command}"
    yield "  ```"
    yield ""
    yield "<details><summary>The run files, in the order they were read</summary>"
    yield ""
    for file in provenance.files:
        yield f"- `{file}`"
    yield ""
    yield "</details>"
    yield ""
    yield "## How to load it"
    yield ""
    yield "From this folder (or, for `datasets`, the Hub repository it is pushed to):"
    yield ""
    yield "```python"
    spider = next(iter(editions))
    code = EDITION_OF_SPIDER[spider].code
    yield f'pandas.read_parquet("data/{spider}")'
    yield f"duckdb.sql(\"SELECT * FROM 'data/{spider}/*.parquet'\")"
    yield f'datasets.load_dataset("path/or/user/repo", "{code}", split="train")'
    yield "```"
    yield ""
    yield "## Whose text this is"
    yield ""
    yield ("The articles — their text, titles, ledes and the captions and credits of their images — belong to "
           "RFI (France Médias Monde). This dataset collects them from RFI's public pages; it is not published by "
           "RFI and grants no licence to them: `license: other` means that no open licence covers the text. Use "
           "that your law allows without the rights holder's permission, such as research and text and data "
           "mining where RFI has not reserved them, or quoting short extracts with attribution, is yours to "
           "judge. Republishing articles, passing this dataset on, or commercial use needs RFI's permission. "
           "Images are not included, only their URLs.")
    yield ""


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "—"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"
