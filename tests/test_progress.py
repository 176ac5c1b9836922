"""The progress line (crawler.progress): its counts and ETA from given stats on a fixed clock, and the
lines a slow backfill logs."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.progress import ProgressLog
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

START = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now


def progress(counts):
    """A ProgressLog started at START on these stats, and its clock."""
    crawler = get_crawler()
    crawler.stats.open_spider()
    for name, value in counts.items():
        crawler.stats.set_value(name, value)
    clock = Clock()
    extension = ProgressLog(crawler.stats, interval=60, clock=clock)
    extension.start()
    return extension, clock


def line_after(counts, seconds):
    extension, clock = progress(counts)
    clock.now = START + timedelta(seconds=seconds)
    return extension.line()


BACKFILL = {"discovery/requested": 5, "discovery/ok": 3, "discovery/failed": 1, "discovery/months": 24,
            "discovery/months_read": 3, "articles/discovered": 75, "articles/fetched": 70, "articles/new": 68,
            "articles/updated": 2, "response_received_count": 120}


def test_a_backfill_estimates_its_articles_from_the_months_read():
    # 75 articles in 3 of 24 months: ~600; 530 left at 70 a minute.
    assert line_after(BACKFILL, 60) == (
        "listings read 4 of 5 (months 3 of 24), articles fetched 70 of 75 discovered (~600 expected), "
        "new 68, updated 2, 120 pages/min, ETA 2024-03-01 12:08:34 UTC (in 0:07:34)")


def test_a_backfill_whose_months_are_all_read_knows_its_total():
    counts = {**BACKFILL, "discovery/requested": 25, "discovery/ok": 24, "discovery/months_read": 24,
              "articles/discovered": 600, "articles/fetched": 500, "response_received_count": 530}
    # 100 left at 50 a minute.
    assert line_after(counts, 600) == (
        "listings read 25 of 25 (months 24 of 24), articles fetched 500 of 600 discovered, "
        "new 68, updated 2, 53 pages/min, ETA 2024-03-01 12:12:00 UTC (in 0:02:00)")


def test_pages_per_minute_are_those_since_the_line_before():
    extension, clock = progress(BACKFILL)
    clock.now = START + timedelta(seconds=60)
    extension.line()
    extension.stats.set_value("response_received_count", 150)
    extension.stats.set_value("articles/discovered", 100)
    extension.stats.set_value("articles/fetched", 100)
    clock.now = START + timedelta(seconds=90)
    # 30 pages in half a minute; 700 articles left at 100 in 1.5 minutes.
    assert extension.line() == (
        "listings read 4 of 5 (months 3 of 24), articles fetched 100 of 100 discovered (~800 expected), "
        "new 68, updated 2, 60 pages/min, ETA 2024-03-01 12:12:00 UTC (in 0:10:30)")


def test_a_web_archive_knows_its_total_once_its_indexes_are_read():
    counts = {"archive/cdx_records": 1200, "articles/discovered": 300, "articles/fetched": 100,
              "articles/new": 100, "response_received_count": 130}
    assert line_after(counts, 600) == (
        "CDX records read 1200, articles fetched 100 of 300 discovered, new 100, updated 0, 13 pages/min, "
        "ETA 2024-03-01 12:30:00 UTC (in 0:20:00)")


@pytest.mark.parametrize("counts, line", [
    # Still reading the archive's indexes: nothing discovered yet.
    ({"archive/cdx_records": 400, "response_received_count": 4},
     "CDX records read 400, articles fetched 0 of 0 discovered, new 0, updated 0, 4 pages/min"),
    # Feeds and sitemaps of a default run: no total.
    ({"discovery/requested": 2, "discovery/ok": 2, "articles/discovered": 40, "articles/fetched": 30,
      "articles/new": 30, "response_received_count": 33},
     "listings read 2 of 2, articles fetched 30 of 40 discovered, new 30, updated 0, 33 pages/min"),
    # A backfill before its first month is read.
    ({"discovery/requested": 2, "discovery/ok": 1, "discovery/months": 24, "response_received_count": 2},
     "listings read 1 of 2 (months 0 of 24), articles fetched 0 of 0 discovered, new 0, updated 0, 2 pages/min"),
    # A backfill whose first articles are not in yet: no rate to go by.
    ({**BACKFILL, "articles/fetched": 0, "articles/new": 0, "articles/updated": 0},
     "listings read 4 of 5 (months 3 of 24), articles fetched 0 of 75 discovered (~600 expected), "
     "new 0, updated 0, 120 pages/min"),
])
def test_no_eta_without_a_total_and_a_rate(counts, line):
    assert line_after(counts, 60) == line


def test_progress_interval_0_turns_the_lines_off():
    with pytest.raises(NotConfigured):
        ProgressLog.from_crawler(get_crawler(settings_dict={"PROGRESS_INTERVAL": 0}))
    assert ProgressLog.from_crawler(get_crawler(settings_dict={"PROGRESS_INTERVAL": "0.5"})).interval == 0.5


PROGRESS = re.compile(r"\[crawler\.progress\] INFO: Progress: .*articles fetched (\d+) of \d+ discovered")


def test_a_slow_backfill_logs_its_progress(tmp_path):
    specs = [fixture.spec for fixture in ARTICLES]
    with Mirror() as mirror:
        built = build_site(mirror, specs)
        assert len(built.monthly_sitemaps) == 3
        for path in built.articles:
            mirror.add_fault(path, "slow:0.5")
        # 10 pages, 4 at a time, half a second each: at least 1.5 s of articles, 3 or more lines.
        result = run_crawl(tmp_path, "since=2024-01-01",
                           settings={"RFI_BASE_URL": mirror.base_url, "PROGRESS_INTERVAL": "0.5"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.items) == len(specs)
    lines = [line for line in result.stderr.splitlines() if PROGRESS.search(line)]
    fetched = [int(PROGRESS.search(line)[1]) for line in lines]
    # The first line comes before any page has had its half second; a later one after.
    assert len(lines) >= 2 and fetched == sorted(fetched) and fetched[0] == 0 < fetched[-1], lines
    assert all(" ETA " in line for line, count in zip(lines, fetched) if count), lines
    # Scrapy's own line stays.
    assert "[scrapy.extensions.logstats] INFO: Crawled 0 pages" in result.stderr
