"""The crawler's benchmark: one run, every figure against a baseline measured in the same run.

    python bench/run.py                      # N=5,000, the 50,000-page memory run, writes bench/RESULTS.md
    python bench/run.py --n 500 --skip-large --output /tmp/RESULTS.md

1. A mirror of N article pages (bench/mirror.py, from tests/fixtures/articles.py) is rendered in
   memory and served on 127.0.0.1 by bench/server.py, in a process of its own.
2. Crawls with throttling off and the same concurrency, each in its own process:
   (a0) bench/plain_fetch.py, a plain fetch-only spider outside the project: Scrapy's defaults;
   (a) bench/fetch_only.py, rfi_cn's own discovery and settings, nothing extracted: the ceiling;
   (b) rfi_cn, full pipeline, JSON lines, a fresh state;
   (c) rfi_cn again on the same state: nothing new, so no article page is fetched.
   For each: wall time, pages/s, CPU seconds and peak RSS of the crawling process.
3. Extraction alone: median ms per page, the project's extractor vs trafilatura's bare_extraction.
4. Memory: peak RSS of (b) at N and at --n-large pages.
5. State: ArticleState.get() with 10,000 vs 1,000,000 stored articles.
Then (b) once more under cProfile, for the top costs (not timed).

Everything but the table is kept in --work (a temporary folder by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import pstats
import re
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
if str(REPO) not in sys.path:  # `python bench/run.py`
    sys.path.insert(0, str(REPO))

# The pages per second against the fetch-only crawls are reported as information, not a target: in
# production the crawl is held to a few pages per second by politeness.
TARGETS = {
    "extraction_speedup": 5.0,  # trafilatura's ms per page over the project's
    "rss_growth": 1.3,  # peak RSS of (b) at n_large over that at n
    "rss_large_mb": 200.0,
    "c_over_b_wall": 0.10,
    "lookup_growth": 2.0,  # median get() at 1,000,000 rows over that at 10,000
}


# ------------------------------------------------------------------ the mirror

class MirrorServer:
    """bench/server.py in a child process; `with MirrorServer(n) as server:`."""

    def __init__(self, n: int, env: dict):
        self.n = n
        self.env = env
        self.process = None
        self.base_url = None

    def __enter__(self):
        started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-m", "bench.server", "--n", str(self.n)], cwd=REPO,
                                        env=self.env, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("ready "):
            self.process.kill()
            raise RuntimeError(f"the mirror server did not start: {line!r}")
        self.base_url = line.split()[1]
        self.render_s = time.perf_counter() - started
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stats(self, reset: bool = False) -> dict:
        with urllib.request.urlopen(f"{self.base_url}/__bench/{'reset' if reset else 'stats'}", timeout=10) as answer:
            return json.load(answer)

    def cpu_seconds(self) -> float:
        """user + system CPU seconds of the server process so far (from /proc, no psutil needed)."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ crawls

def crawl_settings(args, base_url: str) -> dict:
    """The settings of every crawl of the benchmark; (a0), outside the project, drops the project's own two."""
    return {
        "RFI_BASE_URL": base_url,
        "AUTOTHROTTLE_ENABLED": "0",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency),
        "LOG_LEVEL": "WARNING",
        "STATS_CLASS": "bench.stats.JsonFileStatsCollector",
        "SPIDER_MODULES": "crawler.spiders,bench.fetch_only",
    }


def discovery_arguments(args, n: int) -> list:
    if args.discovery == "sitemaps":
        from bench.mirror import oldest_date

        return ["-a", f"since={oldest_date(n)}"]
    return []


def run_crawl(label: str, spider: str, args, server: MirrorServer, n: int, state_dir: Path, extra_settings=None,
              cprofile: Path | None = None) -> dict:
    """One crawl of the project in its own process, under bench/measure.py; its costs, stats and what the
    server served."""
    work = Path(args.work)
    output = work / f"{label}.jsonl"
    settings = {**crawl_settings(args, server.base_url), "STATE_DIR": str(state_dir), **(extra_settings or {})}
    scrapy_args = ["crawl", spider, *discovery_arguments(args, n), "-O", str(output)]
    return measure_crawl(label, spider, scrapy_args, settings, args, server, cwd=args.project, output=output,
                         cprofile=cprofile)


def run_plain_crawl(label: str, args, server: MirrorServer) -> dict:
    """(a0): bench/plain_fetch.py with `scrapy runspider`, from a folder that is no Scrapy project."""
    outside = Path(args.work) / "outside-the-project"
    outside.mkdir(parents=True, exist_ok=True)
    listing = "/sitemaps/cn/index.xml" if args.discovery == "sitemaps" else "/cn/rss"
    settings = {name: value for name, value in crawl_settings(args, server.base_url).items()
                if name not in ("RFI_BASE_URL", "SPIDER_MODULES")}
    settings["ROBOTSTXT_OBEY"] = "True"  # as the project does; Scrapy's default outside a project is False
    scrapy_args = ["runspider", str(BENCH / "plain_fetch.py"), "-a", f"listing={server.base_url}{listing}"]
    return measure_crawl(label, "plain_fetch", scrapy_args, settings, args, server, cwd=outside)


def measure_crawl(label: str, spider: str, scrapy_args: list, settings: dict, args, server: MirrorServer, cwd,
                  output: Path | None = None, cprofile: Path | None = None) -> dict:
    work = Path(args.work)
    report = work / f"{label}.measure.json"
    stats_file = work / f"{label}.stats.json"
    for stale in (output, report, stats_file):
        if stale is not None:
            stale.unlink(missing_ok=True)
    scrapy_args = list(scrapy_args)
    for name, value in settings.items():
        scrapy_args += ["-s", f"{name}={value}"]
    command = [sys.executable, "-m", "bench.measure", str(report)]
    if cprofile:
        command += ["--cprofile", str(cprofile)]
    command += ["--", *scrapy_args]
    env = {**args.env, "BENCH_STATS_FILE": str(stats_file)}
    server.stats(reset=True)
    server_cpu = server.cpu_seconds()
    started = time.perf_counter()
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    server_cpu = server.cpu_seconds() - server_cpu
    served = server.stats()
    if not report.exists():
        raise RuntimeError(f"crawl {label} died (exit {process.returncode}): {process.stderr[-3000:]}")
    measured = json.loads(report.read_text())
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    items = sum(1 for _ in output.open(encoding="utf-8")) if output is not None and output.exists() else 0
    crawl_s = float(stats.get("elapsed_time_seconds") or wall)
    pages = served["articles"]
    return {
        "label": label, "spider": spider, "exit_code": process.returncode,
        "stderr_tail": process.stderr.strip().splitlines()[-5:],
        "command": "python -m scrapy " + " ".join(shlex.quote(a) for a in scrapy_args),
        "wall_s": wall, "crawl_s": crawl_s, "article_pages": pages, "requests": served["requests"],
        "pages_per_s": pages / crawl_s if crawl_s else 0.0,
        "cpu_s": measured["cpu_user_s"] + measured["cpu_sys_s"] + measured.get("children_cpu_s", 0.0),
        "children_cpu_s": measured.get("children_cpu_s", 0.0),
        "peak_rss_mb": measured["peak_rss_kib"] / 1024,
        "children_peak_rss_mb": measured.get("children_peak_rss_kib", 0) / 1024,
        "items": items, "server_cpu_s": server_cpu, "server_busy": server_cpu / wall if wall else 0.0,
        "stats": {k: v for k, v in stats.items() if k.startswith(("articles/", "item_", "downloader/response_count",
                                                                  "log_count/ERROR", "log_count/WARNING"))},
    }


def crawl_abc(args, server: MirrorServer, n: int) -> dict:
    work = Path(args.work)
    runs = {"a0": [], "a": [], "b": []}
    for round_ in range(args.repeat):
        runs["a0"].append(run_plain_crawl(f"a0-{round_}", args, server))
        runs["a"].append(run_crawl(f"a{round_}", "fetch_only", args, server, n, work / f"state-a{round_}",
                                   {"INCREMENTAL": "0"}))
        runs["b"].append(run_crawl(f"b{round_}", "rfi_cn", args, server, n, work / f"state-b{round_}"))
    # (c) runs on the state of the last (b): everything it lists is held and unchanged.
    c = run_crawl("c", "rfi_cn", args, server, n, work / f"state-b{args.repeat - 1}")
    # Each round's crawls run back to back, under the same load of the machine; for each baseline, the
    # median of the rounds' ratios stands for the run (this VM's speed drifts by up to 2x from one minute
    # to the next). The table shows the round of the median b/a.
    ratios = {key: [pages_ratio(b, a) for a, b in zip(runs[key], runs["b"])] for key in ("a0", "a")}
    median_round = sorted(range(args.repeat), key=ratios["a"].__getitem__)[args.repeat // 2]
    return {"a0": runs["a0"][median_round], "a": runs["a"][median_round], "b": runs["b"][median_round], "c": c,
            "rounds": runs, "round_ratios": ratios,
            "b_over_a": {key: sorted(values)[len(values) // 2] for key, values in ratios.items()}}


def pages_ratio(b: dict, a: dict) -> float:
    return b["pages_per_s"] / a["pages_per_s"] if a["pages_per_s"] else 0.0


def profile_b(args, server: MirrorServer, n: int) -> dict:
    work = Path(args.work)
    prof = work / "b.prof"
    run_crawl("b-profile", "rfi_cn", args, server, n, work / "state-profile", cprofile=prof)
    return summarise_profile(prof)


def summarise_profile(prof: Path, top: int = 25) -> dict:
    stats = pstats.Stats(str(prof))
    total = stats.total_tt
    rows = []
    for (filename, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append({"where": f"{_short(filename)}:{line}({name})", "calls": nc, "tottime": tt, "cumtime": ct})
    project = [r for r in rows if r["where"].startswith((
        "crawler/", "scrapy/exporters", "scrapy/extensions/feed", "scrapy/utils/asyncio", "itemloaders/", "parsel/",
        "spidermon/contrib/scrapy/pipelines", "jsonschema/validators", "fastjsonschema", "sqlite3"))
        or "sqlite3.Connection" in r["where"]]
    return {
        "total_s": total,
        "by_self": sorted(rows, key=lambda r: r["tottime"], reverse=True)[:top],
        "by_cumulative_project": sorted(project, key=lambda r: r["cumtime"], reverse=True)[:top],
        "file": str(prof),
    }


def _short(filename: str) -> str:
    """A profile's file name without its folders: crawler/…, bench/…, scrapy/… or the standard library's."""
    ours = re.search(r"/((?:crawler|bench)/.*)$", filename)
    if ours and "site-packages/" not in filename:
        return ours[1]
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    return re.sub(r"^.*/lib/python3\.\d+/", "", filename)


# ------------------------------------------------------------------ extraction, state

def run_module(args, module: str, *module_args, timeout=3600) -> dict:
    process = subprocess.run([sys.executable, "-m", module, *map(str, module_args)], cwd=args.project,
                             env=args.env, capture_output=True, text=True, timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"{module} failed: {process.stderr[-3000:]}")
    return json.loads(process.stdout)


# ------------------------------------------------------------------ the machine

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, TypeError):
        pass
    import scrapy
    import lxml.etree

    return {"uname": " ".join(platform.uname()), "cpu": cpu, "cores": os.cpu_count(), "memory": memory,
            "python": platform.python_version(), "scrapy": scrapy.__version__,
            "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
            "date": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}


# ------------------------------------------------------------------ the whole run

def run_benchmark(args) -> dict:
    started = time.perf_counter()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "args": {k: v for k, v in vars(args).items() if k != "env"},
               "project": project_version(args.project, args.commit)}
    with MirrorServer(args.n, args.env) as server:
        results["mirror"] = {"n": args.n, "render_s": server.render_s, "base_url": server.base_url}
        results["crawls"] = crawl_abc(args, server, args.n)
        if args.profile:
            results["profile"] = profile_b(args, server, args.n)
    results["extraction"] = run_module(args, "bench.extraction", args.extraction_pages)
    results["state"] = run_module(args, "bench.state_lookup", *args.state_rows)
    if args.n_large:
        with MirrorServer(args.n_large, args.env) as server:
            large = run_crawl("b-large", "rfi_cn", args, server, args.n_large, Path(args.work) / "state-large")
            results["large"] = {"n": args.n_large, "render_s": server.render_s, "b": large}
    results["total_s"] = time.perf_counter() - started
    results["verdicts"] = verdicts(results)
    return results


def verdicts(results: dict) -> list:
    """(what, measured, target, passed) rows; passed is None when the figure could not be measured."""
    crawls = results["crawls"]
    b, c = crawls["b"], crawls["c"]
    rows = []
    extraction = results["extraction"]
    if "ratio" in extraction:
        rows.append(("extraction speed-up (trafilatura ms / project ms per page)", f"{extraction['ratio']:.1f}×",
                     f"≥ {TARGETS['extraction_speedup']:.0f}×", extraction["ratio"] >= TARGETS["extraction_speedup"]))
    else:
        rows.append(("extraction speed-up (trafilatura ms / project ms per page)", "n/a (trafilatura not installed)",
                     f"≥ {TARGETS['extraction_speedup']:.0f}×", None))
    if "large" in results:
        large = results["large"]["b"]["peak_rss_mb"]
        growth = large / b["peak_rss_mb"]
        rows.append((f"peak RSS of (b) at {results['large']['n']:,} / at {results['mirror']['n']:,}", f"{growth:.2f}",
                     f"≤ {TARGETS['rss_growth']}", growth <= TARGETS["rss_growth"]))
        rows.append((f"peak RSS of (b) at {results['large']['n']:,}", f"{large:.0f} MB",
                     f"≤ {TARGETS['rss_large_mb']:.0f} MB", large <= TARGETS["rss_large_mb"]))
    else:
        rows.append(("peak RSS of (b) at the large N", "not run (--skip-large)", f"≤ {TARGETS['rss_growth']}× and "
                     f"≤ {TARGETS['rss_large_mb']:.0f} MB", None))
    c_over_b = c["wall_s"] / b["wall_s"] if b["wall_s"] else 0.0
    rows.append(("c/b wall time (incremental, nothing new / full)", f"{c_over_b:.1%}",
                 f"≤ {TARGETS['c_over_b_wall']:.0%}", c_over_b <= TARGETS["c_over_b_wall"]))
    state = results["state"]
    sizes = sorted(state["sizes"], key=int)
    rows.append((f"state look-up, median at {int(sizes[-1]):,} / at {int(sizes[0]):,} rows", f"{state['ratio']:.2f}",
                 f"≤ {TARGETS['lookup_growth']}", state["ratio"] <= TARGETS["lookup_growth"]))
    return rows


# ------------------------------------------------------------------ reporting

def rss_cell(r: dict) -> str:
    """The crawling process's peak RSS; a worker process's ru_maxrss beside it when there is one (an upper
    bound: it may carry the parent's memory from before the exec)."""
    cell = f"{r['peak_rss_mb']:.0f}"
    worker = r.get("children_cpu_s", 0.0) >= 0.5  # not a `uname -p` that Scrapy's start-up runs
    return cell + (f" (worker ≤ {r['children_peak_rss_mb']:.0f})" if worker else "")


def fmt_crawl_rows(results: dict) -> list:
    crawls = results["crawls"]
    rows = []
    names = {"a0": "(a0) plain fetch-only", "a": "(a) fetch-only", "b": "(b) rfi_cn, full",
             "c": "(c) rfi_cn, nothing new"}
    for key in ("a0", "a", "b", "c"):
        r = crawls[key]
        rows.append((names[key], f"{results['mirror']['n']:,}", r["article_pages"], r["items"], f"{r['wall_s']:.1f}",
                     f"{r['crawl_s']:.1f}", f"{r['pages_per_s']:.0f}", f"{r['cpu_s']:.1f}", rss_cell(r),
                     f"{r['server_busy']:.0%}"))
    if "large" in results:
        r = results["large"]["b"]
        rows.append(("(b) rfi_cn, full", f"{results['large']['n']:,}", r["article_pages"], r["items"],
                     f"{r['wall_s']:.1f}", f"{r['crawl_s']:.1f}", f"{r['pages_per_s']:.0f}", f"{r['cpu_s']:.1f}",
                     rss_cell(r), f"{r['server_busy']:.0%}"))
    return rows


CRAWL_HEADER = ("crawl", "N", "article pages fetched", "items", "wall s", "crawl s", "pages/s", "CPU s",
                "peak RSS MB", "server CPU")


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict_rows(results: dict) -> list:
    return [(what, value, target, "PASS" if ok else ("—" if ok is None else "**FAIL**"))
            for what, value, target, ok in results["verdicts"]]


def text_report(results: dict) -> str:
    """The tables as printed on the terminal."""
    out = [table(CRAWL_HEADER, fmt_crawl_rows(results)), ""]
    crawls = results["crawls"]
    b, c = crawls["b"], crawls["c"]
    out.append(f"b/a0 pages/s {crawls['b_over_a']['a0']:.2f}   b/a pages/s {crawls['b_over_a']['a']:.2f}   "
               f"c/b wall {c['wall_s'] / b['wall_s']:.1%}   c/b crawl {c['crawl_s'] / b['crawl_s']:.1%}")
    out += ["", extraction_table(results), "", state_table(results), "",
            table(("target", "measured", "wanted", "verdict"), verdict_rows(results))]
    return "\n".join(out)


def extraction_table(results: dict) -> str:
    e = results["extraction"]
    rows = [("project: RfiArticlePage + load_article", f"{e['project_ms']:.2f}", f"{e['project_mean_ms']:.2f}")]
    if "trafilatura_ms" in e:
        rows.append((f"trafilatura {e['trafilatura_version']} bare_extraction", f"{e['trafilatura_ms']:.2f}",
                     f"{e['trafilatura_mean_ms']:.2f}"))
        rows.append(("ratio (trafilatura / project)", f"{e['ratio']:.1f}×", ""))
    return table((f"extraction, {e['pages']} pages, parse included", "median ms/page", "mean ms/page"), rows)


def state_table(results: dict) -> str:
    state = results["state"]
    rows = []
    for size in sorted(state["sizes"], key=int):
        s = state["sizes"][size]
        for variant, m in s.items():
            if isinstance(m, dict):
                rows.append((f"{int(size):,}", variant, f"{m['median_us']:.1f}", f"{m['mean_us']:.1f}",
                             f"{m['p99_us']:.1f}", f"{m['open_s'] * 1000:.0f}", f"{s['file_mb']:.0f}"))
    return table(("stored articles", "variant", "get() median µs", "mean µs", "p99 µs", "open() ms", "file MB"), rows)


def profile_section(results: dict) -> str:
    p = results.get("profile")
    if not p:
        return "_Not profiled in this run (--no-profile)._"
    top = [(r["where"], r["calls"], f"{r['tottime']:.2f}", f"{r['cumtime']:.2f}") for r in p["by_self"][:15]]
    project = [(r["where"], r["calls"], f"{r['tottime']:.2f}", f"{r['cumtime']:.2f}")
               for r in p["by_cumulative_project"][:20]]
    return ("cProfile of one more (b) crawl (not one of the timed runs; the profiler roughly doubles the time), "
            f"{p['total_s']:.1f} s in total.\n\nBy own time:\n\n"
            + table(("function", "calls", "own s", "cumulative s"), top)
            + "\n\nThe project's code, its libraries (item loader, parsel, item validation, feed exporter, SQLite) "
            "and Scrapy's handling of callback output, by cumulative time:\n\n"
            + table(("function", "calls", "own s", "cumulative s"), project))


def markdown(results: dict, command: str, notes: str = "") -> str:
    m = results["machine"]
    crawls = results["crawls"]
    a, b, c = crawls["a"], crawls["b"], crawls["c"]
    args = results["args"]
    parts = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py` from one run; every ratio compares two figures of that same run.",
        "",
        "## Machine",
        "",
        f"- `{m['uname']}`",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}",
        f"- Python {m['python']}, Scrapy {m['scrapy']}, lxml {m['lxml']}",
        f"- run at {m['date']}, {results['total_s'] / 60:.1f} minutes in all",
        f"- crawler measured: {results['project']}",
        "",
        "## Command",
        "",
        f"```sh\n{command}\n```",
        "",
        f"Mirror: {args['n']:,} article pages rendered from the ten fixtures of `tests/fixtures/articles.py` "
        f"(own URL, title, dates, body 1-8× the fixture's), served from memory by `bench/server.py` in its own "
        f"process ({results['mirror']['render_s']:.0f} s to render). Discovery: "
        + ("the sitemap index and its monthly maps (`-a since=` the oldest article), "
           if args["discovery"] == "sitemaps" else "`/cn/rss` listing every article and the news sitemap, ")
        + f"CONCURRENT_REQUESTS = CONCURRENT_REQUESTS_PER_DOMAIN = {args['concurrency']}, AutoThrottle off, "
        f"DOWNLOAD_DELAY 0, robots.txt obeyed, LOG_LEVEL WARNING, for every crawl. "
        + (f"(a0), (a) and (b) ran {args['repeat']} times each, in turn; each ratio is the median of the rounds' "
           "ratios, and the table shows the round of the median b/a." if args["repeat"] > 1 else ""),
        "",
        "Two baselines, two ratios. (a0) is a fetch-only crawl as anyone would write it: a plain Scrapy "
        "SitemapSpider (`bench/plain_fetch.py`) run with `scrapy runspider` outside the project, so with "
        "Scrapy's defaults. (a) is the strict ceiling: a subclass of rfi_cn (`bench/fetch_only.py`) with "
        "its own discovery, middlewares and settings, `CONCURRENT_ITEMS = 1` included, whose callback "
        "only counts the page.",
        "",
        "Example crawl command, (b):",
        "",
        f"```sh\n{b['command']}\n```",
        "",
        "## Targets",
        "",
        table(("target", "measured", "wanted", "verdict"), verdict_rows(results)),
        "",
        "## Crawls",
        "",
        table(CRAWL_HEADER, fmt_crawl_rows(results)),
        "",
        f"- b/a0 pages per second: **{crawls['b_over_a']['a0']:.2f}** (rounds: "
        + ", ".join(f"{ratio:.2f}" for ratio in crawls["round_ratios"]["a0"]) + "); "
        f"b/a: **{crawls['b_over_a']['a']:.2f}** (rounds: "
        + ", ".join(f"{ratio:.2f}" for ratio in crawls["round_ratios"]["a"]) + "); "
        f"b/a CPU seconds: {b['cpu_s'] / a['cpu_s']:.2f}; c/b wall time: **{c['wall_s'] / b['wall_s']:.1%}** "
        f"(c/b crawl time, without the process start: {c['crawl_s'] / b['crawl_s']:.1%}).",
        "- pages/s = article pages served by the mirror / the crawl's own elapsed time (stats "
        "`elapsed_time_seconds`); wall s = the whole process, start-up included; CPU s = user + system of the "
        "crawling process and of any worker process it started; peak RSS = the crawling process's VmHWM "
        "(with a worker process's ru_maxrss beside it when the crawler starts one); server CPU = the mirror's CPU seconds over the crawl's wall time "
        "(well under 100%: the server is not the bottleneck).",
        f"- (c) fetched {c['article_pages']} article pages and wrote {c['items']} items.",
        "",
        "## Extraction alone",
        "",
        extraction_table(results),
        "",
        "Per page, from the body bytes to the record, HTML parsing included for both; the project's extractor "
        "is `RfiArticlePage(HtmlResponse(...).selector)` + `load_article`, trafilatura's is "
        "`bare_extraction(html, url=url, with_metadata=True)` (its defaults otherwise).",
        "",
        "## State",
        "",
        state_table(results),
        "",
        f"`ArticleState.get()` timed one call at a time: {next(iter(results['state']['sizes'].values()))['as is']['lookups']:,} "
        f"look-ups (three held ids for one unknown) on a freshly opened state, in {results['state']['rounds']} rounds "
        "that take turns between the sizes; each figure is the median of the rounds' figures. `open()` is "
        "`ArticleState.open()` of a file the last run closed cleanly (once per run; `PRAGMA quick_check` "
        "runs only after a run that did not close it).",
        "",
        "## Profile of (b)",
        "",
        profile_section(results),
    ]
    if notes:
        parts += ["", notes.strip()]
    return "\n".join(parts) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="article pages of the mirror (default 5,000)")
    parser.add_argument("--n-large", type=int, default=50000, help="pages of the memory run (default 50,000)")
    parser.add_argument("--skip-large", action="store_true", help="no memory run at --n-large")
    parser.add_argument("--discovery", choices=("sitemaps", "rss"), default="sitemaps",
                        help="how both spiders find the articles: the monthly sitemaps (a backfill over the whole "
                             "mirror, default) or /cn/rss listing every article (the spider's default run)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of (a0), (a) and (b) (default 3)")
    parser.add_argument("--extraction-pages", type=int, default=300)
    parser.add_argument("--state-rows", type=int, nargs=2, default=(10_000, 1_000_000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="no cProfile run of (b)")
    parser.add_argument("--project", default=str(REPO), help="the checkout whose crawler is measured (default: "
                                                               "this one, as it is on disk)")
    parser.add_argument("--commit", help="measure this commit of the repository instead of the working tree: "
                                         "`git archive COMMIT` is unpacked into the work folder and used as --project")
    parser.add_argument("--work", help="where crawl outputs, stats and the profile go (default: a temporary folder)")
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"), help="the Markdown report ('-': none)")
    parser.add_argument("--notes", help="a Markdown file appended to the report (profile findings)")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    if args.skip_large:
        args.n_large = 0
    args.project = str(Path(args.project).resolve())
    args.env = project_env(args.project)
    return args


def project_env(project: str) -> dict:
    """The environment of every child process: the measured project's `crawler` first, then this `bench`."""
    path = os.pathsep.join(dict.fromkeys([project, str(REPO)]))
    extra = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": path + (os.pathsep + extra if extra else "")}


def export_commit(commit: str, work: Path) -> Path:
    """A clean copy of one commit's tree (git archive), so that edits in progress are not measured."""
    target = work / "project"
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def project_version(project: str, commit: str | None) -> str:
    """Which crawler was measured: a commit, or a working tree and its uncommitted changes to crawler/."""
    def git(*command):
        try:
            return subprocess.run(["git", "-C", str(REPO), *command], capture_output=True, text=True).stdout.strip()
        except OSError:  # no git here
            return ""

    if commit:
        return f"commit {git('rev-parse', commit)[:12]} ({git('log', '-1', '--format=%s', commit)[:80]})"
    head = git("rev-parse", "HEAD")[:12]
    if Path(project) != REPO or not head:
        return f"the tree at {project}"
    dirty = git("status", "--porcelain", "--", "crawler").splitlines()
    return f"working tree at commit {head}" + (f", with uncommitted changes to {len(dirty)} files of crawler/"
                                                  if dirty else "")


def main(argv=None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    temporary = None
    if not args.work:
        temporary = tempfile.TemporaryDirectory(prefix="rfi-bench-")
        args.work = temporary.name
    try:
        if args.commit:
            args.project = str(export_commit(args.commit, Path(args.work)))
            args.env = project_env(args.project)
        results = run_benchmark(args)
    finally:
        if temporary is not None:
            temporary.cleanup()
    print(text_report(results))
    command = "python bench/run.py" + ("" if not argv else " " + " ".join(shlex.quote(a) for a in argv))
    notes = Path(args.notes).read_text(encoding="utf-8") if args.notes else ""
    if args.output != "-":
        Path(args.output).write_text(markdown(results, command, notes), encoding="utf-8")
        print(f"\nwritten: {args.output}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
