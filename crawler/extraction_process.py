"""Article pages extracted in a process of their own, beside the crawl.

Scrapy runs a crawl on one core: downloading, scheduling and the callbacks share
one thread. Parsing a page and walking it for its fields costs about as much as
fetching it, so done in the callback it halves the pages per second a machine
can crawl. With EXTRACTION_PROCESS on, the callback sends the page's bytes to a
child process (`python -m crawler.extraction_process`) that runs the very same
`article_from_response` and sends back the Article or the Skip; the crawl's thread
goes on downloading meanwhile.

The child reads length-prefixed pickles from its stdin and answers on its
stdout, in order. If it dies or cannot start, the error is logged once,
counted (`extraction/process_failed`), and every page, those in flight
included, is extracted in the crawl's process instead: nothing is lost.
"""

import asyncio
import fcntl
import logging
import os
import pickle
import signal
import struct
import sys
import traceback

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.asyncio import is_asyncio_available

from crawler.articles import Skip, article_from_response
from crawler.items import Article

logger = logging.getLogger(__name__)

_LENGTH = struct.Struct("!I")
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_SIZE = 1 << 20


class ExtractionFailed(Exception):
    """The extraction of one page raised in the child; the message carries its traceback."""


class ProcessGone(Exception):
    """The child cannot take pages: it did not start, or it died."""


class ExtractionProcess:
    """Extension: starts the child with the first article page and stops it when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.process = None
        self.failed = False
        self._starting = None
        self._waiting = {}  # request number -> future of its answer
        self._next_number = 0
        self._reader = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("EXTRACTION_PROCESS"):
            raise NotConfigured
        if not is_asyncio_available():
            # The child is driven with asyncio pipes; without the asyncio reactor, extract in-process.
            raise NotConfigured("EXTRACTION_PROCESS needs Scrapy's asyncio reactor")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    # -- the crawl's side ------------------------------------------------------------

    async def article_from_response(self, response, edition, language):
        """What `article_from_response` gives for this page, computed in the child when it is up."""
        if not self.failed:
            try:
                return await self._ask(response, edition, language)
            except ProcessGone:
                pass  # logged and counted once, in _fail
        return article_from_response(response, edition, language)

    async def _ask(self, response, edition, language):
        if self.process is None:
            # Started with the first page: a run with no page to extract starts no process.
            if self._starting is None:
                self._starting = asyncio.ensure_future(self._start())
            await self._starting
        if self.failed:  # it started, and died while this page waited
            raise ProcessGone()
        number = self._next_number
        self._next_number += 1
        # The page as the child rebuilds it: the same bytes decoded with the same encoding, so its
        # response.text is the crawl's.
        message = pickle.dumps((number, response.url, response.body, response.encoding, edition, language),
                               protocol=pickle.HIGHEST_PROTOCOL)
        answer = asyncio.get_running_loop().create_future()
        self._waiting[number] = answer
        # No drain(): a page waiting here is a response Scrapy's scraper slot still holds, so the
        # downloader stops once SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes wait, and so does this buffer.
        # (Waiting in drain() as well made the crawl's peak memory 40 MB larger, for nothing.)
        self.process.stdin.write(_LENGTH.pack(len(message)) + message)
        kind, payload = await answer
        if kind == "article":
            return Article(payload)
        if kind == "skip":
            reason, detail, article = payload
            return Skip(reason, detail, Article(article) if article is not None else None)
        raise ExtractionFailed(payload)

    async def _start(self):
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "crawler.extraction_process",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=_child_environment(),
            )
        except OSError as error:
            self._fail(f"cannot start: {error}")
            raise ProcessGone() from None
        _enlarge_pipe(self.process.stdin)
        self._reader = asyncio.ensure_future(self._read_answers())
        logger.info("Extraction process started (pid %d)", self.process.pid)

    async def _read_answers(self):
        try:
            while True:
                (length,) = _LENGTH.unpack(await self.process.stdout.readexactly(_LENGTH.size))
                number, kind, payload = pickle.loads(await self.process.stdout.readexactly(length))
                answer = self._waiting.pop(number)
                if not answer.done():
                    answer.set_result((kind, payload))
        except asyncio.IncompleteReadError:
            code = await self.process.wait()
            if self._waiting or not self._stopping:
                self._fail(f"exited with code {code}")
        except Exception as error:  # a broken answer: stop using the child, extract here
            logger.exception("Extraction process sent an unreadable answer")
            self._fail(f"unreadable answer: {error!r}")
            self.process.kill()

    def _fail(self, why):
        if not self.failed:
            self.failed = True
            self.crawler.stats.inc_value("extraction/process_failed")
            logger.error("Extraction process %s; extracting in the crawl's process from now on", why)
        waiting, self._waiting = self._waiting, {}
        for answer in waiting.values():
            if not answer.done():
                answer.set_exception(ProcessGone())

    async def spider_closed(self, spider):
        if self.process is None:
            return
        self._stopping = True
        self.process.stdin.close()  # the child ends at the end of its input
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except asyncio.TimeoutError:
            logger.warning("Extraction process did not end; killing it")
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            await self._reader


def _child_environment():
    """This process's environment, with its import path: the `crawler` package may be importable
    only from where this process found it (scrapyd's egg, a project folder above the current one)."""
    path = os.pathsep.join(entry for entry in sys.path if entry)
    return {**os.environ, "PYTHONPATH": path}


def _enlarge_pipe(writer):
    """A pipe holds 64 kB on Linux, less than many pages: 1 MB lets a page go in one write."""
    try:
        fcntl.fcntl(writer.transport.get_extra_info("pipe").fileno(), F_SETPIPE_SZ, PIPE_SIZE)
    except (OSError, AttributeError) as error:  # not Linux, or above /proc/sys/fs/pipe-max-size
        logger.debug("Pipe to the extraction process left at its size: %s", error)


# -- the child's side --------------------------------------------------------------


def answer(url, body, encoding, edition, language):
    """(kind, payload) for one page: ("article", dict), ("skip", (reason, detail, dict|None)) or
    ("error", the traceback)."""
    try:
        result = article_from_response(HtmlResponse(url, body=body, encoding=encoding), edition, language)
    except Exception:
        return "error", f"extracting {url}:\n{traceback.format_exc()}"
    if isinstance(result, Skip):
        return "skip", (result.reason, result.detail, dict(result.article) if result.article is not None else None)
    return "article", dict(result)


def serve(requests, answers):
    """Answer every request of `requests` on `answers`, until the end of the input."""
    while header := requests.read(_LENGTH.size):
        if len(header) < _LENGTH.size:
            break
        (length,) = _LENGTH.unpack(header)
        number, *page = pickle.loads(requests.read(length))
        message = pickle.dumps((number, *answer(*page)), protocol=pickle.HIGHEST_PROTOCOL)
        answers.write(_LENGTH.pack(len(message)) + message)
        answers.flush()


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group; the crawl stops gracefully and still needs its pages
    # extracted, so the child ends only when the crawl closes its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Answers go on a private copy of stdout; anything else printing there goes to stderr instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)
