"""`scrapy crawl` with honest exit codes and a last line a scheduler can trust.

Scrapy's own command exits 0 whatever happened during the crawl. This one
checks the spider arguments, the settings and the outputs before anything is
downloaded (exit 2, `<spider>: bad argument: <reason>`), opens the state
(exit 1, `<spider>: failed: <reason>`), runs the crawl, and ends its log with
the Summary. Every run that did not finish and work exits 1 with
`<spider>: failed: <reason>` as the last line on stderr (see crawler.verdict).
"""

import asyncio
import logging
import os
import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.arguments import ArgumentError
from crawler.exporters import local_path
from crawler.state import ArticleState, StateError, state_path
from crawler.verdict import account_for_every_article, forced_stop_failure, summary

logger = logging.getLogger(__name__)


class CannotRun(Exception):
    """The run cannot start; `exitcode` 2 for a bad argument or setting, 1 otherwise."""

    def __init__(self, exitcode, message):
        super().__init__(message)
        self.exitcode = exitcode


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
        try:
            check_before_crawling(crawler, opts.spargs)
        except CannotRun as error:
            return self._end(name, error.exitcode, str(error))
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        bootstrap_error = _retrieve_error(started)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            error = bootstrap_error()
            return self._end(name, 1, _one_line(error) if error else "the crawl could not start")
        failure = crawler.stats.get_value("run/failure")
        if crawler.stats.get_value("finish_reason") is None:
            # A forced shutdown (a second Ctrl-C) stops the reactor before the spider closes.
            failure = forced_stop_failure(crawler.settings)
            account_for_every_article(crawler.stats, finished=False)
        # The Summary ends the log, after Scrapy's own closing lines.
        logger.info("Summary: %s", summary(crawler.stats))
        if failure:
            self._end(name, 1, failure)

    def _end(self, spider_name, exitcode, reason):
        kind = "bad argument" if exitcode == 2 else "failed"
        print(f"{spider_name}: {kind}: {reason}", file=sys.stderr)
        self.exitcode = exitcode


def check_before_crawling(crawler, spider_arguments):
    """What would make the run fail at once or lose data, found before anything is downloaded.

    Returns the parsed arguments; raises CannotRun with the exit code and the one-line reason.
    """
    settings = crawler.settings
    check = getattr(crawler.spidercls, "check_arguments", None)
    run = None
    if check is not None:
        try:
            run = check(settings, **spider_arguments)
        except ArgumentError as error:
            raise CannotRun(2, str(error)) from None
    check_jobdir(settings.get("JOBDIR"))
    state_file = state_path(settings, crawler.spidercls.name) if settings.getbool("INCREMENTAL") else None
    inputs = [Path(path) for path in getattr(run, "archive_files", [])]
    for uri, options in settings.getdict("FEEDS").items():
        check_output(str(uri), options or {}, state_file, inputs)
    if state_file is not None:
        try:
            ArticleState(state_file).open().close()
        except StateError as error:
            raise CannotRun(1, str(error)) from None
    return run


def check_jobdir(jobdir):
    if not jobdir:
        return
    path = Path(jobdir)
    if path.exists() and not path.is_dir():
        raise CannotRun(2, f"JOBDIR={jobdir} is not a folder")
    existing = _nearest_existing(path)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise CannotRun(1, f"JOBDIR={jobdir} cannot be written: {existing} is not a writable folder")


def check_output(uri, options, state_file, inputs):
    """A local output that would destroy data or cannot be written stops the run (remote feeds are not checked)."""
    path = local_path(uri)
    if path is None:
        return
    if path.is_dir():
        raise CannotRun(2, f"the output {path} is a folder; give a file")
    if state_file is not None and _same_file(path, state_file):
        raise CannotRun(2, f"the output {path} is the state file")
    for given in inputs:
        if _same_file(path, given):
            raise CannotRun(2, f"the output {path} is one of the archive files read")
    if options.get("overwrite") and state_file is not None and _holds_lines(path):
        # The state counts the lines of earlier runs' files as emitted: overwriting one would lose
        # those articles for good, since no later run emits them again.
        raise CannotRun(
            2,
            f"-O {path} would overwrite the articles of an earlier run, which the state counts as emitted; "
            f"append with -o, write to a new file, or start afresh by moving away both {path} and {state_file}",
        )
    folder = _nearest_existing(path.absolute().parent)
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise CannotRun(1, f"cannot write the output {path}: {folder} is not a writable folder")


def _nearest_existing(path):
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _same_file(one, other):
    return os.path.realpath(one) == os.path.realpath(other)


def _holds_lines(path):
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _retrieve_error(started):
    """A function giving the exception the crawl's start ended with, if any.

    Retrieving it here keeps asyncio from printing it as an unhandled traceback: the run ends
    with its one line instead. An error the project expects (a state file it cannot use, a file
    it cannot open) needs no traceback; anything else is logged with one.
    """
    errors = []

    def keep(error):
        if error is not None:
            errors.append(error)
            expected = isinstance(error, (StateError, OSError))
            logger.log(logging.DEBUG if expected else logging.ERROR, "The crawl could not start", exc_info=error)

    if isinstance(started, asyncio.Future):
        started.add_done_callback(lambda task: keep(None if task.cancelled() else task.exception()))
    else:
        started.addErrback(lambda failure: keep(failure.value))
    return lambda: errors[0] if errors else None


def _one_line(error):
    text = " ".join(str(error).split())
    return text if isinstance(error, StateError) else f"{type(error).__name__}: {text}" if text else type(error).__name__
