"""One archived copy of an rfi.fr page: what a web archive holds, and where it came from."""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.middlewares import decoded_as_written


# Headers that described the bytes on the wire: a Capture's body is always decoded, so its response
# goes without them.
WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class Capture:
    url: str  # the page's own URL, as captured (https://www.rfi.fr/cn/...)
    body: bytes
    headers: list = field(default_factory=list)  # the archived HTTP headers, (name, value) pairs, as archived
    captured_at: str | None = None  # ISO 8601 UTC
    source: str = "warc"  # wayback, commoncrawl or warc
    via: str | None = None  # replay URL, filename#offset or path#offset

    def response(self):
        """The response rfi.fr sent, as Scrapy's downloader and CharsetMiddleware would have made it."""
        headers = Headers()
        for name, value in self.headers:
            if name.lower() not in WIRE_HEADERS:
                headers.appendlist(name, value)
        kind = responsetypes.from_args(headers=headers, url=self.url, body=self.body)
        return decoded_as_written(kind(url=self.url, status=200, headers=headers, body=self.body))


def header_pairs(headers):
    """Scrapy Headers as (name, value) text pairs, one per value."""
    return [(name.decode("latin-1"), value.decode("utf-8", "replace"))
            for name, values in headers.items() for value in values]


def timestamp_to_utc(timestamp):
    """A 14-digit archive timestamp (YYYYMMDDhhmmss, UTC) as ISO 8601, or None."""
    try:
        moment = datetime.strptime(str(timestamp)[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc).isoformat()
