"""Article pages extracted in a child process: the same items as in the crawl's process, and none lost if it dies."""

import json
import os
import re
import signal
import subprocess
import time
from urllib.parse import unquote, urlsplit

import crawler.extraction_process as extraction_process
from tests.conftest import VALIDATOR, run_crawl, start_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

SPECS = [fixture.spec for fixture in ARTICLES]


def without_crawl_time(items):
    return sorted(({k: v for k, v in item.items() if k != "crawled_at"} for item in items), key=lambda i: i["url"])


def test_the_child_process_and_the_crawl_process_give_the_same_items(tmp_path):
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        runs = {setting: run_crawl(tmp_path / setting, settings={"RFI_BASE_URL": mirror.base_url,
                                                                  "EXTRACTION_PROCESS": setting})
                for setting in ("0", "1")}
    for setting, result in runs.items():
        assert result.returncode == 0, result.stderr[-2000:]
    assert ("Extraction process started" in runs["1"].stderr, "Extraction process started" in runs["0"].stderr) == (
        True, False)
    assert len(runs["1"].items) == len(SPECS)
    assert without_crawl_time(runs["1"].items) == without_crawl_time(runs["0"].items)


def test_a_killed_child_process_loses_no_article(tmp_path):
    output = tmp_path / "out.jsonl"
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        for spec in SPECS:
            mirror.add_fault(spec.path, "slow:1.0", times=5)  # one page a second: the kill comes mid-run
        process = start_crawl(output, {"RFI_BASE_URL": mirror.base_url, "STATE_DIR": str(tmp_path / "state"),
                                       "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}, stderr=subprocess.PIPE)
        log = []
        for line in process.stderr:
            log.append(line)
            if started := re.search(r"Extraction process started \(pid (\d+)\)", line):
                break
        # Killed once the first article is out, with the others still to come.
        deadline = time.monotonic() + 60
        while not (output.exists() and output.read_text(encoding="utf-8").count("\n") >= 1):
            assert time.monotonic() < deadline, "no article came out"
            time.sleep(0.05)
        os.kill(int(started.group(1)), signal.SIGKILL)
        lines_at_kill = output.read_text(encoding="utf-8").count("\n")
        log += process.stderr.readlines()
        process.wait(timeout=120)
    stderr = "".join(log)
    assert lines_at_kill < len(SPECS), "the run was over before the kill"
    assert process.returncode == 0, stderr[-2000:]
    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(unquote(urlsplit(item["url"]).path) for item in items) == sorted(spec.path for spec in SPECS)
    assert all(not list(VALIDATOR.iter_errors(item)) for item in items)
    assert "Extraction process exited with code -9; extracting in the crawl's process from now on" in stderr
    assert "'extraction/process_failed': 1," in stderr


def test_an_extraction_error_in_the_child_comes_back_with_its_url_and_traceback(monkeypatch):
    def broken(*arguments):
        raise ValueError("a page no extractor expects")

    monkeypatch.setattr(extraction_process, "article_from_response", broken)
    kind, detail = extraction_process.answer("https://www.rfi.fr/cn/中国/20240101-x",
                                             b"<html><body><p>x</p></body></html>", "utf-8", "cn", "zh-Hans")
    assert kind == "error"
    assert detail.startswith("extracting https://www.rfi.fr/cn/中国/20240101-x:\nTraceback")
    assert detail.rstrip().endswith("ValueError: a page no extractor expects")
