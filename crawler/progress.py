"""One INFO line every PROGRESS_INTERVAL seconds on how far a long run has come, and when it should end:

  Progress: listings read 4 of 5 (months 3 of 24), articles fetched 70 of 75 discovered (~600 expected),
  new 70, updated 0, 120 pages/min, ETA 2024-03-01 13:00:00 CET (in 1:05:00)

It is read from the spider's stats (crawler/spiders/rfi.py); Scrapy's own LogStats line stays. An end is
given only when the run's total is known:
  a backfill (since=)   knows its months once the sitemap index is read; the months not read yet are
                        taken to hold as many articles as the average of those read (an estimate, "~")
  a web archive         (source=wayback, source=commoncrawl) discovers every capture it chose at once,
                        when its CDX indexes are read
The ETA is the articles left at the average fetch rate of the run so far. Feeds, sections, urls= and
saved files have no total: their line has no ETA.
"""

import logging
from datetime import datetime, timedelta

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

logger = logging.getLogger(__name__)


def local_now():
    return datetime.now().astimezone()


class ProgressLog:
    def __init__(self, stats, interval, clock=local_now):
        """clock: the current time, timezone-aware (tests give a fixed one)."""
        self.stats = stats
        self.interval = interval
        self.clock = clock
        self.task = None
        self.started = self.last_time = None
        self.last_pages = 0

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if not interval:
            raise NotConfigured
        extension = cls(crawler.stats, interval)
        # Once the engine runs, after the spider opened: periodic calls need its event loop (in-process
        # test runs open the spider without one).
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def engine_started(self):
        self.start()
        # Not at once: at the start every count is zero.
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def spider_closed(self):
        if self.task and self.task.running:
            self.task.stop()

    def start(self):
        self.started = self.last_time = self.clock()
        self.last_pages = 0

    def log(self):
        logger.info("Progress: %s", self.line())

    def line(self):
        now = self.clock()
        stat = lambda key: self.stats.get_value(key, 0)  # noqa: E731
        parts = []
        if stat("discovery/requested"):
            read = stat("discovery/ok") + stat("discovery/failed") + stat("discovery/unreadable")
            listings = f"listings read {read} of {stat('discovery/requested')}"
            if self.stats.get_value("discovery/months") is not None:
                listings += f" (months {stat('discovery/months_read')} of {stat('discovery/months')})"
            parts.append(listings)
        if stat("archive/cdx_records"):
            parts.append(f"CDX records read {stat('archive/cdx_records')}")
        fetched, discovered = stat("articles/fetched"), stat("articles/discovered")
        total, estimated = self.total()
        articles = f"articles fetched {fetched} of {discovered} discovered"
        if estimated:
            articles += f" (~{total} expected)"
        parts += [articles, f"new {stat('articles/new')}", f"updated {stat('articles/updated')}"]

        pages = stat("response_received_count")
        minutes = (now - self.last_time).total_seconds() / 60
        parts.append(f"{round((pages - self.last_pages) / minutes) if minutes else 0} pages/min")
        self.last_pages, self.last_time = pages, now

        running = (now - self.started).total_seconds()
        if total is not None and fetched and running:
            left = timedelta(seconds=round(max(total - fetched, 0) * running / fetched))
            parts.append(f"ETA {now + left:%Y-%m-%d %H:%M:%S %Z} (in {left})")
        return ", ".join(parts)

    def total(self):
        """(articles the run will have discovered, whether that is an estimate), or (None, False)."""
        discovered = self.stats.get_value("articles/discovered", 0)
        months, months_read = self.stats.get_value("discovery/months"), self.stats.get_value("discovery/months_read", 0)
        if months and months_read:
            if months_read >= months:
                return discovered, False
            return round(discovered * months / months_read), True
        if self.stats.get_value("archive/cdx_records") and discovered:
            return discovered, False
        return None, False
