"""Whether a run failed, decided from its stats, and the Summary of what became of each article.

RunVerdict decides when the spider closes, from its own counts and the monitors'
report (crawler.monitors), and stores the one-line reason as `run/failure`; the
`crawl` command turns it into exit code 1 and ends the log with the Summary. Only a run that finished counts as a success: a stopped or
paused run (Ctrl-C, SIGTERM, scrapyd's cancel) exits 1 as well, since its
articles are not all in.
"""

import logging

from scrapy import signals

from crawler.exporters import line_written
from crawler.items import Article

logger = logging.getLogger(__name__)


class RunVerdict:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        # Connected after FeedExporter (a lower EXTENSIONS order), so the line is written or not.
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item):
        if isinstance(item, Article) and not line_written(self.crawler, item):
            # Not delivered: a failure in the Summary, not the new or updated article the pipeline counted.
            self.stats.inc_value("articles/not_written")
            self.stats.inc_value("articles/updated" if item["version"] > 1 else "articles/new", -1)
            self.stats.inc_value("articles/failed/not_written")
            logger.error("%s was not written to any feed", item["url"])

    def item_error(self, item, failure):
        # A pipeline that raised lost the article: it must show in the Summary as failed, not as
        # the new or updated article VersionArticles counted before it.
        if version := item.get("version"):
            self.stats.inc_value("articles/updated" if version > 1 else "articles/new", -1)
        self.stats.inc_value(f"articles/failed/pipeline_{type(failure.value).__name__}")

    def spider_closed(self, spider, reason):
        account_for_every_article(self.stats, finished=reason == "finished")
        # The monitors ran first (a lower EXTENSIONS order); what they found fails the run unless
        # the run failed for a reason of its own.
        failure = run_failure(self.stats, self.crawler.settings, reason) or self.stats.get_value("monitors/failure")
        if failure:
            self.stats.set_value("run/failure", failure)
            logger.error("Run failed: %s", failure)


def account_for_every_article(stats, finished):
    """Every discovered article ends in one count of the Summary. On a run that stopped early, those
    still queued or downloading are `interrupted` (the next run fetches them); on a finished run an
    article that reached no outcome is a bug of ours, shown as failed rather than left out."""
    stat = lambda key: stats.get_value(key, 0)  # noqa: E731
    accounted = sum(stat(f"articles/{outcome}") for outcome in ("new", "updated", "unchanged", "skipped_known"))
    accounted += sum(reasons(stats, "articles/skipped/").values()) + sum(reasons(stats, "articles/failed/").values())
    missing = stat("articles/discovered") - accounted
    if missing <= 0:
        return
    if finished:
        stats.set_value("articles/failed/unaccounted", missing)
        logger.error("%d discovered articles reached no outcome; counted as failed (unaccounted)", missing)
    else:
        stats.set_value("articles/failed/interrupted", missing)


def run_failure(stats, settings, reason):
    """The one-line reason the run failed, or None when it worked."""
    stat = lambda key: stats.get_value(key, 0)  # noqa: E731
    if stats.get_value("source/failure"):
        return stats.get_value("source/failure")
    if reason != "finished":
        if reason == "shutdown" and settings.get("JOBDIR"):
            return (f"paused before it finished ({reason}); run it again with JOBDIR={settings.get('JOBDIR')} "
                    "to resume")
        return f"the run ended before it finished ({reason})"
    produced = stat("articles/new") + stat("articles/updated") + stat("articles/unchanged")
    if stat("articles/not_written"):
        return f"{stat('articles/not_written')} articles could not be written to the output"
    if stats.get_value("pages_archive/failure"):
        return f"the pages archive stopped: {stats.get_value('pages_archive/failure')}"
    if stat("archive/files") and not produced:
        return f"no article could be read from the {stat('archive/files')} archive files"
    if stat("feedx/items") and not produced:
        return f"no article could be read from the {stat('feedx/items')} feedx items"
    if stat("discovery/failed") and not stat("discovery/ok"):
        return f"cannot reach the site: {stats.get_value('discovery/first_error')}"
    if stat("discovery/unreadable") and not stat("discovery/ok"):
        return f"none of the {stat('discovery/unreadable')} feeds and sitemaps could be read"
    failed = reasons(stats, "articles/failed/")
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
            f"unseen articles listed (skipped: {format_reasons(reasons(stats, 'articles/skipped/'))})"
        )
    return None


def forced_stop_failure(settings):
    """The reason for a run stopped before its spider closed: a forced shutdown (a second Ctrl-C)."""
    resume = (f"run it again with JOBDIR={settings.get('JOBDIR')} to resume" if settings.get("JOBDIR")
              else "run it again to fetch the rest")
    return f"forced to stop before it finished; the articles written so far are kept, {resume}"


def reasons(stats, prefix):
    return {key[len(prefix):]: count for key, count in stats.get_stats().items() if key.startswith(prefix)}


def summary(stats):
    """What became of every article discovered: discovered = new + updated + unchanged + dropped + failed."""
    stat = lambda key: stats.get_value(key, 0)  # noqa: E731
    failed, dropped = reasons(stats, "articles/failed/"), reasons(stats, "articles/skipped/")
    return (
        f"discovered {stat('articles/discovered')}, fetched {stat('articles/fetched')}, "
        f"new {stat('articles/new')}, updated {stat('articles/updated')}, "
        f"skipped as unchanged {stat('articles/skipped_known') + stat('articles/unchanged')}, "
        f"dropped {sum(dropped.values())} {format_reasons(dropped)}, "
        f"failed {sum(failed.values())} {format_reasons(failed)}"
    )


def format_reasons(counts):
    return "{" + ", ".join(f"{reason}: {count}" for reason, count in sorted(counts.items())) + "}"
