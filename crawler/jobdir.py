"""A JOBDIR is for pausing and resuming one run, not for remembering across runs.

Scrapy keeps the fingerprints of every request in JOBDIR/requests.seen; a later
run with the same JOBDIR would filter out the feeds and every article it ever
fetched and quietly do nothing. When a run finishes, its fingerprints go; a
paused run (Ctrl-C, SIGTERM) keeps them to resume.
"""

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class ForgetFinishedJob:
    def __init__(self, jobdir):
        self.jobdir = Path(jobdir)

    @classmethod
    def from_crawler(cls, crawler):
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured
        extension = cls(jobdir)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        seen = self.jobdir / "requests.seen"
        if reason == "finished" and seen.exists():
            seen.unlink()
            logger.info("The run finished: %s forgets its requests, the next run starts afresh", self.jobdir)
