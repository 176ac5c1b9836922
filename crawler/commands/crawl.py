"""`scrapy crawl` with honest exit codes.

Scrapy's own command exits 0 whatever happened during the crawl. This one
exits 2 with one line on bad spider arguments, before anything is downloaded,
and 1 with one line when the run failed (see crawler.verdict).
"""

import os
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.arguments import ArgumentError
from crawler.exporters import local_path
from crawler.state import ArticleState, StateError, state_path


class Command(ScrapyCrawlCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        default_feed = self.settings.get("RFI_DEFAULT_FEED")
        if default_feed and not self.settings.getdict("FEEDS"):
            self.settings.set("FEEDS", {default_feed: {"format": "jsonlines"}}, priority="project")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        crawler = self._create_crawler(args[0])
        check = getattr(crawler.spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(crawler.settings, **opts.spargs)
            except ArgumentError as error:
                print(f"{args[0]}: bad argument: {error}", file=sys.stderr)
                self.exitcode = 2
                return
        if crawler.settings.getbool("INCREMENTAL"):
            # A locked or damaged state file stops the run here, in one line, before the crawl.
            try:
                ArticleState(state_path(crawler.settings, crawler.spidercls.name)).open().close()
            except StateError as error:
                print(f"{args[0]}: {error}", file=sys.stderr)
                self.exitcode = 1
                return
        # A feed that cannot be written would lose every item: stop first (e.g. scrapyd
        # without items_dir, where the default feed would lie inside the deployed egg).
        for uri in crawler.settings.getdict("FEEDS"):
            if reason := unwritable_feed(str(uri)):
                print(f"{args[0]}: failed: {reason}", file=sys.stderr)
                self.exitcode = 1
                return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif failure := crawler.stats.get_value("run/failure"):
            print(f"{args[0]}: failed: {failure}", file=sys.stderr)
            self.exitcode = 1


def unwritable_feed(uri):
    """Why a local feed's file cannot be created, or None (remote feeds are not checked)."""
    path = local_path(uri)
    if path is None:
        return None
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write the output {path}: {folder} is not a writable folder"
    return None
