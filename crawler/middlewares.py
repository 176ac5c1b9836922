"""Downloader middlewares for what the web does to a long-running crawl."""

import logging
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.asyncio import sleep

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url):
    """(scheme, host, port) of a URL, as browsers compare origins."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        return (parts.scheme, parts.hostname, None)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(parts.scheme.lower()))


class LeftTheSite(IgnoreRequest):
    """A request, usually a redirect's, for an origin the run does not crawl."""


class StayOnTheSite:
    """Every request goes to one of the spider's `allowed_origins` (scheme, host and port), local
    files only when the spider `reads_local_files`.

    Scrapy's offsite filter compares host names only, so a redirect to another port or scheme, or
    to feedx on a run of rfi.fr, went through, robots.txt request and all. Placed before the
    robots.txt middleware, so that nothing at all is asked of another origin.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_origins", None)
        if allowed is None:
            return None
        if request.url.startswith("file:"):
            if getattr(spider, "reads_local_files", False):
                return None
        elif origin(request.url) in allowed:
            return None
        self.crawler.stats.inc_value("requests/left_the_site")
        raise LeftTheSite(f"{request.url} is not on the site crawled")


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting as long as a 429 or 503 asks in its Retry-After header.

    The wait is capped by RETRY_AFTER_MAX so one answer cannot stall a run for hours.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX")

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait:
            wait = min(wait, self.max_wait)
            self.crawler.stats.inc_value("retry/retry_after_waits")
            logger.info("%s answered %d, waiting %.1f s as its Retry-After asks", request.url, response.status,
                        wait)
            await sleep(wait)
        return self._retry(request, f"{response.status} response") or response


def retry_after_seconds(value):
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# Charsets servers declare by default when they declare nothing meaningful.
DEFAULT_DECLARATIONS = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "ascii", "us-ascii"}


class CharsetMiddleware:
    """Decode pages by what their bytes are, when the declared charset is missing or wrong.

    A body that is valid UTF-8 is UTF-8, whatever the headers say (other
    encodings of Chinese text are practically never valid UTF-8). Otherwise the
    declared charset stands if it decodes the body; failing that, GB18030, the
    superset of the encodings Chinese pages use.
    """

    def process_response(self, request, response):
        return decoded_as_written(response)


def decoded_as_written(response):
    """The response, decoded by what its bytes are (see CharsetMiddleware); archived pages too."""
    if not isinstance(response, TextResponse) or not response.body:
        return response
    encoding = best_encoding(response.body, response.encoding)
    if encoding and encoding != response.encoding:
        logger.debug("Decoding %s as %s, not the declared %s", response.url, encoding, response.encoding)
        return response.replace(encoding=encoding)
    return response


def best_encoding(body, declared):
    if _decodes(body, "utf-8"):
        return "utf-8"
    declared = (declared or "").lower()
    if declared and declared not in DEFAULT_DECLARATIONS and _decodes(body, declared):
        return None
    if _decodes(body, "gb18030"):
        return "gb18030"
    return None


def _decodes(body, encoding):
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
