"""-a source=commoncrawl: the newest capture of each article across Common Crawl's crawls."""


class CommonCrawlSource:
    def commoncrawl_start(self):
        raise NotImplementedError("source=commoncrawl")
