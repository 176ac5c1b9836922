"""The spiders of RFI's Chinese editions: one Article per article page of rfi.fr/<edition>/.

Each spider (crawler/spiders/rfi_cn.py, rfi_tw.py) names its edition (crawler/editions.py); this base
does the crawling.
"""

import itertools
import logging
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.spidermiddlewares.httperror import HttpError

from scrapy.exceptions import CloseSpider

from crawler.arguments import parse_arguments
from crawler.discovery import (
    UnreadableListing,
    child_text,
    feed_entries,
    monthly_sitemap_month,
    sitemap_entries,
    xml_body,
)
from crawler.extract.dates import epoch_ms_to_utc
from crawler.extract.feedx_file import BadFeedxFile, read_feedx_file
from crawler.articles import Skip, article_from_capture, article_from_feedx, article_from_response
from crawler.middlewares import LeftTheSite, origin
from crawler.monitors import record_coverage
from crawler.run_checks import check_run
from crawler.sources.commoncrawl import CommonCrawlSource
from crawler.sources.wayback import WaybackSource
from crawler.sources.warc import WarcSource
from crawler.urls import ArticleURLs, article_date, article_id

logger = logging.getLogger(__name__)

# Saved files are read through Scrapy's file:// handler, in a download slot of
# their own without the politeness delays meant for the web (see DOWNLOAD_SLOTS).
LOCAL_FILE_META = {"download_slot": "local-files", "autothrottle_dont_adjust_delay": True}


class RfiSpider(WaybackSource, CommonCrawlSource, WarcSource, scrapy.Spider):
    """Articles of rfi.fr/<edition>, discovered from the site's feeds and sitemaps.

    Where articles are listed (all paths under the RFI_BASE_URL setting):
      default run       /<edition>/rss and the Google-News sitemap /sitemaps/<edition>/news.xml
      since=YYYY-MM-DD  backfill: /sitemaps/<edition>/index.xml and its monthly contents_YYYYMM.xml
      until=YYYY-MM-DD  end of the backfill window (inclusive; needs since)
      sections=S1,S2    the per-section feeds /<edition>/<section>/rss only (the edition's sections)
      urls=URL,URL      these article URLs only

    Other sources of the same articles:
      source=feedx      feedx.net's republication (the edition's, or FEEDX_URL), when rfi.fr blocks this address
      archive=PATH      saved feedx items: a file, a folder of *.md or a glob
      source=wayback    the newest capture of each article in a Wayback archive (WAYBACK_CDX_URL)
      source=commoncrawl   the same from Common Crawl's crawls (COMMONCRAWL_INDEX_URL)
      warc=PATH         WARC/WACZ files: a file, a folder or a glob (a PAGES_ARCHIVE among them)
    since= and until= bound the web archives too.
    """

    edition = None  # crawler.editions.Edition: each spider names its own

    custom_settings = {
        # Default: 100. An article page gives one item and the pipelines are synchronous, so
        # nothing gains from handling one response's output concurrently; Scrapy would still
        # start 100 asyncio tasks for the output of every response.
        "CONCURRENT_ITEMS": 1,
    }

    def __init__(self, *args, **arguments):
        # Schedulers add arguments of their own (scrapyd: _job=<job id>); they start with "_" and
        # become attributes, as Scrapy makes them. Ours are parsed (from_crawler), never attributes.
        super().__init__(*args, **{name: value for name, value in arguments.items() if name.startswith("_")})
        self._arguments = {name: value for name, value in arguments.items() if not name.startswith("_")}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """The spider of one run: its arguments parsed and its outputs checked, once, before anything
        is opened or downloaded (ArgumentError, RunRefused)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.article_urls = ArticleURLs(settings.get("RFI_BASE_URL"), cls.edition.code)
        spider.run = parse_arguments(spider.article_urls, cls.edition, **spider._arguments)
        spider.feedx_url = settings.get("FEEDX_URL") or cls.edition.feedx_url
        check_run(settings, cls.name, inputs=spider.run.archive_files + spider.run.warc_files)
        # Every request, redirects included, stays on these origins (crawler.middlewares.StayOnTheSite).
        spider.allowed_origins = {origin(settings.get("RFI_BASE_URL"))}
        source_urls = {"feedx": [spider.feedx_url],
                       "wayback": [settings.get("WAYBACK_CDX_URL"), settings.get("WAYBACK_REPLAY_URL")],
                       "commoncrawl": [settings.get("COMMONCRAWL_INDEX_URL"), settings.get("COMMONCRAWL_DATA_URL")]}
        for url in source_urls.get(spider.run.source, ()):
            spider.allowed_origins.add(origin(url))
        spider.reads_local_files = spider.run.source == "archive"
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        spider.feedx_items = itertools.count()
        spider.refresh = spider.run.refresh
        spider.discovered = set()
        spider.max_listing_size = settings.getint("DOWNLOAD_MAXSIZE")
        spider.coverage_fields = tuple(settings.getdict("RFI_FIELD_COVERAGE"))
        return spider

    # -- where the articles are listed ------------------------------------------------

    async def start(self):
        if self.run.source == "archive":
            self.stats.set_value("archive/files", len(self.run.archive_files))
            for path in self.run.archive_files:
                yield scrapy.Request(Path(path).as_uri(), callback=self.parse_archive_file,
                                     errback=self.archive_file_failed, cb_kwargs={"path": path},
                                     meta=LOCAL_FILE_META)
        elif self.run.source == "feedx":
            yield self.listing(self.feedx_url, self.parse_feedx_feed)
        elif self.run.source == "wayback":
            for request in self.wayback_start():
                yield request
        elif self.run.source == "commoncrawl":
            for request in self.commoncrawl_start():
                yield request
        elif self.run.source == "warc":
            async for item in self.warc_start():
                yield item
        elif self.run.urls:
            for url in self.run.urls:
                yield self.article_request(url, always_fetch=True)
        elif self.run.sections:
            for section in self.run.sections:
                yield self.listing(self.site(f"/{self.edition.code}/{section}/rss"), self.parse_feed)
        elif self.run.backfill:
            yield self.listing(self.site(f"/sitemaps/{self.edition.code}/index.xml"), self.parse_sitemap)
        else:
            yield self.listing(self.site(f"/{self.edition.code}/rss"), self.parse_feed)
            yield self.listing(self.site(f"/sitemaps/{self.edition.code}/news.xml"), self.parse_sitemap)

    @property
    def stats(self):
        return self.crawler.stats

    def site(self, path):
        return self.article_urls.site_url(path)

    def listing(self, url, parse, priority=10, next_maps=()):
        # The parser goes by name, so that requests can be kept in a JOBDIR queue.
        self.stats.inc_value("discovery/requested")
        cb_kwargs = {"parse": parse.__name__}
        if next_maps:
            cb_kwargs["next_maps"] = list(next_maps)
        return scrapy.Request(url, callback=self.read_listing, errback=self.listing_failed,
                              cb_kwargs=cb_kwargs, priority=priority)

    def monthly_maps(self, urls):
        """The first of a backfill's monthly maps; each map, once read (or failed), requests the next.

        A map waits behind the articles already queued (a lower priority), so it is read when the
        articles of the one before are all downloading: the queue holds about one month of requests,
        whatever the size of the backfill, instead of every article of the window at once.
        """
        if urls:
            yield self.listing(urls[0], self.parse_sitemap, priority=-10, next_maps=urls[1:])

    def read_listing(self, response, parse, next_maps=()):
        try:
            body = xml_body(response, self.max_listing_size)
            requests = list(getattr(self, parse)(response, body))
        except UnreadableListing as error:
            self.stats.inc_value("discovery/unreadable")
            logger.warning("Unreadable listing %s: %s", response.url, error)
            yield from self.monthly_maps(next_maps)
            return
        except Exception:
            # A listing that breaks the parser is unreadable too: counted, so that a run whose every
            # listing broke fails instead of ending with nothing; the traceback goes to the log.
            self.stats.inc_value("discovery/unreadable")
            logger.exception("Unreadable listing %s", response.url)
            yield from self.monthly_maps(next_maps)
            return
        self.stats.inc_value("discovery/ok")
        if not requests:
            self.stats.inc_value("discovery/empty")
            logger.warning("Listing %s gave no article to fetch", response.url)
        yield from requests
        yield from self.monthly_maps(next_maps)

    def listing_failed(self, failure):
        self.stats.inc_value("discovery/failed")
        reason = failure_reason(failure)
        if not self.stats.get_value("discovery/first_error"):
            detail = " ".join(str(failure.value).split())[:200]
            self.stats.set_value("discovery/first_error", f"{failure.request.url}: {reason} ({detail})")
        logger.error("Listing %s failed: %s", failure.request.url, reason)
        yield from self.monthly_maps(failure.request.cb_kwargs.get("next_maps"))

    def parse_feed(self, response, body):
        entries, lost = feed_entries(body)
        self.count_given_up(response.url, lost)
        for entry, _item in entries:
            yield from self.listed_article(entry, response.url)

    def parse_sitemap(self, response, body):
        kind, entries, lost = sitemap_entries(body)
        self.count_given_up(response.url, lost)
        if kind == "sitemapindex":
            maps = []
            for entry in entries:
                month = monthly_sitemap_month(entry.link)
                if month and self.run.month_in_window(*month) and self.article_urls.is_site_host(entry.link):
                    maps.append(self.rebased(entry.link))
            # The months of a backfill, and below those read: crawler/progress.py estimates the run's end.
            self.stats.set_value("discovery/months", len(maps))
            yield from self.monthly_maps(maps)
            return
        if monthly_sitemap_month(response.url):
            self.stats.inc_value("discovery/months_read")
        for entry in entries:
            yield from self.listed_article(entry, response.url)

    def count_given_up(self, listing_url, lost):
        if lost:
            self.stats.inc_value("discovery/entries_given_up", lost)
            logger.warning("Listing %s is broken XML: the parser gave up %d of its entries", listing_url, lost)

    def rebased(self, url):
        """A link of rfi.fr's own listings, on the configured site (a mirror in tests)."""
        return self.article_urls.site_url(urlsplit(url).path)

    def listed_article(self, entry, listing_url):
        url = self.article_urls.article_or_none(entry.link, base=listing_url) if entry.link else None
        if url is None:
            self.stats.inc_value("discovery/ignored_links")
            logger.debug("Not an article of /%s/, not followed: %s (listed in %s)", self.edition.code, entry.link,
                         listing_url)
            return
        if self.run.backfill and not self.run.in_window(article_date(url)):
            self.stats.inc_value("discovery/outside_window")
            return
        yield self.article_request(url, entry.lastmod)

    # -- article pages --------------------------------------------------------------

    def article_request(self, url, listed_lastmod=None, always_fetch=False):
        """An article page; the incremental middleware may drop it when the state holds it unchanged."""
        key = article_id(url)
        self.count_discovered(key)
        meta = {"article_id": key, "listed_lastmod": listed_lastmod, "always_fetch": always_fetch}
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, meta=meta)

    def count_discovered(self, key):
        if key not in self.discovered:
            self.discovered.add(key)
            self.stats.inc_value("articles/discovered")

    def parse_article(self, response):
        self.stats.inc_value("articles/fetched")
        if not isinstance(response, scrapy.http.HtmlResponse):
            return self.skip(response.url, "not_html")
        # A page not redirected is at the URL that passed this check when it was listed.
        if "redirect_urls" in response.meta and self.article_urls.article_or_none(response.url) is None:
            return self.skip(response.url, "redirected_off_edition", f"asked for {response.request.url}")
        try:
            result = article_from_response(response, self.edition.code, self.edition.language)
        except Exception:
            # A page that breaks the extractor is one failed article, counted and logged with its
            # traceback; the crawl goes on.
            return self.extraction_failed(response.url)
        return self.emit(result, response.url)

    def parse_capture(self, capture):
        """A web archive's copy of an article page (crawler.archives.capture.Capture), read as the page."""
        self.stats.inc_value("articles/fetched")
        try:
            result = article_from_capture(capture, self.edition.code, self.edition.language)
        except Exception:
            return self.extraction_failed(capture.via)
        return self.emit(result, capture.via)

    def stop_source(self, message):
        """A source that cannot go on (its index down or answering garbage, rate-limited, empty for the
        window) ends the run; `message` is the run's one-line reason (crawler.verdict)."""
        self.stats.set_value("source/failure", message)
        logger.error("%s", message)
        raise CloseSpider("source_failed")

    def extraction_failed(self, where):
        self.stats.inc_value("articles/failed/extraction_error")
        logger.exception("Article %s could not be extracted", where)
        return []

    def article_failed(self, failure):
        if failure.check(LeftTheSite) and failure.request.meta.get("redirect_urls"):
            return self.skip(failure.request.meta["redirect_urls"][0], "redirected_off_site",
                             f"to {failure.request.url}")
        reason = failure_reason(failure)
        self.stats.inc_value(f"articles/failed/{reason}")
        logger.warning("Article %s not fetched: %s", failure.request.url, reason)

    def request_dropped(self, request, spider):
        """An article page redirected to a URL this run fetched already: the scheduler drops it."""
        if request.meta.get("article_id") and request.meta.get("redirect_urls"):
            self.skip(request.meta["redirect_urls"][0], "redirected_to_a_fetched_url", f"to {request.url}")

    def skip(self, where, reason, detail=""):
        self.stats.inc_value(f"articles/skipped/{reason}")
        logger.warning("Skipped %s: %s%s", where, reason, f" ({detail})" if detail else "")

    # -- feedx ------------------------------------------------------------------------

    def parse_feedx_feed(self, response, body):
        entries, lost = feed_entries(body)
        self.count_given_up(response.url, lost)
        for entry, item in entries:
            self.stats.inc_value("feedx/items")
            html = child_text(item, "encoded") or child_text(item, "description")
            title = child_text(item, "title")
            yield from self.feedx_article(html, entry.link, title, "feedx", response.url)

    def parse_archive_file(self, response, path):
        try:
            saved = read_feedx_file(response.body)
        except BadFeedxFile as error:
            self.count_discovered(("feedx item", next(self.feedx_items)))
            return self.skip(path, error.reason, str(error))
        return self.feedx_article(saved.html, saved.link, saved.title, "archive", path,
                                  fetched_at=epoch_ms_to_utc(saved.fetched_at_ms))

    def archive_file_failed(self, failure):
        path = failure.request.cb_kwargs["path"]
        self.count_discovered(("feedx item", next(self.feedx_items)))
        self.skip(path, "unreadable_file", failure_reason(failure))

    def feedx_article(self, html, link, title, source, where, fetched_at=None):
        """Every feedx item is one article discovered, whatever becomes of it: two saved items of one
        article are two versions to compare, not a duplicate to drop."""
        self.count_discovered(("feedx item", next(self.feedx_items)))
        try:
            result = article_from_feedx(html, link, title, source, self.edition.code, self.edition.language, fetched_at)
        except Exception:
            return self.extraction_failed(f"{where} ({link})")
        return self.emit(result, where)

    def emit(self, result, where):
        """The article, or nothing after counting and logging why, naming the URL or file."""
        extracted = result.article if isinstance(result, Skip) else result
        # Coverage tells a changed layout of live pages; saved files do not change, their bad ones are just skipped.
        if extracted is not None and self.run.source != "archive":
            record_coverage(self.stats, extracted, where, self.coverage_fields)
        if isinstance(result, Skip):
            self.skip(where, result.reason, result.detail)
            return []
        return [result]


def failure_reason(failure):
    """A short stats-friendly name for why a request failed: "http_403", "ConnectionRefusedError", …"""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return type(failure.value).__name__
