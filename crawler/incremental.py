"""Incremental runs: fetch and emit only what is new or changed since the last run.

- IncrementalState (extension) owns the state file for the run, settles what a
  killed run left, and stores a version as seen once its line is written.
- SkipUnchangedArticles (spider middleware) drops requests for article pages
  the state holds, unless their listing shows them modified since.
- crawler.pipelines.VersionArticles numbers the versions and drops unchanged content.
"""

import hashlib
import json
import logging

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter

from crawler.exporters import line_written, local_path
from crawler.items import Article
from crawler.state import ArticleState, SeenVersion, state_path

logger = logging.getLogger(__name__)

# The text that makes an article: a change in it is a new version. Dates, tags and image
# renditions differ between rfi.fr and feedx for the same text, so they are left out.
CONTENT_FIELDS = ("title", "lede", "paragraphs")

# Emitted versions held in memory before they are stored in one transaction.
UNSTORED_MAX = 500


def content_hash(article):
    content = {field: article.get(field) for field in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


class IncrementalState:
    def __init__(self, crawler):
        self.crawler = crawler
        self.state = ArticleState(state_path(crawler.settings, crawler.spidercls.name)).open()
        if settled := self.state.settle_interrupted_runs(content_hash):
            logger.warning("Settled an interrupted run: its output holds %d articles; any other it fetched "
                           "will be emitted again", settled)
        self._outputs = None
        self._run = None
        # Versions written to the output and not yet stored: stored in batches, since a
        # transaction per article would cost more than extracting it. A kill loses none of
        # them: the next run reads them back from the output (ArticleState.settle_interrupted_runs).
        self._unstored = {}
        self._emitting = {}
        # The newest lastmod any listing of this run gave each article, stored with its version.
        self.listed_lastmod = {}
        self._requested, self._skipped = set(), set()

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("INCREMENTAL"):
            raise NotConfigured
        extension = cls(crawler)
        # Connected after FeedExporter (a lower EXTENSIONS order), so its handler has
        # written the line when ours marks the article seen.
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @property
    def refresh(self):
        return getattr(self.crawler.spider, "refresh", False)

    def outputs(self):
        """Local files this run writes to, for settling after a kill."""
        if self._outputs is None:
            exporter = self.crawler.get_extension(FeedExporter)
            slots = exporter.slots if exporter else []
            self._outputs = [str(local_path(slot.uri) or slot.uri) for slot in slots]
        return self._outputs

    def known(self, article_id):
        """What the state holds of an article, this run's emitted versions included."""
        unstored = self._unstored.get(article_id)
        return unstored._asdict() if unstored is not None else self.state.get(article_id)

    def will_emit(self, item, digest):
        """The pipeline passes this version on to the feeds; before the run's first line, the
        run's output files are recorded."""
        if self._run is None:
            self._run = self.state.begin_run(self.outputs())
        self._emitting[item["id"]] = self._seen_version(item, digest)

    def _seen_version(self, item, digest):
        return SeenVersion(item["id"], item["url"], item.get("published"), item.get("modified"),
                           self.listed_lastmod.get(item["id"]), digest, item["version"])

    def note_listing(self, article_id, lastmod, requested):
        if lastmod and lastmod > (self.listed_lastmod.get(article_id) or ""):
            self.listed_lastmod[article_id] = lastmod
        (self._requested if requested else self._skipped).add(article_id)

    def item_scraped(self, item, spider):
        # Seen only if a feed wrote its line: a feed that failed must not lose the article
        # (crawler.verdict counts it as failed).
        emitted = self._emitting.pop(item["id"], None)
        if line_written(self.crawler, item):
            self._unstored[item["id"]] = emitted or self._seen_version(item, content_hash(item))
            if len(self._unstored) >= UNSTORED_MAX:
                self._store()

    def item_dropped(self, item, spider):
        if isinstance(item, Article):
            self._emitting.pop(item["id"], None)

    def spider_closed(self, spider):
        # An article one listing skipped and another requested counts as requested.
        self.crawler.stats.set_value("articles/skipped_known", len(self._skipped - self._requested))
        self._store()
        if self._run is not None:
            self.state.end_run(self._run)
        self.crawler.stats.set_value("state/articles", self.state.count())
        self.state.close()

    def _store(self):
        if self._unstored:
            self.state.store_seen(self._unstored.values())
            self._unstored = {}


class SkipUnchangedArticles:
    """Spider middleware: article requests the state already answers never reach the downloader.

    Filtering here, before the scheduler's duplicate filter, lets a later listing
    with a newer lastmod still request a page an earlier listing skipped.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("INCREMENTAL"):
            raise NotConfigured
        return cls(crawler)

    async def process_start(self, start):
        async for entry in start:
            if self.keep(entry):
                yield entry

    async def process_spider_output_async(self, response, result):
        produced = set()
        async for entry in result:
            if self.passes(entry, produced):
                yield entry
        self.remember_without_article(response, produced)

    def process_spider_output(self, response, result):
        produced = set()
        for entry in result:
            if self.passes(entry, produced):
                yield entry
        self.remember_without_article(response, produced)

    def passes(self, entry, produced):
        if isinstance(entry, Article):
            produced.add(entry["id"])
        return self.keep(entry)

    def remember_without_article(self, response, produced):
        """An article page that gave no article under its listed id is remembered, so that
        the next run does not fetch a video page, or the old URL of a redirect, again."""
        listed_id = response.meta.get("article_id") if response is not None else None
        if listed_id and listed_id not in produced:
            incremental = self.crawler.get_extension(IncrementalState)
            incremental.state.remember_listing(listed_id, response.url, response.meta.get("listed_lastmod"))

    def keep(self, entry):
        article_id = entry.meta.get("article_id") if isinstance(entry, Request) else None
        if article_id is None:
            return True
        incremental = self.crawler.get_extension(IncrementalState)
        listed = entry.meta.get("listed_lastmod")
        fetch = incremental.refresh or entry.meta.get("always_fetch") or self.is_new_or_modified(
            incremental.known(article_id), listed
        )
        incremental.note_listing(article_id, listed, requested=fetch)
        return fetch

    @staticmethod
    def is_new_or_modified(known, listed_lastmod):
        """Unknown, or listed with a lastmod newer than anything known of it."""
        if known is None:
            return True
        newest_known = max(filter(None, (known["listed_lastmod"], known["modified"], known["published"])),
                           default=None)
        return bool(listed_lastmod and newest_known and listed_lastmod > newest_known)
