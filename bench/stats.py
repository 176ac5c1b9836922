"""A stats collector that also writes the crawl's stats to $BENCH_STATS_FILE (JSON) when the spider closes.

Set with `-s STATS_CLASS=bench.stats.JsonFileStatsCollector`; it changes nothing else.
"""

import json
import os

from scrapy.statscollectors import MemoryStatsCollector


class JsonFileStatsCollector(MemoryStatsCollector):
    def _persist_stats(self, stats, *args):
        super()._persist_stats(stats, *args)
        path = os.environ.get("BENCH_STATS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as out:
                json.dump(stats, out, default=str, ensure_ascii=False, indent=1, sort_keys=True)
