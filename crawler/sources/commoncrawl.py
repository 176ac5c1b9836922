"""-a source=commoncrawl: the newest capture of each article across Common Crawl's crawls.

COMMONCRAWL_INDEX_URL (collinfo.json) lists the crawls; each crawl's CDX API (pywb) gives where each
capture lies in its WARC files, and COMMONCRAWL_DATA_URL serves the one record as a byte range.
"""

import json
import logging

import scrapy
from scrapy.exceptions import DownloadCancelledError

from crawler.archives.capture import timestamp_to_utc
from crawler.archives.warc_record import UnreadableRecord, capture_from_record
from crawler.middlewares import origin
from crawler.sources.wayback import CDXIndexReader, archive_article_meta

logger = logging.getLogger(__name__)


class NotAListOfCrawls(ValueError):
    pass


def read_crawls(body):
    """The crawls of a collinfo.json: [{id, cdx-api, from, to, …}]."""
    try:
        crawls = json.loads(body)
    except ValueError:
        raise NotAListOfCrawls(f"not JSON: {' '.join(body[:100].decode('utf-8', 'replace').split())}") from None
    if not isinstance(crawls, list) or not all(
            isinstance(crawl, dict) and all(isinstance(crawl.get(key), str) for key in ("id", "cdx-api", "from", "to"))
            for crawl in crawls):
        raise NotAListOfCrawls("not a list of crawls with id, cdx-api, from and to")
    return crawls


def crawls_in_window(crawls, run):
    """The crawls that overlap since..until (ISO dates compare as text)."""
    since = run.since.isoformat() if run.since else ""
    until = run.until.isoformat() if run.until else "9999"
    return [crawl for crawl in crawls if crawl["from"][:10] <= until and crawl["to"][:10] >= since]


def describe(crawls):
    if not crawls:
        return "lists no crawl"
    oldest = min(crawls, key=lambda crawl: crawl["from"])
    newest = max(crawls, key=lambda crawl: crawl["to"])
    return (f"lists {len(crawls)} crawls, from {oldest['id']} ({oldest['from'][:10]}) "
            f"to {newest['id']} ({newest['to'][:10]})")


class CommonCrawlSource(CDXIndexReader):
    def commoncrawl_start(self):
        url = self.settings.get("COMMONCRAWL_INDEX_URL")
        yield scrapy.Request(url, callback=self.read_commoncrawl_crawls, errback=self.archive_index_failed,
                             cb_kwargs={"query": {"name": "the Common Crawl index", "endpoint": url}},
                             meta=self.archive_index_meta("commoncrawl-index"))

    def read_commoncrawl_crawls(self, response, query):
        if response.status == 404:
            self.stop_source(f"{query['name']} at {query['endpoint']} answered HTTP 404")
        try:
            crawls = read_crawls(response.body)
        except NotAListOfCrawls as error:
            self.stop_source(f"{query['name']} at {query['endpoint']} answered something that is not a list of "
                             f"crawls: {error}")
        if self.run.since:
            chosen = crawls_in_window(crawls, self.run)
        else:
            chosen = [max(crawls, key=lambda crawl: crawl["to"])] if crawls else []
            if chosen:
                logger.info("No since=: reading the newest crawl only, %s (%s to %s)", chosen[0]["id"],
                            chosen[0]["from"][:10], chosen[0]["to"][:10])
        if not chosen:
            window = f"since={self.run.since}" + (f" until={self.run.until}" if self.run.until else "")
            self.stop_source(f"no Common Crawl crawl for {window}: {query['endpoint']} {describe(crawls)}")
        queries = []
        for crawl in chosen:
            self.allowed_origins.add(origin(crawl["cdx-api"]))
            queries += [{"name": f"the Common Crawl index of {crawl['id']}", "endpoint": crawl["cdx-api"],
                         "url": f"{host}/{self.edition.code}/*", "filters": ["status:200", "mime:text/html"],
                         "slot": "commoncrawl-index"} for host in self.archived_hosts()]
        # Every crawl's index is read before any record is: the newest capture across crawls wins.
        yield from self.read_cdx_indexes(queries, then="commoncrawl_captures")

    def commoncrawl_captures(self):
        data = self.settings.get("COMMONCRAWL_DATA_URL")
        for key, url, timestamp, record in self.archive_captures.chosen():
            self.count_discovered(key)
            filename, offset, length = record["filename"], record["offset"], record["length"]
            if not (filename and offset is not None and length):
                self.skip(url, "no_record_location", f"the index gives no WARC file and offset for {timestamp}")
                continue
            meta = archive_article_meta(key, timestamp, "commoncrawl-data")
            # Never more than the record: a host that answers with the whole file is cut off at once.
            meta["download_maxsize"] = length
            yield scrapy.Request(data + filename, headers={"Range": f"bytes={offset}-{offset + length - 1}"},
                                 callback=self.read_commoncrawl_record, errback=self.commoncrawl_record_failed,
                                 cb_kwargs={"url": url, "timestamp": timestamp, "filename": filename, "offset": offset},
                                 meta=meta, dont_filter=True)  # records of one file share its URL

    def read_commoncrawl_record(self, response, url, timestamp, filename, offset):
        if response.status != 206 or len(response.body) > response.meta["download_maxsize"]:
            self.whole_file_answered(filename)
        via = f"{filename}#{offset}"
        try:
            capture = capture_from_record(response.body, source="commoncrawl", via=via)
        except UnreadableRecord as error:
            return self.skip(via, error.reason, str(error))
        capture.url = url
        capture.captured_at = capture.captured_at or timestamp_to_utc(timestamp)
        return self.parse_capture(capture)

    def commoncrawl_record_failed(self, failure):
        if failure.check(DownloadCancelledError):
            self.whole_file_answered(failure.request.cb_kwargs["filename"])
        return self.article_failed(failure)

    def whole_file_answered(self, filename):
        self.stop_source(f"the Common Crawl data host at {self.settings.get('COMMONCRAWL_DATA_URL')} answered a "
                         f"range of {filename} with the whole file: stopped rather than download whole WARC files")
