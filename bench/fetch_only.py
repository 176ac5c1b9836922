"""(a) of the benchmark: the rfi_cn spider's discovery, and nothing done with the pages.

It reads the same listings with the same code (it is a subclass) and requests the same article
pages with the same settings, but its callback only counts the response: no parsing, no item,
nothing for the pipeline or the feed. Its pages per second are the ceiling of this machine for
the crawl; rfi_cn's pages per second divided by it is the share of that ceiling the project keeps.

Run it with `-s SPIDER_MODULES=crawler.spiders,bench.fetch_only` and `-s INCREMENTAL=0`.
"""

from crawler.spiders.rfi_cn import RfiCnSpider


class FetchOnlySpider(RfiCnSpider):
    name = "fetch_only"

    def count_discovered(self, key):
        # The same work as rfi_cn's, counted under another name: with nothing extracted, the
        # project's run verdict would otherwise call the run failed ("no article could be extracted").
        if key not in self.discovered:
            self.discovered.add(key)
            self.stats.inc_value("bench/discovered")

    def parse_article(self, response):
        self.stats.inc_value("articles/fetched")
        return None
