"""The incremental look-up's cost against the size of the state: ArticleState.get() with 10,000 vs 1,000,000 rows.

The rows are written straight into the state's own schema with executemany, in one transaction
(setting up 1,000,000 rows through the crawl would take hours). Then a fresh ArticleState is
opened, as a run opens it, and `get(id)` is timed one call at a time for a random mix of held and
unknown ids (an incremental run asks for every listed article: most are held, new ones are not),
in several rounds that take turns between the sizes.

    python -m bench.state_lookup 10000 1000000
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote


def fake_id(i: int) -> str:
    return "rfi-cn-" + hashlib.sha256(f"/cn/中国/20240101-article-{i}".encode()).hexdigest()[:20]


def rows(count: int):
    url_base = "https://www.rfi.fr" + quote("/cn/中国/20240101-海关数据显示2023年中国对欧出口连续第二年下滑")
    for i in range(count):
        stamp = f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00"
        yield (fake_id(i), f"{url_base}-{i}", stamp, stamp if i % 3 else None, stamp if i % 2 else None,
               hashlib.sha256(str(i).encode()).hexdigest(), 1, stamp, stamp)


def build(path: Path, count: int) -> float:
    """A state file holding `count` articles; returns the seconds it took."""
    from crawler.state import ArticleState

    start = time.perf_counter()
    ArticleState(path).open().close()  # the schema, exactly as a run creates it
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows(count))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - start


def time_lookups(path: Path, count: int, lookups: int, pragmas=(), seed: int = 1) -> dict:
    from crawler.state import ArticleState

    rng = random.Random(seed)
    ids = [fake_id(rng.randrange(count)) if k % 4 else fake_id(count + rng.randrange(10 * count))
           for k in range(lookups)]  # three held ids for one unknown
    start = time.perf_counter()
    state = ArticleState(path).open()
    opened = time.perf_counter() - start
    for pragma in pragmas:
        state.db.execute(pragma)
    get = state.get
    for k in range(min(1000, count)):  # a run looks up many ids in a row: the first ones warm the caches
        get(fake_id(rng.randrange(count)))
    clock = time.perf_counter_ns
    times = []
    found = 0
    for article_id in ids:
        t0 = clock()
        row = get(article_id)
        times.append(clock() - t0)
        found += row is not None
    state.close()
    return {"rows": count, "lookups": lookups, "found": found, "open_s": opened,
            "median_us": statistics.median(times) / 1000, "mean_us": statistics.fmean(times) / 1000,
            "p99_us": sorted(times)[int(len(times) * 0.99)] / 1000}


def run(sizes=(10_000, 1_000_000), lookups: int = 10_000, rounds: int = 5, variants: dict | None = None,
        work: Path | None = None) -> dict:
    """{"sizes": {rows: {variant: {...}, "build_s", "file_mb"}}, "ratio": median at the largest / at the smallest}.

    Every size is built first; then `rounds` rounds each time every size (and variant) in turn, with
    a freshly opened state and new random ids, so that a change in the machine's speed during the run
    (a VM's neighbours) weighs on all sizes alike. A size's figure is the median of its rounds' medians.
    """
    variants = {"as is": (), **(variants or {})}
    result = {"sizes": {}, "rounds": rounds}
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        paths = {}
        for count in sizes:
            path = Path(tmp) / f"state-{count}" / "rfi_cn.sqlite3"
            path.parent.mkdir()
            result["sizes"][count] = {"build_s": build(path, count), "file_mb": path.stat().st_size / 1e6}
            paths[count] = path
        measured = {(count, name): [] for count in sizes for name in variants}
        for round_ in range(rounds):
            for count in sizes:
                for name, pragmas in variants.items():
                    measured[count, name].append(time_lookups(paths[count], count, lookups, pragmas, seed=round_))
        for (count, name), runs in measured.items():
            summary = {key: statistics.median(run[key] for run in runs)
                       for key in ("median_us", "mean_us", "p99_us", "open_s")}
            summary.update(rows=count, lookups=lookups, rounds=rounds, found=runs[0]["found"],
                           round_medians_us=[run["median_us"] for run in runs])
            result["sizes"][count][name] = summary
    small, large = min(sizes), max(sizes)
    result["ratios"] = {name: result["sizes"][large][name]["median_us"] / result["sizes"][small][name]["median_us"]
                        for name in variants}
    result["ratio"] = result["ratios"]["as is"]
    return result


if __name__ == "__main__":
    sizes = tuple(int(a) for a in sys.argv[1:]) or (10_000, 1_000_000)
    print(json.dumps(run(sizes), indent=1))
