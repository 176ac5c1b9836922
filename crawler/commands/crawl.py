"""`scrapy crawl` with honest exit codes and a last line a scheduler can trust.

Scrapy's own command exits 0 whatever happened during the crawl. This one turns
the run's outcome into its exit code and ends the log with the Summary:
- 2 and `<spider>: bad argument: <reason>` when the spider refuses its arguments,
  settings or outputs as it is made (crawler.arguments, crawler.run_checks);
- 1 and `<spider>: failed: <reason>` when the run could not start (the state file,
  say) or when crawler.verdict judged it failed, stopped or paused;
- 0 otherwise.
"""

import asyncio
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.arguments import ArgumentError
from crawler.run_checks import RunRefused
from crawler.state import StateError
from crawler.verdict import account_for_every_article, forced_stop_failure, summary

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        default_feed = self.settings.get("RFI_DEFAULT_FEED")
        if default_feed and not self.settings.getdict("FEEDS"):
            self.settings.set("FEEDS", {default_feed: {"format": "jsonlines"}}, priority="project")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        name = args[0]
        if name not in self.crawler_process.spider_loader.list():
            known = ", ".join(sorted(self.crawler_process.spider_loader.list()))
            return self._end(name, 2, f"no spider of that name; spiders: {known}")
        crawler = self._create_crawler(name)
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_without_traceback)
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        bootstrap_error = _retrieve_error(started)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            return self._refused(name, bootstrap_error())
        failure = crawler.stats.get_value("run/failure")
        if crawler.stats.get_value("finish_reason") is None:
            # A forced shutdown (a second Ctrl-C) stops the reactor before the spider closes.
            failure = forced_stop_failure(crawler.settings)
            account_for_every_article(crawler.stats, finished=False)
        # The Summary ends the log, after Scrapy's own closing lines.
        logger.info("Summary: %s", summary(crawler.stats))
        if failure:
            self._end(name, 1, failure)

    def _refused(self, spider_name, error):
        if isinstance(error, ArgumentError):
            return self._end(spider_name, 2, str(error))
        if isinstance(error, RunRefused):
            return self._end(spider_name, error.exitcode, str(error))
        return self._end(spider_name, 1, _one_line(error) if error else "the crawl could not start")

    def _end(self, spider_name, exitcode, reason):
        kind = "bad argument" if exitcode == 2 else "failed"
        print(f"{spider_name}: {kind}: {reason}", file=sys.stderr)
        self.exitcode = exitcode


def _without_traceback(record):
    """Scrapy's robots.txt middleware logs a site it cannot reach with the download error's traceback;
    its message already names the error, and the run ends with the reason in one line."""
    record.exc_info = record.exc_text = None
    return True


def _retrieve_error(started):
    """A function giving the exception the crawl's start ended with, if any.

    Retrieving it here keeps asyncio from printing it as an unhandled traceback: the run ends
    with its one line instead. An error the project expects (a state file it cannot use, a file
    it cannot open, a refused argument) needs no traceback; anything else is logged with one.
    """
    errors = []

    def keep(error):
        if error is not None:
            errors.append(error)
            expected = isinstance(error, (ArgumentError, RunRefused, StateError, OSError))
            logger.log(logging.DEBUG if expected else logging.ERROR, "The crawl could not start", exc_info=error)

    if isinstance(started, asyncio.Future):
        started.add_done_callback(lambda task: keep(None if task.cancelled() else task.exception()))
    else:
        started.addErrback(lambda failure: keep(failure.value))
    return lambda: errors[0] if errors else None


def _one_line(error):
    """A StateError's own message; any other error prefixed with its type, which says what it was."""
    text = " ".join(str(error).split())
    if isinstance(error, StateError):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
