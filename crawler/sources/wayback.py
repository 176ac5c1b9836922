"""-a source=wayback: the newest capture of each article in a Wayback-compatible archive.

The Internet Archive (WAYBACK_CDX_URL, WAYBACK_REPLAY_URL) or any pywb collection: its CDX API lists the
captures of the edition, and each article's newest capture inside the window is read back as the bytes
rfi.fr sent (`<replay><timestamp>id_/<url>`, no rewriting). Common Crawl's index speaks the same CDX API
(crawler/sources/commoncrawl.py), so the index is read here for both.
"""

import logging
from dataclasses import asdict

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.archives.capture import Capture, header_pairs, timestamp_to_utc
from crawler.archives.cdx import NotACDXAnswer, query_url, read_num_pages, read_records
from crawler.archives.newest import NewestCaptures
from crawler.urls import RFI_HOSTS

logger = logging.getLogger(__name__)

# The host archives hold RFI's pages under.
ARCHIVED_HOST = "www.rfi.fr"


# An archive's API, not a site's pages: robots.txt is not asked. Each archive's pace is its download
# slot's (DOWNLOAD_SLOTS), the documented limit, which AutoThrottle must not shorten.
ARCHIVE_REQUEST_META = {"dont_obey_robotstxt": True, "autothrottle_dont_adjust_delay": True}


def archive_article_meta(article_id, timestamp, slot):
    """An archived article page goes through the incremental state as a listed page does, its capture
    time standing for the listing's lastmod: a re-run over the same archive fetches nothing again."""
    return {"article_id": article_id, "listed_lastmod": timestamp_to_utc(timestamp), "always_fetch": False,
            **ARCHIVE_REQUEST_META, "download_slot": slot}


class CDXIndexReader:
    """Reads Wayback-compatible CDX APIs, one query after the other and page by page, into
    index_progress(); then asks the source for the requests of the captures chosen.

    A query is a dict (kept in requests, so that a JOBDIR can hold them): name and endpoint (for the one
    line a failure ends with), url and match_type, filters, slot (the download slot).
    """

    def archived_hosts(self):
        """The hosts to ask an index about: www.rfi.fr, and the configured site when it is another (a
        mirror whose pages were archived, as the tests archive theirs)."""
        site = self.article_urls.site_host
        return [ARCHIVED_HOST] + ([site] if site not in RFI_HOSTS else [])

    def read_cdx_indexes(self, queries, then):
        progress = self.index_progress()
        if progress["queries"] or progress["newest"]:
            # A paused run resumed with its JOBDIR: the index request it was reading is in the queue.
            logger.info("Going on with the archive's indexes where the paused run stopped (%d articles chosen, "
                        "%d queries left)", len(progress["newest"]), len(progress["queries"]))
            return
        progress.update(newest={}, queries=list(queries), then=then)
        yield from self.next_cdx_query()

    def index_progress(self):
        """What reading the indexes has gathered so far: the captures chosen, the queries left, what to do
        next. On a run with a JOBDIR it lives in spider.state, which Scrapy's SpiderState keeps there, so
        that a paused run goes on where it stopped instead of losing the pages it had read."""
        holder = getattr(self, "state", None)
        if holder is None:
            holder = self.__dict__.setdefault("_index_progress", {})
        return holder.setdefault("archive_index", {"newest": {}, "queries": [], "then": None})

    @property
    def archive_captures(self):
        return NewestCaptures(self.article_urls, self.run, self.stats, window_bounds_captures=True,
                              held=self.index_progress()["newest"])

    def next_cdx_query(self):
        progress = self.index_progress()
        if progress["queries"]:
            yield self.cdx_request(progress["queries"].pop(0), show_num_pages=True)
            return
        logger.info("The archive's indexes give %d articles to read", len(progress["newest"]))
        yield from getattr(self, progress["then"])()
        # Every capture chosen is a request now (a JOBDIR's queue holds them): a later run with the
        # same JOBDIR starts afresh.
        progress["newest"] = {}

    def cdx_request(self, query, page=None, pages=None, show_num_pages=False):
        url = query_url(query["endpoint"], query["url"], self.run, filters=query["filters"],
                        match_type=query.get("match_type"), page=page, show_num_pages=show_num_pages)
        return scrapy.Request(url, callback=self.read_cdx_answer, errback=self.archive_index_failed,
                              cb_kwargs={"query": query, "page": page, "pages": pages},
                              meta=self.archive_index_meta(query["slot"]))

    def archive_index_meta(self, slot):
        # A burst of 429s ends with the last retry's answer in archive_index_failed: the source stops
        # there rather than going on into a block (each retry waits as long as Retry-After asks).
        return {**ARCHIVE_REQUEST_META, "download_slot": slot, "handle_httpstatus_list": [404],
                "max_retry_times": max(self.settings.getint("ARCHIVE_MAX_429") - 1, 0)}

    def read_cdx_answer(self, response, query, page, pages):
        try:
            if response.status == 404:
                answer = self.no_captures(response, query)
            elif page is None:
                answer = read_num_pages(response.body)
            else:
                answer = read_records(response.body)
        except NotACDXAnswer as error:
            self.stop_source(f"{query['name']} at {query['endpoint']} answered something that is not a CDX "
                             f"index: {error}")
        if isinstance(answer, int):
            if answer > 0:
                yield self.cdx_request(query, page=0, pages=answer)
                return
        else:
            self.offer_captures(answer)
            if page is not None and page + 1 < pages:
                yield self.cdx_request(query, page=page + 1, pages=pages)
                return
        yield from self.next_cdx_query()

    def no_captures(self, response, query):
        # Common Crawl's index answers 404 "No Captures found" when nothing matches.
        if b"No Captures found" in response.body:
            return []
        self.stop_source(f"{query['name']} at {query['endpoint']} answered HTTP 404")

    def offer_captures(self, records):
        self.stats.inc_value("archive/cdx_records", len(records))
        captures = self.archive_captures
        for record in records:
            # The query asked for 200 HTML only; servers that ignore a filter are filtered here.
            if record.status != "200":
                captures.pass_over("not_200")
            elif not record.is_html_200():
                captures.pass_over("not_html")
            else:
                captures.offer(record.url, record.timestamp, asdict(record))

    def archive_index_failed(self, failure):
        query = failure.request.cb_kwargs["query"]
        where = f"{query['name']} at {query['endpoint']}"
        if failure.check(HttpError):
            status = failure.value.response.status
            if status == 429:
                self.stop_source(f"{where} answered 429 (too many requests) {self.settings.getint('ARCHIVE_MAX_429')} "
                                 "times in a row: stopped so as not to be blocked; run again later")
            self.stop_source(f"{where} answered HTTP {status}")
        self.stop_source(f"{where} could not be reached ({type(failure.value).__name__})")


class WaybackSource(CDXIndexReader):
    def wayback_start(self):
        queries = [{"name": "the Wayback CDX server", "endpoint": self.settings.get("WAYBACK_CDX_URL"),
                    "url": f"{host}/{self.edition.code}/", "match_type": "prefix",
                    # The Internet Archive's field names; pywb reads them too.
                    "filters": ["statuscode:200", "mimetype:text/html"], "slot": "wayback-cdx"}
                   for host in self.archived_hosts()]
        return self.read_cdx_indexes(queries, then="wayback_captures")

    def wayback_captures(self):
        replay = self.settings.get("WAYBACK_REPLAY_URL")
        for key, url, timestamp, record in self.archive_captures.chosen():
            self.count_discovered(key)
            yield scrapy.Request(f"{replay}{timestamp}id_/{record['url']}", callback=self.read_wayback_capture,
                                 errback=self.article_failed, cb_kwargs={"url": url, "timestamp": timestamp},
                                 meta=archive_article_meta(key, timestamp, "wayback-replay"))

    def read_wayback_capture(self, response, url, timestamp):
        return self.parse_capture(Capture(url=url, body=response.body, headers=header_pairs(response.headers),
                                          captured_at=timestamp_to_utc(timestamp), source="wayback",
                                          via=response.url))
