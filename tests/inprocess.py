"""The spider in-process, made as `scrapy crawl` makes it, with responses built from pages held in memory.

For what the project decides without the downloader: which listings and articles a run asks for, why a
page is skipped, the item a page gives, the monitors' report, the verdict and the Summary. Retries,
timeouts, redirects, robots.txt, charsets, signals and exit codes are crawled end to end instead.
"""

import asyncio
from collections import deque
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.http import Request
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure
from w3lib.url import file_uri_to_path

from crawler import settings as project
from crawler.items import Article
from crawler.spiders.rfi_cn import RfiCnSpider
from crawler.verdict import summary
from tests.conftest import assert_valid
from tests.mirror.render import encode_path
from tests.mirror.server import decode_path

BASE_URL = "http://127.0.0.1:8000"
PROJECT_SETTINGS = {name: getattr(project, name) for name in dir(project) if name.isupper()}


class Site:
    """What a mirror serves, held in memory: build_site() fills it as it fills a Mirror."""

    def __init__(self, base_url=BASE_URL):
        self.base_url = base_url
        self.routes = {}

    def add(self, path, body, content_type="text/html; charset=utf-8", status=200, headers=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[decode_path(path)] = (data, content_type, status, dict(headers or {}))

    def url(self, path):
        return self.base_url + encode_path(path)

    def response(self, request):
        """The response the downloader builds for the request; 404 for a path the site does not serve."""
        assert request.url.startswith(self.base_url + "/"), f"{request.url} is not on {self.base_url}"
        body, content_type, status, headers = self.routes.get(
            decode_path(request.url), (b"not found\n", "text/plain; charset=utf-8", 404, {}))
        headers = {"Content-Type": content_type, **headers}
        wanted = request.headers.get("Range")
        if wanted and status == 200:  # one byte range, as Common Crawl's data host answers it
            first, last = map(int, wanted.decode().removeprefix("bytes=").split("-"))
            headers["Content-Range"] = f"bytes {first}-{min(last, len(body) - 1)}/{len(body)}"
            body, status = body[first:last + 1], 206
        kind = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return kind(url=request.url, status=status, headers=headers, body=body, request=request)


def local_file(request):
    """The response Scrapy's file:// handler builds: the file's bytes, a class chosen by its name."""
    path = file_uri_to_path(request.url)
    body = Path(path).read_bytes()
    kind = responsetypes.from_args(filename=path, body=body)
    return kind(url=request.url, body=body, request=request)


class Run:
    """One run of a spider (rfi_cn unless `spider=` names another) over a Site:
    `Run(site, since="2024-03-01").crawl()`, then `close()`.

    INCREMENTAL is off unless the test sets it: every article is version 1, without a state file.
    """

    def __init__(self, site=None, settings=None, spider=RfiCnSpider, **arguments):
        self.site = site or Site()
        self.crawler = get_crawler(spider, {
            **PROJECT_SETTINGS, "RFI_BASE_URL": self.site.base_url, "INCREMENTAL": False,
            # Only the project's extensions: the monitors, the verdict.
            "EXTENSIONS_BASE": {}, **(settings or {})})
        self.spider = spider.from_crawler(self.crawler, **arguments)
        self.crawler.spider = self.spider
        self.stats = self.crawler.stats
        self.stats.open_spider()
        self._signal(signals.spider_opened)
        self.pipelines = [load_object(path).from_crawler(self.crawler)
                          for path, _ in sorted(self.crawler.settings.getdict("ITEM_PIPELINES").items(),
                                                key=lambda pipeline: pipeline[1])]
        self.requested = []
        self.items = []
        self._seen = set()

    def start(self):
        """The requests the spider starts with (and the items, for sources read without downloading)."""
        async def collect():
            return [request async for request in self.spider.start()]

        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(collect())
        finally:
            loop.close()

    def crawl(self):
        """Fetch the start requests and everything they lead to, each request once (Scrapy's duplicate filter)."""
        queue = deque()
        for entry in self.start():
            if isinstance(entry, Request):
                queue.append(entry)
            else:
                self.emit(entry)
        while queue:
            request = queue.popleft()
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
            if fingerprint in self._seen and not request.dont_filter:
                continue
            self._seen.add(fingerprint)
            queue.extend(self.fetch(request))
        return self

    def fetch(self, request):
        """Download one request from the site and hand the response to its callback (errback for a
        status Scrapy treats as an error); the requests it gives back, its items through the pipelines."""
        self.requested.append(request.url)
        try:
            response = local_file(request) if request.url.startswith("file:") else self.site.response(request)
        except OSError as error:
            output = self.failed(request, error)
        else:
            if 200 <= response.status < 300:
                output = request.callback(response, **request.cb_kwargs)
            else:
                output = self.failed(request, HttpError(response, "Ignoring non-200 response"))
        follow = []
        for entry in output or ():
            if isinstance(entry, Request):
                follow.append(entry)
            else:
                self.emit(entry)
        return follow

    @staticmethod
    def failed(request, error):
        failure = Failure(error)
        failure.request = request  # as Scrapy hands a failure to an errback
        return request.errback(failure)

    def emit(self, item):
        assert isinstance(item, Article), item
        try:
            for pipeline in self.pipelines:
                item = pipeline.process_item(item)
        except DropItem:
            return
        assert_valid(dict(item))
        self.items.append(item)

    def close(self, reason="finished"):
        """Close the spider as the engine does: the monitors, then the verdict. The run's failure, or None."""
        self.stats.set_value("finish_reason", reason)  # as Scrapy's CoreStats does
        self._signal(signals.spider_closed, reason=reason)
        return self.stats.get_value("run/failure")

    def _signal(self, signal, **arguments):
        for _, result in self.crawler.signals.send_catch_log(signal, spider=self.spider, **arguments):
            if isinstance(result, Failure):
                result.raiseException()

    @property
    def summary(self):
        return "Summary: " + summary(self.stats)

    def stat(self, name):
        return self.stats.get_value(name)
