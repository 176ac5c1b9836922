"""Settings of the rfi-crawler project.

Scrapy's defaults hold unless set here; each value below says why it differs.
Any of them can be overridden per run with `-s NAME=VALUE`.

The path of an article, from a response to its JSON line, through six modules:
  crawler/spiders/rfi.py   the spider's callback gets an rfi.fr page, a feedx item or an archived capture
  crawler/articles.py      chooses the page object: crawler/extract/rfi_page.py (its layout's selectors in
                           rfi_layouts.py) or feedx_item.py
  crawler/loaders.py       fills and cleans the Article (crawler/items.py)
  crawler/pipelines.py     ITEM_PIPELINES below: the version (asking crawler/incremental.py), the schema
  crawler/exporters.py     FEED_EXPORTERS below: the line, written whole
Before a page is fetched, SPIDER_MIDDLEWARES asks the incremental state whether it is needed at all.
"""

import json
import pkgutil
from pathlib import Path

BOT_NAME = "rfi_crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `crawl` command ends with a non-zero exit code and a one-line reason when a run fails.
COMMANDS_MODULE = "crawler.commands"

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# -- the site --------------------------------------------------------------------
# Every URL the spider builds hangs off this, so tests crawl a mirror on 127.0.0.1.
RFI_BASE_URL = "https://www.rfi.fr"
# What differs between the editions (sections, feedx's feed) is declared in crawler/editions.py.
# Unset: the edition's own feedx feed for -a source=feedx; set, another copy of it (a mirror in tests).
FEEDX_URL = None

# -- politeness ------------------------------------------------------------------
# Default: False. rfi.fr's robots.txt is obeyed.
ROBOTSTXT_OBEY = True
# Default: Scrapy/VERSION. Say who we are and where to read about us.
USER_AGENT = "rfi-crawler/1.0 (+https://github.com/rfi-crawler/rfi-crawler; news archiving)"
# Default: 16 and 8. One site, crawled gently.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Default: off. Adapt the pace to the site's latency, starting at one request a second.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Default: 0. Never faster than four requests a second on one host.
DOWNLOAD_DELAY = 0.25
# Default: none. Saved feedx items (-a archive=) are local files: no delay for them. Web archives
# get slots of their own, at the pace each documents (../README.md, "When rfi.fr blocks you").
DOWNLOAD_SLOTS = {
    "local-files": {"delay": 0, "concurrency": 16},
    # The Internet Archive's CDX server allows ~60 requests a minute per address and blocks for an
    # hour (then twice as long each time) when its 429s are ignored: one at a time, one per 2.5 s.
    "wayback-cdx": {"delay": 2.5, "concurrency": 1},
    # Replay (id_) runs on other servers with looser limits: a few at a time.
    "wayback-replay": {"delay": 0.5, "concurrency": 4},
    # Common Crawl's index server is small and answers 503 when pushed: one at a time.
    "commoncrawl-index": {"delay": 1.0, "concurrency": 1},
    # Its data host is a CDN that takes parallel range requests.
    "commoncrawl-data": {"delay": 0, "concurrency": 8},
}

# -- web archives (-a source=wayback, -a source=commoncrawl, -a warc=PATH) ---------------
# Any Wayback-compatible archive: the Internet Archive, or a pywb collection
# (CDX at http://HOST/COLL/cdx, replay at http://HOST/COLL/).
WAYBACK_CDX_URL = "https://web.archive.org/cdx/search/cdx"
WAYBACK_REPLAY_URL = "https://web.archive.org/web/"
# Common Crawl's list of crawls (each with its own CDX API) and the host of its WARC files.
COMMONCRAWL_INDEX_URL = "https://index.commoncrawl.org/collinfo.json"
COMMONCRAWL_DATA_URL = "https://data.commoncrawl.org/"
# 429 answers of an archive's index in a row that stop the source (exit 1) instead of retrying into a block.
ARCHIVE_MAX_429 = 3
# Keep every page a live crawl reads as WARC files in this folder (unset: keep nothing); a file is
# closed and the next one started once it passes PAGES_ARCHIVE_MAX_MB.
PAGES_ARCHIVE = None
PAGES_ARCHIVE_MAX_MB = 1024

# -- failing fast ----------------------------------------------------------------
# Default: 180 and 60 s. An unreachable site must end the run in seconds, not minutes.
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 15
# Default: 1 GiB. An article page or a feed is far smaller; anything bigger is not one.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
# Default: DEBUG. Scheduled runs want the warnings and the summary, not every request.
LOG_LEVEL = "INFO"
# Every this many seconds (fractions too), a `Progress:` line on listings and articles, with an ETA
# when the run's total is known (a backfill, a web archive); 0 turns it off (crawler/progress.py).
PROGRESS_INTERVAL = 60
# Default: on. Nobody attaches to scheduled runs; an open port is a risk.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# -- development -----------------------------------------------------------------
# Default: off. `-s HTTPCACHE_ENABLED=1` replays pages from .scrapy/httpcache while
# working on selectors, without hitting the site again.
HTTPCACHE_ENABLED = False
HTTPCACHE_EXPIRATION_SECS = 24 * 3600

# -- output ----------------------------------------------------------------------
# One JSON-lines file per run, used when no feed is given (FEEDS, -o/-O FILE, scrapyd's
# items_dir): the crawl command sets it as FEEDS, since -o would otherwise add to it.
RFI_DEFAULT_FEED = str(PROJECT_ROOT / "output" / "%(name)s" / "%(time)s.jsonl")
# Default: ASCII with \uXXXX escapes. The output is read by people and tools in UTF-8.
FEED_EXPORT_ENCODING = "utf-8"

# -- incremental runs ---------------------------------------------------------------
# Each run emits only articles that are new or changed since the last run; the state
# of what was emitted lives in STATE_DIR/<spider>.sqlite3. INCREMENTAL=0 emits everything.
INCREMENTAL = True
STATE_DIR = str(PROJECT_ROOT / "state")

DOWNLOADER_MIDDLEWARES = {
    # Requests, redirects included, go to the site's origin only (feedx's on feedx runs), and
    # before robots.txt is asked for: nothing is requested of another origin.
    "crawler.middlewares.StayOnTheSite": 50,
    # Scrapy's retries, plus waiting as long as a 429/503 Retry-After asks (at most RETRY_AFTER_MAX s).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    # Pages whose charset is missing or wrong are decoded by what their bytes are; after decompression (590).
    "crawler.middlewares.CharsetMiddleware": 580,
}
RETRY_AFTER_MAX = 120

SPIDER_MIDDLEWARES = {
    # Asks the incremental state (IncrementalState, in EXTENSIONS) about each listed article page:
    # one it holds and whose listing shows no change since is dropped before it is scheduled.
    "crawler.incremental.SkipUnchangedArticles": 950,
}
ITEM_PIPELINES = {
    # Asks the incremental state for the article's version: 1 when new, +1 when its content or its
    # `modified` date changed; drops it when unchanged. Once its line is written, the state holds it.
    "crawler.pipelines.VersionArticles": 800,
    # Checks every emitted item against the JSON Schema; errors are counted for the monitors.
    "crawler.pipelines.ValidateArticles": 900,
}
# Default: Scrapy's exporters. Lines are written whole, one at a time (see crawler/exporters.py).
FEED_EXPORTERS = {
    "jsonlines": "crawler.exporters.LineAtATimeJsonLinesExporter",
    "jsonl": "crawler.exporters.LineAtATimeJsonLinesExporter",
}

# -- data-quality monitors (spidermon; crawler/monitors.py) ---------------------------
# A monitor that fails fails the run (exit code 1, the report as its reason). A threshold
# left unset (None) skips its check.
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.SpiderCloseMonitorSuite"]
# Read through pkgutil so that it also works from a scrapyd egg.
SPIDERMON_VALIDATION_SCHEMAS = [json.loads(pkgutil.get_data("crawler", "schemas/article.json"))]
SPIDERMON_MAX_ITEM_VALIDATION_ERRORS = 0
# Share of the article pages read on which each field is found. Some pages lack a lede or an
# image, some listed pages are not articles; a share below these is a collapse, which is what
# a changed layout looks like. Judged only once RFI_COVERAGE_MIN_PAGES pages were read.
RFI_FIELD_COVERAGE = {"title": 0.5, "published": 0.5, "paragraphs": 0.5, "lede": 0.3, "image": 0.3}
RFI_COVERAGE_MIN_PAGES = 10
# Unset by default: error log lines, 403 answers and retries are counted in the Summary and
# the verdict handles blocking; set these to fail runs above a count.
SPIDERMON_MAX_ERRORS = None
RFI_MAX_403 = None
SPIDERMON_MAX_RETRIES = None
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "shutdown"]

EXTENSIONS = {
    # A finished run's JOBDIR forgets its requests, so the next run with it is not empty.
    "crawler.jobdir.ForgetFinishedJob": 600,
    # Runs the monitors above when the spider closes.
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    # The incremental state's one owner, asked by SkipUnchangedArticles and VersionArticles: opens
    # STATE_DIR/<spider>.sqlite3 once as the crawl starts (a locked or damaged file stops the run),
    # settles a killed run, and closes the file when the spider closes, before RunVerdict reads
    # what it counted.
    "crawler.incremental.IncrementalState": 100,
    # With PAGES_ARCHIVE set, writes every page the run reads (feeds, sitemaps, articles) to WARC
    # files there, for pywb or a later `-a warc=DIR` run; off otherwise (crawler/archives/pages_archive.py).
    # Made first, so that a folder it cannot write refuses the run before the state file is opened.
    "crawler.archives.pages_archive.PagesArchive": 50,
    # Decides whether the run failed and counts every article discovered in one outcome; the crawl
    # command ends the log with the Summary of those counts. After spidermon (500), whose report it reads.
    "crawler.verdict.RunVerdict": 900,
    # Logs the run's progress every PROGRESS_INTERVAL seconds, beside Scrapy's LogStats line (also at 0).
    "crawler.progress.ProgressLog": 0,
}
