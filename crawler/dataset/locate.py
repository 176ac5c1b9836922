"""The latest version of each article, as where it lies in the run files, read back in order.

A ten-year backfill does not fit in memory as records. crawler.compaction's selection
keeps, per id, only which run file, line and byte offset hold its latest version; the
records are then read back one at a time, in `published` order, with a seek each.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from crawler.compaction import CompactionError, select_latest
from crawler.editions import EDITIONS
from crawler.jsonl import CutLine, MalformedLine, value_at

# The spider that crawls each edition: spiders are named rfi_<edition> (crawler/spiders).
SPIDERS = {edition.code: edition.spider for edition in EDITIONS}


class ChangedInput(CompactionError):
    """A run file no longer holds, where it was read, the record selected from it."""


class Location(NamedTuple):
    id: str
    spider: str
    file_index: int
    line_number: int
    offset: int  # of the line in its file


@dataclass
class Located:
    files: list[Path]  # the run files, in the order they were read
    records: int  # valid records read
    cut_lines: list[CutLine]
    articles: list[Location]  # the latest version of each article, by ascending published

    def spiders(self) -> dict[str, int]:
        """Articles per spider, in SPIDERS' order."""
        counts = dict.fromkeys(SPIDERS.values(), 0)
        for article in self.articles:
            counts[article.spider] += 1
        return {spider: count for spider, count in counts.items() if count}


def locate(files: list[Path]) -> Located:
    """Select the latest version of each article in `files` (MalformedLine as compact raises it,
    and for an `edition` that no spider crawls)."""

    def keep(file_index: int, line_number: int, offset: int, record: dict[str, Any]) -> Location:
        spider = SPIDERS.get(record.get("edition"))
        if spider is None:
            got = json.dumps(record.get("edition"), ensure_ascii=False)
            raise MalformedLine(files[file_index], line_number,
                                f'"edition" is not one of {", ".join(SPIDERS)} (got {got})')
        return Location(record["id"], spider, file_index, line_number, offset)

    latest = select_latest(files, keep)
    articles = latest.in_published_order()
    return Located(files=files, records=latest.records, cut_lines=latest.cut_lines, articles=articles)


def read_in_order(located: Located) -> Iterator[tuple[Location, dict[str, Any]]]:
    """(location, record) of each article, by ascending published."""
    streams = _OpenFiles(located.files)
    try:
        for article in located.articles:
            yield article, _record_at(located.files[article.file_index], article, streams.get(article.file_index))
    finally:
        streams.close()


def _record_at(file: Path, article: Location, stream) -> dict[str, Any]:
    # The line was valid when selected; a run file rewritten since then is not read on a guess.
    try:
        record = value_at(stream, article.offset)
    except ValueError:
        record = None
    if not isinstance(record, dict) or record.get("id") != article.id:
        raise ChangedInput(f"{file}:{article.line_number}: the file changed while it was read; run again")
    return record


class _OpenFiles:
    """Run files opened as needed, at most LIMIT at a time: the articles of one month can lie
    in any of thousands of run files (scrapyd items files), more than a process may open."""

    LIMIT = 64

    def __init__(self, files: list[Path]):
        self.files = files
        self.streams: OrderedDict[int, Any] = OrderedDict()

    def get(self, file_index: int):
        stream = self.streams.pop(file_index, None)
        if stream is None:
            if len(self.streams) >= self.LIMIT:
                self.streams.popitem(last=False)[1].close()
            stream = open(self.files[file_index], "rb")
        self.streams[file_index] = stream  # now the most recently used
        return stream

    def close(self) -> None:
        for stream in self.streams.values():
            stream.close()
        self.streams.clear()
