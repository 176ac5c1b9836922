"""Time and peak memory of `scrapy dataset` on a synthetic run set of N articles (200,000 by default).

    .venv/bin/python -m bench.dataset_build                       # 200,000 articles in /tmp/dataset-bench
    .venv/bin/python -m bench.dataset_build --n 20000 --keep      # a smaller set, kept for another run

The run set is what a ten-year backfill and its daily runs leave: 3/4 of the articles rfi_cn, 1/4 rfi_tw
(as scrapyd items files, *.jl), published from 2015 to 2024 with one month empty, spread over 40 run files
per spider; one article in ten appears again, updated (version 2), in a later run file, and every file but
one ends with a line cut short. Each article has 3-12 paragraphs of 40-240 characters drawn from a pool of
20,000 Chinese sentences (about 2 KB of text, some 4.5 KB of JSON), valid against the JSON Schema.

`scrapy dataset` runs under bench/measure.py, in a process of its own, after the files were read once so
that it finds them in the page cache. Reported as Markdown: input, output, wall and CPU seconds, articles
per second, and peak RSS (VmHWM), which must stay under 400 MB whatever N.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN_FILES = 40  # per spider
UPDATED = 10  # one article in UPDATED comes again as version 2
EMPTY_MONTH = (2019, 6)
PEAK_RSS_LIMIT_MB = 400


def sentences(rng: random.Random, count: int) -> list[str]:
    characters = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]  # the commonest block of CJK ideographs
    return ["".join(rng.choices(characters, k=rng.randint(20, 80))) + "。" for _ in range(count)]


def article(rng: random.Random, pool: list[str], edition: str, number: int, published: datetime, version: int) -> dict:
    section = rng.choice({"cn": ["中国", "法国", "港澳台", "国际"], "tw": ["中國", "法國", "港澳台", "國際"]}[edition])
    return {
        "id": f"rfi-{edition}-{number:020x}",
        "url": f"https://www.rfi.fr/{edition}/{section}/{published:%Y%m%d}-article-{number}",
        "edition": edition,
        "language": {"cn": "zh-Hans", "tw": "zh-Hant"}[edition],
        "section": section,
        "title": rng.choice(pool)[:30],
        "lede": rng.choice(pool) if rng.random() < 0.8 else None,
        "paragraphs": ["".join(rng.choices(pool, k=rng.randint(1, 3))) for _ in range(rng.randint(3, 12))],
        "published": published.isoformat(),
        "modified": (published + timedelta(hours=2)).isoformat() if version > 1 else None,
        "authors": ["法广"] if rng.random() < 0.5 else [],
        "tags": rng.sample(["经济", "外交", "人权", "科技", "体育"], k=rng.randint(0, 3)),
        "image": {"url": f"https://s.rfi.fr/media/{number}.jpg", "caption": None, "credit": "AFP"}
        if rng.random() < 0.7 else None,
        "alternates": {},
        "version": version,
        "source": "rfi",
        "fetched_at": None,
        "crawled_at": (published + timedelta(days=1)).isoformat(),
        "via": None,
    }


def write_run_set(folder: Path, n: int, seed: int = 15) -> None:
    """N articles in run files under `folder`."""
    rng = random.Random(seed)
    pool = sentences(rng, 20_000)
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    span = (datetime(2025, 1, 1, tzinfo=timezone.utc) - start).total_seconds()
    editions = {"cn": n - n // 4, "tw": n // 4}
    for edition, count in editions.items():
        spider = f"rfi_{edition}"
        suffix = ".jsonl" if edition == "cn" else ".jl"
        paths = [folder / spider / f"{2025 + index // 12}-{index % 12 + 1:02d}-01T00-00-00+00-00{suffix}"
                 for index in range(RUN_FILES)]
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
        streams = [open(path, "w", encoding="utf-8") for path in paths]
        try:
            for number in range(count):
                published = start + timedelta(seconds=rng.random() * span)
                if (published.year, published.month) == EMPTY_MONTH:
                    published += timedelta(days=31)
                run = number * RUN_FILES // count  # backfill order: older articles in earlier runs
                lines = [(run, article(rng, pool, edition, number, published, 1))]
                if number % UPDATED == 0 and run + 1 < RUN_FILES:
                    lines.append((rng.randint(run + 1, RUN_FILES - 1), article(rng, pool, edition, number, published, 2)))
                for run_index, record in lines:
                    streams[run_index].write(json.dumps(record, ensure_ascii=False) + "\n")
            for stream in streams[1:]:
                stream.write('{"id": "rfi-' + edition + '-cut", "title": "被截')  # a stopped run's last line
        finally:
            for stream in streams:
                stream.close()


def read_once(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as stream:
                while stream.read(1 << 24):
                    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="articles (default 200,000)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "dataset-bench")
    parser.add_argument("--keep", action="store_true", help="keep the run set (reused when it has the same N)")
    options = parser.parse_args()
    runs, output, report = options.work / "runs", options.work / "dataset", options.work / "report.json"
    marker = options.work / "n"
    if not (marker.exists() and marker.read_text() == str(options.n)):
        shutil.rmtree(options.work, ignore_errors=True)
        runs.mkdir(parents=True)
        write_run_set(runs, options.n)
        marker.write_text(str(options.n))
    size = sum(path.stat().st_size for path in runs.rglob("*") if path.is_file())
    read_once(runs)
    process = subprocess.run(
        [sys.executable, "-m", "bench.measure", str(report), "--", "dataset", str(runs), "-o", str(output)],
        cwd=REPO, capture_output=True, text=True,
    )
    if process.returncode != 0:
        print(process.stderr, file=sys.stderr)
        return 1
    measured = json.loads(report.read_text())
    parquet = sum(path.stat().st_size for path in output.rglob("*.parquet"))
    files = len(list(output.rglob("*.parquet")))
    cpu = measured["cpu_user_s"] + measured["cpu_sys_s"]
    peak_mb = measured["peak_rss_kib"] / 1024
    print(f"`scrapy dataset` on {options.n:,} synthetic articles ({process.stdout.strip()})\n")
    print("| input | output | wall | CPU | articles/s | peak RSS |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| {2 * RUN_FILES} run files, {size / 1e6:,.0f} MB "
          f"| {files} Parquet files, {parquet / 1e6:,.0f} MB | {measured['wall_s']:.1f} s | {cpu:.1f} s "
          f"| {options.n / measured['wall_s']:,.0f} | {peak_mb:.0f} MB |")
    print(f"\npeak RSS {'within' if peak_mb <= PEAK_RSS_LIMIT_MB else 'OVER'} the {PEAK_RSS_LIMIT_MB} MB limit")
    if not options.keep:
        shutil.rmtree(options.work, ignore_errors=True)
    return 0 if peak_mb <= PEAK_RSS_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
