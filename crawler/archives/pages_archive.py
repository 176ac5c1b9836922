"""PAGES_ARCHIVE=DIR: every page a live crawl reads, kept as WARC files in DIR.

What is kept: each http(s) response the run reads (article pages, feeds, sitemaps, robots.txt, error
answers that reach the spider) as a response record and the request that asked for it as a request
record, at the URL Scrapy fetched (after redirects), with WARC-Date the moment it arrived. A redirect
or an answer retried away never reaches the spider and is not kept; local files (file://) neither.

The body is kept as the spider read it: dechunked and decompressed (HttpCompressionMiddleware has
already dropped Content-Encoding). Headers that describe the bytes as sent rather than as kept are
renamed as Common Crawl does (X-Crawler-Content-Length, X-Crawler-Transfer-Encoding), so pywb and
`-a warc=DIR` read the body as it is.

One file per run, DIR/<spider>-<UTC start, YYYYMMDDhhmmss>-00000.warc.gz, gzipped per record, with a
warcinfo record first. Once a file passes PAGES_ARCHIVE_MAX_MB (MiB; 1024 by default, about the size of
Heritrix's and Common Crawl's files) the next page starts -00001, and so on. Stats: pages_archive/records
(warcinfo included), pages_archive/files, and pages_archive/failure when a write fails: the crawl goes
on, and the run fails at its end (crawler.verdict), since pages it was asked to keep are missing.

A run killed at any moment leaves files readable up to their last complete record: each
request/response pair is written with one os.write of whole gzip members, never buffered in Python.
"""

import io
import logging
import os
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from w3lib.url import safe_url_string
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.archives.capture import header_pairs
from crawler.run_checks import RunRefused

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Headers whose values describe the bytes as sent, not the body as kept.
TRANSFER_HEADERS = ("Transfer-Encoding", "Content-Encoding")


class PagesArchive:
    def __init__(self, folder, max_bytes, spider_name, stats, base_url):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.spider_name = spider_name
        self.stats = stats
        self.base_url = base_url
        self.run_time = None
        self.serial = -1
        self.descriptor = None
        self.written = 0
        self.failure = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        folder = settings.get("PAGES_ARCHIVE")
        if not folder:
            raise NotConfigured("PAGES_ARCHIVE is not set")
        # Made after the spider, whose arguments say where its pages come from. Web archives and feedx
        # keep their own copies; what this archive is for is the pages of rfi.fr itself.
        run = getattr(crawler.spider, "run", None)
        if run is not None and run.source != "rfi":
            raise NotConfigured(f"PAGES_ARCHIVE keeps the pages of live crawls of the site; source={run.source} "
                                "writes none")
        check_folder(folder)
        max_bytes = int(settings.getfloat("PAGES_ARCHIVE_MAX_MB") * MIB)
        archive = cls(folder, max_bytes, crawler.spidercls.name, crawler.stats, settings.get("RFI_BASE_URL"))
        crawler.signals.connect(archive.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(archive.response_received, signal=signals.response_received)
        crawler.signals.connect(archive.spider_closed, signal=signals.spider_closed)
        return archive

    def spider_opened(self, spider):
        self.run_time = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self.stats.set_value("pages_archive/records", 0)
        self.stats.set_value("pages_archive/files", 0)

    def response_received(self, response, request, spider):
        if self.failure or urlsplit(response.url).scheme not in ("http", "https"):
            return
        fetched_at = datetime.now(timezone.utc)
        try:
            self.write(exchange_records(request, response, fetched_at), records=2)
        except OSError as error:
            # The crawl goes on; the run's stats and log say the archive stopped.
            self.failure = f"cannot write to PAGES_ARCHIVE={self.folder}: {error}"
            self.stats.set_value("pages_archive/failure", self.failure)
            logger.error("%s; the pages fetched from now on are not archived", self.failure)
            self.close_file()

    def spider_closed(self, spider):
        self.close_file()

    def write(self, data, records):
        if self.descriptor is None:
            self.open_next_file()
        self.append(data, records)
        if self.written >= self.max_bytes:
            self.close_file()

    def append(self, data, records):
        write_whole(self.descriptor, data)
        self.written += len(data)
        self.stats.inc_value("pages_archive/records", records)

    def open_next_file(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        while self.descriptor is None:
            self.serial += 1
            name = f"{self.spider_name}-{self.run_time}-{self.serial:05d}.warc.gz"
            try:
                # O_EXCL: a file is never written over, not even one of a run started in the same second.
                self.descriptor = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND,
                                          0o644)
            except FileExistsError:
                continue
        self.written = 0
        self.stats.inc_value("pages_archive/files")
        logger.info("Archiving the pages fetched to %s", self.folder / name)
        self.append(warcinfo_record(name, self.base_url), records=1)

    def close_file(self):
        if self.descriptor is not None:
            descriptor, self.descriptor = self.descriptor, None
            try:
                os.fsync(descriptor)
            except OSError as error:
                logger.warning("PAGES_ARCHIVE=%s: the last file may not be on disk: %s", self.folder, error)
            finally:
                os.close(descriptor)


def check_folder(folder):
    """A folder the run can create its files in, or the run is refused before anything is fetched."""
    path = Path(folder).absolute()
    if path.exists() and not path.is_dir():
        raise RunRefused(2, f"PAGES_ARCHIVE={folder} is not a folder")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise RunRefused(1, f"PAGES_ARCHIVE={folder} cannot be written: {existing} is not a writable folder")


def write_whole(descriptor, data):
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def warcinfo_record(filename, base_url):
    writer, buffer = record_writer()
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": "rfi-crawler (Scrapy, warcio)",
        "format": "WARC File Format 1.0",
        "description": f"Pages read by a crawl of {base_url}",
    }))
    return buffer.getvalue()


def exchange_records(request, response, fetched_at):
    """The request and response records of one fetch, as gzip members ready to be written at once."""
    writer, buffer = record_writer()
    url = safe_url_string(response.url)
    warc_headers = {"WARC-Date": datetime_to_iso_date(fetched_at)}
    if response.ip_address:
        warc_headers["WARC-IP-Address"] = str(response.ip_address)
    response_record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(response.body), length=len(response.body),
        http_headers=response_http_headers(response), warc_headers_dict=dict(warc_headers))
    request_record = writer.create_warc_record(
        url, "request", payload=io.BytesIO(request.body), length=len(request.body),
        http_headers=request_http_headers(request, response), warc_headers_dict=dict(warc_headers))
    writer.write_request_response_pair(request_record, response_record)
    return buffer.getvalue()


def record_writer():
    buffer = io.BytesIO()
    return WARCWriter(buffer, gzip=True), buffer


def response_http_headers(response):
    headers = []
    for name, value in header_pairs(response.headers):
        if name in TRANSFER_HEADERS:
            name = f"X-Crawler-{name}"
        elif name == "Content-Length" and value.strip() != str(len(response.body)):
            name = f"X-Crawler-{name}"
        headers.append((name, value))
    if not any(name == "Content-Length" for name, _ in headers):
        headers.append(("Content-Length", str(len(response.body))))
    return StatusAndHeaders(f"{response.status} {status_phrase(response.status)}", headers,
                            protocol=response_protocol(response))


def request_http_headers(request, response):
    parts = urlsplit(safe_url_string(request.url))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = header_pairs(request.headers)
    # The HTTP client adds Host as it sends the request; the record says what went on the wire.
    if not any(name == "Host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    # Scrapy's HTTP/1.1 client asks in HTTP/1.1, whatever version the server answers in.
    protocol = "HTTP/2" if response.protocol == "h2" else "HTTP/1.1"
    return StatusAndHeaders(f"{request.method} {target} {protocol}", headers, is_http_request=True)


def response_protocol(response):
    """The status line's version as HTTP writes it (Scrapy's HTTP/2 client calls it "h2")."""
    if response.protocol == "h2":
        return "HTTP/2"
    return response.protocol or "HTTP/1.1"


def status_phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
