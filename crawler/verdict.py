"""Whether a run failed, decided from its stats when the spider closes.

The `crawl` command turns the verdict into the exit code, so cron and scrapyd
see a failure; the reason is one line, stored in the stats as `run/failure`.
"""

import logging

from scrapy import signals

logger = logging.getLogger(__name__)


class RunVerdict:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        failure = self.failure(spider, reason)
        if failure:
            self.stats.set_value("run/failure", failure)
            logger.error("Run failed: %s", failure)
        logger.info("Summary: %s", self.summary())

    def failure(self, spider, reason):
        stat = lambda key: self.stats.get_value(key, 0)  # noqa: E731
        if reason not in ("finished", "shutdown"):
            return f"the run ended early: {reason}"
        if stat("discovery/requested") and not stat("discovery/ok"):
            first_error = self.stats.get_value("discovery/first_error")
            if first_error:
                return f"cannot reach the site: {first_error}"
            return "no feed or sitemap could be read"
        requested = stat("articles/requested")
        failed = sum(value for key, value in self.stats.get_stats().items() if key.startswith("articles/failed/"))
        blocked = stat("articles/failed/http_403") + stat("articles/failed/http_429")
        if requested and blocked * 2 > requested:
            return (
                f"blocked: {blocked} of {requested} article pages answered 403/429; "
                "rfi.fr blocks many data-centre addresses, use -a source=feedx from here"
            )
        if requested and failed == requested:
            return f"none of the {requested} article pages could be fetched"
        if (requested or stat("articles/from_feed")) and not stat("item_scraped_count"):
            return "no article was extracted from the pages listed"
        return None

    def summary(self):
        values = self.stats.get_stats()
        failed = {key.split("/", 2)[2]: count for key, count in values.items() if key.startswith("articles/failed/")}
        skipped = {key.split("/", 2)[2]: count for key, count in values.items() if key.startswith("articles/skipped/")}
        return (
            f"discovered {values.get('articles/requested', 0) + values.get('articles/from_feed', 0)}, "
            f"fetched {values.get('articles/fetched', 0)}, "
            f"emitted {values.get('item_scraped_count', 0)}, "
            f"failed {sum(failed.values())} {format_reasons(failed)}, "
            f"skipped {sum(skipped.values())} {format_reasons(skipped)}"
        ).replace(" {}", "")


def format_reasons(counts):
    return "{" + ", ".join(f"{reason}: {count}" for reason, count in sorted(counts.items())) + "}"
