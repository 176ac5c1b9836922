"""`python -m scrapy ARGUMENTS` in a process of its own, forked from one that has Scrapy imported already.

A `scrapy crawl` spends over a second importing Scrapy, Twisted, spidermon and jsonschema before it
asks for a page, and the end-to-end tests start a few dozen. multiprocessing's fork server imports
them once per test worker (PRELOAD) and forks each command from there. The child takes the command's
working folder, environment, stdout and stderr, then calls scrapy.cmdline.execute as `python -m scrapy`
does: exit codes, signals and output are a real process's, and the project's own modules are imported
in the child, after its environment is set. What the interpreter reads only as it starts (PYTHONPATH,
PYTHONHASHSEED, PYTHONWARNINGS) is the test worker's. test_crawl_site's default run is still started with
the interpreter itself. Per crawl: 0.75 s of CPU instead of 2.3 s (the default run of the fixture mirror).
"""

import io
import multiprocessing
import os
import resource
import signal
import sys
import threading
import weakref
from pathlib import Path

import scrapy

SCRAPY_MAIN = str(Path(scrapy.__file__).with_name("__main__.py"))

# What a crawl imports before its first request, without the project's own modules. Not
# twisted.internet.reactor: a crawl installs the reactor its settings name.
PRELOAD = [
    "scrapy.cmdline",
    "scrapy.core.downloader.handlers.http11",
    "scrapy.core.engine",
    "scrapy.core.scheduler",
    "scrapy.downloadermiddlewares.cookies",
    "scrapy.downloadermiddlewares.httpcompression",
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.extensions.feedexport",
    "scrapy.extensions.remote_control",
    "scrapy.extensions.throttle",
    "scrapy.pipelines",
    "scrapy.spidermiddlewares.referer",
    "spidermon.contrib.scrapy.extensions",
    "spidermon.contrib.scrapy.runners",
    "spidermon.python.monitors",
    "fastjsonschema",
    "jsonschema",
    "dateutil.parser",
    "lxml.html",
    "parsel",
    "protego",
    "sqlite3",
    "twisted.internet.asyncioreactor",
    "warcio.archiveiterator",
    "fastwarc.warc",
]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def _execute(arguments, cwd, env, stdout, stderr, file_size_limit):
    """In the forked child: become `python -m scrapy ARGUMENTS` run in `cwd` with `env`."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, pipe in ((1, stdout), (2, stderr)):
        os.dup2(pipe.fileno(), fd)
        pipe.close()
    # As the interpreter opens them on a pipe: UTF-8 (the environment's locale here), stderr line-buffered.
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    if file_size_limit is not None:
        # A full disk: writes past the limit fail with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
    sys.argv = [SCRAPY_MAIN, *arguments]
    from scrapy.cmdline import execute

    try:
        execute(sys.argv)  # ends with sys.exit(exit code), which multiprocessing makes the process's
    except KeyboardInterrupt:
        # A Ctrl-C before Scrapy handles SIGINT itself: the interpreter would end killed by it (-2), not 1.
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)


class _Reader(threading.Thread):
    """Reads a pipe to its end as it fills, so that the child never waits on a full pipe."""

    def __init__(self, connection):
        super().__init__(daemon=True)
        self.connection = connection
        self.data = bytearray()
        self.ended = False
        self.changed = threading.Condition()
        self.start()

    def run(self):
        with open(self.connection.fileno(), "rb", buffering=0, closefd=False) as pipe:
            while chunk := pipe.read(65536):
                with self.changed:
                    self.data += chunk
                    self.changed.notify_all()
        self.connection.close()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def text(self, within=30):
        """All it read, once the pipe ended: `within` seconds after its process did, or an error."""
        self.join(within)
        if self.is_alive():
            raise AssertionError(f"its output pipe stayed open {within} s after the process ended")
        return self.data.decode("utf-8", errors="replace")


class ScrapyProcess:
    """A started `scrapy ARGUMENTS`, with what the tests use of subprocess.Popen; stdout and stderr are
    read as they come, kept whole for communicate() and followed line by line with stderr_lines()."""

    running = weakref.WeakSet()  # for kill_left_running()

    @classmethod
    def kill_left_running(cls):
        """Kill what a test left running (it failed before it waited), so that no crawl outlives its
        test and asks a later test's mirror for pages."""
        for process in list(cls.running):
            if process.poll() is None:
                process.kill()
                process._process.join()

    def __init__(self, arguments, cwd, env=None, file_size_limit=None):
        self.arguments = [str(argument) for argument in arguments]
        (stdout, child_stdout), (stderr, child_stderr) = (_context.Pipe(duplex=False) for _ in range(2))
        # daemon: one a failed test left running is ended when its test worker ends, not waited for.
        self._process = _context.Process(
            target=_execute, name="scrapy " + " ".join(self.arguments[:2]), daemon=True,
            args=(self.arguments, str(cwd), dict(os.environ if env is None else env), child_stdout, child_stderr,
                  file_size_limit))
        try:
            self._process.start()
        finally:
            child_stdout.close()
            child_stderr.close()
        self.pid = self._process.pid
        self._stdout, self._stderr = _Reader(stdout), _Reader(stderr)
        self.running.add(self)

    @property
    def returncode(self):
        return self._process.exitcode

    def poll(self):
        return self._process.exitcode

    def wait(self, timeout=None):
        self._process.join(timeout)
        if self._process.exitcode is None:
            self.kill()
            self._process.join()
            raise AssertionError(f"scrapy {' '.join(self.arguments)} did not end in {timeout} s; killed. "
                                 f"Its stderr:\n{self._stderr.text()[-3000:]}")
        return self._process.exitcode

    def send_signal(self, number):
        if self._process.exitcode is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:  # it ended; the fork server has not told us yet
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout=None):
        """(stdout, stderr), whole, once it ended."""
        self.wait(timeout)
        return self._stdout.text(), self._stderr.text()

    def stderr_lines(self, within=120):
        """stderr line by line as it is written, to its end; an error when no line came for `within` s."""
        reader, offset = self._stderr, 0
        while True:
            with reader.changed:
                if not reader.changed.wait_for(lambda: reader.data.find(b"\n", offset) >= 0 or reader.ended, within):
                    raise AssertionError(f"scrapy {' '.join(self.arguments)} wrote no line on stderr for {within} s")
                end = reader.data.find(b"\n", offset)
                if end < 0:  # the pipe ended
                    rest = bytes(reader.data[offset:])
                    if rest:
                        yield rest.decode("utf-8", errors="replace")
                    return
                line = bytes(reader.data[offset:end + 1])
            offset = end + 1
            yield line.decode("utf-8", errors="replace")


class Completed:
    """What subprocess.run() answers: the exit code and the whole of stdout and stderr."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_scrapy(arguments, cwd, env=None, timeout=180, file_size_limit=None):
    """`scrapy ARGUMENTS` to its end, like subprocess.run(capture_output=True, text=True)."""
    process = ScrapyProcess(arguments, cwd, env, file_size_limit)
    stdout, stderr = process.communicate(timeout)
    return Completed(process.returncode, stdout, stderr)
