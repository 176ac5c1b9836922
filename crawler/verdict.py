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
        paused = reason == "shutdown" and self.crawler.settings.get("JOBDIR")
        if reason != "finished" and not paused:
            return f"the run ended before it finished ({reason})"
        produced = stat("articles/new") + stat("articles/updated") + stat("articles/unchanged")
        if stat("articles/not_written"):
            return f"{stat('articles/not_written')} articles could not be written to the output"
        if stat("archive/files") and not produced:
            return f"no article could be read from the {stat('archive/files')} archive files"
        if stat("feedx/items") and not produced:
            return f"no article could be read from the {stat('feedx/items')} feedx items"
        if stat("discovery/failed") and not stat("discovery/ok"):
            return f"cannot reach the site: {self.stats.get_value('discovery/first_error')}"
        if stat("discovery/unreadable") and not stat("discovery/ok"):
            return f"none of the {stat('discovery/unreadable')} feeds and sitemaps could be read"
        failed = self.reasons("articles/failed/")
        attempted = stat("articles/fetched") + sum(failed.values())
        blocked = failed.get("http_403", 0) + failed.get("http_429", 0)
        if attempted and blocked * 2 > attempted:
            return (
                f"blocked: {blocked} of {attempted} article pages answered 403/429; "
                "rfi.fr blocks many data-centre addresses, -a source=feedx reads the same articles from feedx"
            )
        if attempted and not stat("articles/fetched"):
            return f"none of the {attempted} article pages could be fetched ({format_reasons(failed)})"
        if stat("articles/discovered") > stat("articles/skipped_known") and not produced:
            return (
                f"no article could be extracted from the {stat('articles/discovered') - stat('articles/skipped_known')} "
                f"unseen articles listed (skipped: {format_reasons(self.reasons('articles/skipped/'))})"
            )
        return None

    def reasons(self, prefix):
        return {key[len(prefix):]: count for key, count in self.stats.get_stats().items() if key.startswith(prefix)}

    def summary(self):
        stat = lambda key: self.stats.get_value(key, 0)  # noqa: E731
        failed, dropped = self.reasons("articles/failed/"), self.reasons("articles/skipped/")
        return (
            f"discovered {stat('articles/discovered')}, fetched {stat('articles/fetched')}, "
            f"new {stat('articles/new')}, updated {stat('articles/updated')}, "
            f"skipped as unchanged {stat('articles/skipped_known') + stat('articles/unchanged')}, "
            f"dropped {sum(dropped.values())} {format_reasons(dropped)}, "
            f"failed {sum(failed.values())} {format_reasons(failed)}"
        )


def format_reasons(counts):
    return "{" + ", ".join(f"{reason}: {count}" for reason, count in sorted(counts.items())) + "}"
