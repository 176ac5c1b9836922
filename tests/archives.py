"""WARC files made by the tests, with warcio, from pages the tests render: what a web archive holds.

    write_warc(path, [Capture("https://www.rfi.fr/cn/…", html, "20240301120000"), …])

Each capture becomes a response record (and a request record before it), gzipped per record unless
the file name ends in .warc. Noise for the readers: other hosts and editions, images, 404s, revisits.
"""

import io
from dataclasses import dataclass, field

from w3lib.url import safe_url_string
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass
class Capture:
    url: str  # percent-encoded when written, as crawlers record it
    body: bytes | str
    timestamp: str = "20240301120000"  # YYYYMMDDhhmmss, UTC
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    revisit_of: str | None = None  # a revisit record: the URL of the earlier identical capture
    headers: list = field(default_factory=list)

    def __post_init__(self):
        self.url = safe_url_string(self.url)
        if self.revisit_of:
            self.revisit_of = safe_url_string(self.revisit_of)

    @property
    def data(self):
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body

    @property
    def warc_date(self):
        t = self.timestamp
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def write_records(stream, captures, gzip=True):
    """The captures as WARC records on stream; returns [(capture, offset, length)] of the response records."""
    writer = WARCWriter(stream, gzip=gzip)
    placed = []
    for capture in captures:
        date = {"WARC-Date": capture.warc_date}
        request = writer.create_warc_record(
            capture.url, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET {capture.url} HTTP/1.1", [("User-Agent", "tests")], is_http_request=True),
            warc_headers_dict=date)
        writer.write_record(request)
        http = StatusAndHeaders(f"{capture.status} {'OK' if capture.status == 200 else 'Error'}",
                                [("Content-Type", capture.content_type), *capture.headers], protocol="HTTP/1.1")
        if capture.revisit_of:
            record = writer.create_revisit_record(capture.url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                                  capture.revisit_of, capture.warc_date, http_headers=http,
                                                  warc_headers_dict=dict(date))
        else:
            record = writer.create_warc_record(capture.url, "response", payload=io.BytesIO(capture.data),
                                               http_headers=http, warc_headers_dict=dict(date))
        offset = stream.tell()
        writer.write_record(record)
        placed.append((capture, offset, stream.tell() - offset))
    return placed


def write_warc(path, captures, gzip=None):
    """A WARC file of the captures (gzipped per record when the name ends .gz); [(capture, offset, length)]."""
    gzip = str(path).endswith(".gz") if gzip is None else gzip
    with open(path, "wb") as stream:
        return write_records(stream, captures, gzip=gzip)


def noise(timestamp="20240301120000"):
    """Captures no reader may turn into an article, each with the reason it is passed over."""
    return [
        (Capture("https://www.example.com/cn/中国/20240301-别家网站", "<html><body>x</body></html>", timestamp),
         "other_host"),
        (Capture("https://www.rfi.fr/fr/france/20240301-une-page", "<html><body>x</body></html>", timestamp),
         "other_edition"),
        (Capture("https://www.rfi.fr/cn/中国/20240301-一张图片.jpg", b"\xff\xd8\xff\xe0", timestamp,
                 content_type="image/jpeg"), "not_html"),
        (Capture("https://www.rfi.fr/cn/中国/20240301-不存在的文章", "<html><body>not found</body></html>",
                 timestamp, status=404), "not_200"),
        (Capture("https://cn.rfi.fr/中国/20120301-旧网站的文章", "<html><body>old</body></html>", timestamp),
         "old_site"),
    ]
