"""A smoke run of the benchmark (bench/run.py) with a tiny mirror: every piece runs and the table is whole.

The benchmark itself is not part of the test suite; this only checks that it works. trafilatura
is in bench/requirements.txt, not in the test requirements: without it that row says so.
"""

import importlib.util

from bench import run as bench_run

N = 10


def test_bench_smoke_run(tmp_path):
    report = tmp_path / "RESULTS.md"
    results = bench_run.main(["--n", str(N), "--skip-large", "--repeat", "1", "--no-profile",
                              "--extraction-pages", "5", "--state-rows", "100", "1000",
                              "--work", str(tmp_path / "work"), "--output", str(report)])
    a0, a, b, c = (results["crawls"][key] for key in ("a0", "a", "b", "c"))
    assert a0["exit_code"] == 0, a0["stderr_tail"]
    assert a["exit_code"] == 0, a["stderr_tail"]
    assert b["exit_code"] == 0, b["stderr_tail"]
    assert c["exit_code"] == 0, c["stderr_tail"]
    # (a0) and (a) fetch every page and write nothing; (b) fetches and emits every article exactly once;
    # (c) finds nothing new and fetches no article page.
    assert (a0["article_pages"], a0["items"]) == (N, 0)
    assert (a["article_pages"], a["items"]) == (N, 0)
    assert (b["article_pages"], b["items"]) == (N, N)
    assert (c["article_pages"], c["items"]) == (0, 0)
    assert min(a0["pages_per_s"], a["pages_per_s"], b["pages_per_s"]) > 0 and c["pages_per_s"] == 0
    for crawl in (a0, a, b, c):
        assert crawl["cpu_s"] > 0 and crawl["peak_rss_mb"] > 0

    text = report.read_text(encoding="utf-8")
    for heading in ("## Machine", "## Command", "## Targets", "## Crawls", "## Extraction alone", "## State"):
        assert heading in text
    for row in ("(a0) plain fetch-only", "(a) fetch-only", "(b) rfi_cn, full", "(c) rfi_cn, nothing new",
                "b/a0 pages per second", "b/a: **",
                "extraction speed-up", "peak RSS of (b)", "c/b wall time", "state look-up"):
        assert row in text, row
    assert len(results["verdicts"]) == 4
    extraction = results["extraction"]
    assert extraction["pages"] == 5 and extraction["project_ms"] > 0
    if importlib.util.find_spec("trafilatura") is None:
        assert "trafilatura not installed" in text
    else:
        assert extraction["ratio"] > 0
    assert set(map(int, results["state"]["sizes"])) == {100, 1000}
