"""Shared test helpers: running the real `scrapy crawl` and checking its output."""

import argparse
import compileall
import io
import json
import os
import socket
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import jsonschema
import pytest
from scrapy.settings import Settings

from tests.mirror.corpus import load_corpus
from tests.scrapy_process import ScrapyProcess, run_scrapy

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "crawler" / "schemas" / "article.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def pytest_configure(config):
    # crawler.monitors silences spidermon's Spider.log() warning; pytest resets warning filters per test.
    config.addinivalue_line("filterwarnings",
                            r"ignore:Spider\.log\(\) is deprecated:scrapy.exceptions.ScrapyDeprecationWarning")
    # The crawls the tests start read the project's modules compiled once, here, instead of compiling
    # them again each (a third of a second per process where PYTHONDONTWRITEBYTECODE is set).
    compileall.compile_dir(REPO / "crawler", quiet=1)


# The modules that run longest, each on one worker (--dist loadfile): started first, so that the
# others fill the remaining workers around them instead of one of these ending the run alone.
LONGEST_FIRST = ("test_scrapyd.py", "test_incremental.py", "test_archives_end_to_end.py")


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module's tests keep their order


@pytest.fixture(autouse=True)
def no_crawl_outlives_its_test():
    yield
    ScrapyProcess.kill_left_running()


class CrawlResult:
    def __init__(self, process, output):
        self.returncode = process.returncode
        self.stderr = process.stderr
        self.lines = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
        self.items = [json.loads(line) for line in self.lines]

    @property
    def last_line(self):
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""

    @property
    def summary(self):
        return summary_line(self.stderr)

    def by_path(self):
        from urllib.parse import unquote, urlsplit

        return {unquote(urlsplit(item["url"]).path): item for item in self.items}


def assert_valid(item):
    """The item matches the JSON Schema."""
    errors = sorted(VALIDATOR.iter_errors(item), key=str)
    assert not errors, f"{item.get('url')}: {errors[0].message} at {list(errors[0].absolute_path)}"


def summary_line(log):
    """The `Summary: …` line a run ends its log with."""
    lines = [line for line in log.splitlines() if "Summary: " in line]
    assert lines, f"no Summary line in the log: {log[-2000:]}"
    return "Summary: " + lines[-1].split("Summary: ", 1)[1]


def crawl_arguments(output, settings, arguments=(), spider="rfi_cn", overwrite=True):
    """`crawl SPIDER -O output` (-o unless `overwrite`), unthrottled, with these settings and spider arguments."""
    command = ["crawl", spider, "-O" if overwrite else "-o", str(output)]
    for name, value in {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", **settings}.items():
        command += ["-s", f"{name}={value}"]
    for argument in arguments:
        command += ["-a", argument]
    return command


CRAWL_ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def run_crawl(tmp_path, *arguments, settings=None, timeout=180, output_name="out.jsonl", spider="rfi_cn",
              interpreter=False):
    """`scrapy crawl SPIDER` in a process of its own, as a user runs it; every item is schema-checked.

    Forked from a process with Scrapy imported (tests/scrapy_process.py); with `interpreter`, started
    as `python -m scrapy` itself.
    """
    output = tmp_path / output_name
    command = crawl_arguments(output, {"STATE_DIR": str(tmp_path / "state"), **(settings or {})}, arguments, spider)
    if interpreter:
        process = subprocess.run([sys.executable, "-m", "scrapy", *command], cwd=REPO, capture_output=True, text=True,
                                 timeout=timeout, env=CRAWL_ENV)
    else:
        process = run_scrapy(command, REPO, CRAWL_ENV, timeout=timeout)
    result = CrawlResult(process, output)
    for item in result.items:
        assert_valid(item)
    for line in result.lines:
        assert "\\u" not in line, "output must be UTF-8, not \\u escapes"
    return result


def start_crawl(output, settings):
    """The same crawl started in the background, for the tests that stop or kill it (a ScrapyProcess)."""
    return ScrapyProcess(crawl_arguments(output, settings), REPO, CRAWL_ENV)


class CommandRun(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_command(command_class, *arguments):
    """`scrapy <command> ARGUMENTS`, as Scrapy's command line parses and runs it, in this process."""
    command = command_class()
    command.settings = Settings(command_class.default_settings)
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    command.add_options(parser)
    options, args = parser.parse_known_args([str(argument) for argument in arguments])
    command.process_options(args, options)
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        command.run(args, options)
    return CommandRun(command.exitcode, stdout.getvalue(), stderr.getvalue())


def free_port():
    """A TCP port free on 127.0.0.1 now, for a server a test starts as a process of its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process, within=10):
    """End a server a test started: asked to stop, then killed if it does not within `within` s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=within)


def corpus_path():
    """The real feedx corpus: mandatory when RFI_CORPUS is set, else used when present."""
    configured = os.environ.get("RFI_CORPUS")
    path = Path(configured) if configured else REPO.parent / "shared" / "corpus" / "feedx-rfi"
    if not path.is_absolute():
        path = (REPO / path).resolve()
    if not path.is_dir() or not any(path.glob("*.md")):
        if configured:
            pytest.fail(f"RFI_CORPUS={configured} has no feedx items (*.md)")
        pytest.skip(f"no real corpus at {path}; set RFI_CORPUS to run these tests")
    return path


@pytest.fixture(scope="module")
def corpus():
    """The real corpus's items, read by tests/mirror/corpus.py (test_rfi_tw has its own, in Traditional)."""
    items = load_corpus(corpus_path())
    assert len(items) >= 100
    return items


def seed_path():
    return corpus_path().parent.parent / "seed"
