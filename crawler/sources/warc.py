"""-a warc=PATH: the newest capture of each article in local WARC/WACZ files.

Two passes, so that memory stays flat on files of any size: the first reads only the records' headers and
keeps, per article, where its newest capture lies; the second reads those records alone. Every capture
record passed over is counted as `archive/passed_over/<reason>`.
"""

import logging

from crawler.archives.capture import timestamp_to_utc
from crawler.archives.newest import NewestCaptures
from crawler.archives.warc_files import BadWarcFile, read_capture, record_heads
from crawler.incremental import IncrementalState
from crawler.items import Article
from crawler.verdict import format_reasons, reasons
from crawler.wording import counted

logger = logging.getLogger(__name__)


class WarcSource:
    async def warc_start(self):
        files = self.run.warc_files
        self.stats.set_value("warc/files", len(files))
        newest = NewestCaptures(self.article_urls, self.run, self.stats, window_bounds_captures=False)
        try:
            for path in files:
                self.scan_warc_file(path, newest)
        except BadWarcFile as error:
            self.stop_source(str(error))
        if not newest:
            passed_over = format_reasons(reasons(self.stats, "archive/passed_over/"))
            self.stop_source(f"no article of /{self.edition.code}/ in the {counted(len(files), 'WARC file')} "
                             f"(passed over: {passed_over})")
        state = IncrementalState.for_crawler(self.crawler)
        # In file order, so that the second pass reads each file forwards.
        for key, url, timestamp, where in sorted(newest.chosen(), key=lambda chosen: file_order(chosen[3])):
            for item in self.warc_article(state, key, url, timestamp_to_utc(timestamp), where):
                yield item

    def scan_warc_file(self, path, newest):
        records = 0
        for head in record_heads(path, wanted=self.on_the_site):
            records += 1
            # Records of other hosts (most of a crawl's) are told apart without a canonical URL.
            url = self.article_urls.article_or_none(head.target_url) if head.examined and not head.cut else None
            reason = self.why_not_a_page_capture(head, url, newest)
            if reason:
                newest.pass_over(reason)
            else:
                newest.offer_article(url, head.timestamp, head.where)
        self.stats.inc_value("warc/capture_records", records)
        logger.info("Read %s: %d response and revisit records", path, records)

    def on_the_site(self, url):
        try:
            return self.article_urls.is_site_host(url)
        except ValueError:
            return False

    def why_not_a_page_capture(self, head, url, newest):
        """Why a capture record cannot give this edition's article page, or None: whose page it is comes first
        (`url`: the article's, or None), then what the archive kept of it. The window and older captures are
        NewestCaptures' to judge."""
        if head.cut:
            logger.warning("%s ends inside a record: it is passed over as truncated", head.where.path)
            return "truncated"
        if url is None:  # not on the site's hosts, or not an article
            return newest.why_not_an_article(head.target_url)
        if head.revisit:
            return "revisit"
        if head.truncated:
            return "truncated"
        if head.status != 200:
            return "not_200"
        if not head.is_html:
            return "not_html"
        return None

    def warc_article(self, state, key, url, captured_at, where):
        """The article of one chosen capture, through the incremental state as a listed page goes: a capture
        no newer than what the state holds is not read again."""
        self.count_discovered(key)
        if state is not None and not state.should_fetch(key, captured_at, always=self.refresh):
            return []
        try:
            capture = read_capture(where, url)
        except BadWarcFile as error:
            self.stats.inc_value("articles/failed/unreadable_record")
            logger.error("%s", error)
            return []
        items = self.parse_capture(capture)
        if state is not None and not any(isinstance(item, Article) for item in items):
            state.remember_without_article(key, url, captured_at)
        return items


def file_order(where):
    return where.path, where.member or "", where.offset
