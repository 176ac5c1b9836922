"""Incremental runs: fetch and emit only what is new or changed since the last run.

IncrementalState (extension) is the state's one owner: it opens the state file once, as the
crawl starts, settles what a killed run left, and closes the file when the spider closes.
Two components ask it, through its methods only:

- SkipUnchangedArticles (spider middleware): should_fetch() for each listed article page,
  remember_without_article() for a listed page that gave no article;
- crawler.pipelines.VersionArticles: version_for() each article, mark_written() once a feed
  wrote its line.
"""

import hashlib
import json
import logging

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from crawler.exporters import output_files
from crawler.items import Article
from crawler.state import ArticleState, SeenVersion, StateError, state_path

logger = logging.getLogger(__name__)

# The text that makes an article: a change in it is a new version. Dates, tags and image
# renditions differ between rfi.fr and feedx for the same text, so they are left out.
CONTENT_FIELDS = ("title", "lede", "paragraphs")

# Written versions held in memory before they are stored in one transaction.
UNSTORED_MAX = 500


def content_hash(article):
    content = {field: article.get(field) for field in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def modified_since(article, known):
    """RFI marked the article modified after the version emitted last: its `modified` is part of
    the data, so the dataset gets a version with the new date even when the text is the same.
    A source without the date (feedx gives none) never counts as a change."""
    return bool(article.get("modified") and known.get("modified") and article["modified"] > known["modified"])


def is_new_or_modified(known, listed_lastmod):
    """Unknown, or listed with a lastmod newer than anything known of it."""
    if known is None:
        return True
    newest_known = max(filter(None, (known["listed_lastmod"], known["modified"], known["published"])), default=None)
    return bool(listed_lastmod and newest_known and listed_lastmod > newest_known)


class IncrementalState:
    """What earlier runs emitted, and what this run lists, fetches and writes."""

    def __init__(self, path, stats, outputs):
        """`outputs` gives the files the run writes to; it is asked before the run's first line."""
        self._state = ArticleState(path).open()
        try:
            settled = self._state.settle_interrupted_runs(content_hash)
        except StateError:
            self._state.close()
            raise
        if settled:
            logger.warning("Settled an interrupted run: its output holds %d articles; any other it fetched "
                           "will be emitted again", settled)
        self._stats = stats
        self._outputs = outputs
        self._run = None
        # The newest lastmod any listing of this run gave each article, stored with its version.
        self._listed_lastmod = {}
        self._requested, self._skipped = set(), set()
        # The content hash version_for() computed, kept until the line is written.
        self._digests = {}
        # Versions written to the output and not yet stored: stored in batches, since a
        # transaction per article would cost more than extracting it. A kill loses none of
        # them: the next run reads them back from the output (ArticleState.settle_interrupted_runs).
        self._unstored = {}

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("INCREMENTAL"):
            raise NotConfigured
        owner = cls(state_path(crawler.settings, crawler.spidercls.name), crawler.stats,
                    outputs=lambda: output_files(crawler))
        # Connected before crawler.verdict.RunVerdict (a lower EXTENSIONS order), which reads
        # articles/skipped_known when the spider closes.
        crawler.signals.connect(owner.close, signal=signals.spider_closed)
        return owner

    @classmethod
    def for_crawler(cls, crawler):
        """The run's state, or None when the run is not incremental."""
        return crawler.get_extension(cls)

    def should_fetch(self, article_id, listed_lastmod, always=False):
        """Whether to fetch a listed article page: `always`, or when the state does not hold it, or
        its listing shows it modified since."""
        if listed_lastmod and listed_lastmod > (self._listed_lastmod.get(article_id) or ""):
            self._listed_lastmod[article_id] = listed_lastmod
        fetch = always or is_new_or_modified(self._known(article_id), listed_lastmod)
        (self._requested if fetch else self._skipped).add(article_id)
        return fetch

    def remember_without_article(self, article_id, url, listed_lastmod):
        """A listed page gave no article under its id (a video page, the old URL of a redirect):
        remembered, so that the next run does not fetch it again."""
        self._state.remember_listing(article_id, url, listed_lastmod)

    def version_for(self, article):
        """The version the article is emitted as, or None when the state holds this content already."""
        digest = content_hash(article)
        known = self._known(article["id"])
        if known and known["content_hash"] == digest and not modified_since(article, known):
            # Fetched again and unchanged: the listing's date keeps it from being fetched again.
            self._state.touch(article["id"], self._listed_lastmod.get(article["id"]))
            return None
        if self._run is None:
            # Before the run's first line: a killed run is settled from these files.
            self._run = self._state.begin_run(self._outputs())
        self._digests[article["id"]] = digest
        return known["version"] + 1 if known else 1

    def mark_written(self, article):
        """The article's line is in the output: its version is held from now on."""
        digest = self._digests.pop(article["id"], None) or content_hash(article)
        self._unstored[article["id"]] = SeenVersion(
            article["id"], article["url"], article.get("published"), article.get("modified"),
            self._listed_lastmod.get(article["id"]), digest, article["version"])
        if len(self._unstored) >= UNSTORED_MAX:
            self._store()

    def close(self):
        # An article one listing skipped and another requested counts as requested.
        self._stats.set_value("articles/skipped_known", len(self._skipped - self._requested))
        self._store()
        if self._run is not None:
            self._state.end_run(self._run)
        self._stats.set_value("state/articles", self._state.count())
        self._state.close()

    def _known(self, article_id):
        """What the state holds of an article, this run's written versions included."""
        unstored = self._unstored.get(article_id)
        return unstored._asdict() if unstored is not None else self._state.get(article_id)

    def _store(self):
        if self._unstored:
            self._state.store_seen(self._unstored.values())
            self._unstored = {}


class SkipUnchangedArticles:
    """Spider middleware: article requests the state already answers never reach the downloader.

    Filtering here, before the scheduler's duplicate filter, lets a later listing
    with a newer lastmod still request a page an earlier listing skipped.
    """

    def __init__(self, state, refresh):
        self.state = state
        self.refresh = refresh

    @classmethod
    def from_crawler(cls, crawler):
        state = IncrementalState.for_crawler(crawler)
        if state is None:
            raise NotConfigured
        return cls(state, refresh=getattr(crawler.spider, "refresh", False))

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
        listed_id = response.meta.get("article_id") if response is not None else None
        if listed_id and listed_id not in produced:
            self.state.remember_without_article(listed_id, response.url, response.meta.get("listed_lastmod"))

    def keep(self, entry):
        article_id = entry.meta.get("article_id") if isinstance(entry, Request) else None
        if article_id is None:
            return True
        always = self.refresh or entry.meta.get("always_fetch", False)
        return self.state.should_fetch(article_id, entry.meta.get("listed_lastmod"), always)
