"""(a0) of the benchmark: a fetch-only crawl as anyone would write it, outside the project.

A plain Scrapy spider run with `scrapy runspider` from a folder that is not a Scrapy project, so
none of the project's settings, middlewares or extensions apply: Scrapy's defaults, plus the
crawl settings every crawl of the benchmark gets (throttling off, the same concurrency, robots.txt
obeyed). It reads the mirror's listings with Scrapy's own helpers and only counts the article pages.

    scrapy runspider bench/plain_fetch.py -a listing=http://127.0.0.1:PORT/sitemaps/cn/index.xml
    scrapy runspider bench/plain_fetch.py -a listing=http://127.0.0.1:PORT/cn/rss
"""

import scrapy
from scrapy.spiders import SitemapSpider


class PlainFetchSpider(SitemapSpider):
    name = "plain_fetch"

    def __init__(self, listing, **kwargs):
        super().__init__(**kwargs)
        self.listing = listing

    async def start(self):
        if self.listing.endswith(".xml"):  # a sitemap index, followed by SitemapSpider
            self.sitemap_urls = [self.listing]
            async for request in super().start():
                yield request
        else:
            yield scrapy.Request(self.listing, callback=self.parse_feed)

    def parse_feed(self, response):
        for link in response.xpath("//item/link/text()").getall():
            yield scrapy.Request(link.strip(), callback=self.parse)

    def parse(self, response):
        self.crawler.stats.inc_value("articles/fetched")
