"""The scan speed of `-a warc=` against bare iteration with warcio and with FastWARC, on the same file.

    .venv/bin/python -m bench.warc_scan                       # 100 MB and 1 GB files in /tmp/warc-bench
    .venv/bin/python -m bench.warc_scan --sizes 200 --keep    # one 200 MB file, kept for another run

Each file is a synthetic WARC, gzipped record by record, where 1% of the captures are RFI article pages
(bench/mirror.py's specs rendered with tests/mirror/render.py) and 99% other-host news pages of 60-150 KB
of HTML (words drawn as often as in a language: about 30 KB a record once gzipped, about what a news page
weighs in CC-NEWS; some 33,000 captures a GB); each capture is a request and a response record, as
tests/archives.py writes them. Every figure comes from a process of its own, the file read once beforehand
so that all three find it in the page cache:

- bare iteration: every record of the file, headers parsed, bodies skipped (warcio's and FastWARC's
  ArchiveIterator with their defaults);
- the scan: `scrapy crawl rfi_cn -a warc=FILE -O out.jsonl` under bench/measure.py: both passes, extraction,
  pipelines and the feed included.

Reported: MB/s of the file (on disk, compressed) for each, the ratio scan / fastest bare iteration (target
>= 0.5), and each process's peak RSS (VmHWM), which must not grow with the file.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE_SHARE = 100  # one capture in a hundred is an RFI article
POOL = 200  # distinct other-host pages, written over and over (each record is compressed once)
ZIPF = {}
OTHER_HOST = "https://www.example-news.com"
RFI = "https://www.rfi.fr"


def build_warc(path: Path, megabytes: int):
    """A WARC of about `megabytes` MB on disk."""
    from bench.mirror import article_specs
    from tests.archives import Capture, write_records
    from tests.mirror.render import absolute, render_article_page

    pool = []
    words = vocabulary()
    for i in range(POOL):
        stream = io.BytesIO()
        write_records(stream, [Capture(f"{OTHER_HOST}/news/2024/03/01/story-{i}", other_page(words, i))])
        pool.append(stream.getvalue())
    average = sum(map(len, pool)) / len(pool)
    wanted = megabytes * 1_000_000
    articles = article_specs(int(wanted / average / ARTICLE_SHARE * 1.2) + 2)  # article pages weigh less
    written = 0
    with open(path, "wb") as out:
        for i in range(len(articles) * ARTICLE_SHARE):
            if written >= wanted:
                break
            if i % ARTICLE_SHARE == ARTICLE_SHARE // 2:
                spec = articles[i // ARTICLE_SHARE]
                write_records(out, [Capture(absolute(RFI, spec.path), render_article_page(spec, base_url=RFI))])
            else:
                out.write(pool[i % POOL])
            written = out.tell()


def vocabulary(size: int = 5000) -> list:
    rng = random.Random(0)
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 11))) for _ in range(size)]


def zipf_words(rng, words: list, k: int) -> list:
    """Words as often as in a language: the n-th most frequent one 1/n as often as the first."""
    weights = ZIPF.setdefault(len(words), list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1))))
    return rng.choices(words, cum_weights=weights, k=k)


def other_page(words: list, seed: int) -> str:
    """A news page of another site: 60-150 KB of HTML, about 30 KB once gzipped, as news pages weigh."""
    rng = random.Random(seed)
    size = rng.randint(60_000, 150_000)
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>", " ".join(zipf_words(rng, words, 8)),
             "</title></head><body><nav>",
             "".join(f'<a href="/section/{word}">{word}</a>' for word in zipf_words(rng, words, 40)),
             "</nav><article>"]
    length = sum(map(len, parts))
    while length < size:
        paragraph = f"<p>{' '.join(zipf_words(rng, words, rng.randint(30, 120)))}.</p>\n"
        parts.append(paragraph)
        length += len(paragraph)
    parts.append("</article></body></html>")
    return "".join(parts)


def captures_of_rfi(path: Path):
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    for record in ArchiveIterator(str(path), record_types=WarcRecordType.response, parse_http=False):
        if record.headers.get("WARC-Target-URI", "").startswith(RFI):
            yield record.stream_pos


def iterate(library: str, path: str) -> int:
    """Bare iteration: every record, its headers parsed, its body skipped."""
    if library == "warcio":
        from warcio.archiveiterator import ArchiveIterator

        with open(path, "rb") as stream:
            return sum(1 for _ in ArchiveIterator(stream))
    from fastwarc.warc import ArchiveIterator

    return sum(1 for _ in ArchiveIterator(path))


def measure_iteration(library: str, path: Path, work: Path) -> dict:
    report = work / f"{library}.json"
    subprocess.run([sys.executable, "-m", "bench.warc_scan", "--iterate", library, str(path), str(report)],
                   check=True, cwd=REPO)  # -m from REPO: the project is importable
    return json.loads(report.read_text())


def measure_scan(path: Path, work: Path) -> dict:
    report, output = work / "scan.json", work / "scan.jsonl"
    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    output.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.measure", str(report), "--", "crawl", "rfi_cn", "-a", f"warc={path}",
               "-O", str(output), "-s", f"RFI_BASE_URL={RFI}", "-s", f"STATE_DIR={state}", "-s", "LOG_LEVEL=WARNING"]
    process = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    measured = json.loads(report.read_text())
    if measured["exit_code"] != 0:
        raise SystemExit(f"the scan of {path} failed:\n{process.stderr[-3000:]}")
    with open(output, encoding="utf-8") as lines:
        measured["items"] = sum(1 for _ in lines)
    return measured


def read_through(path: Path):
    with open(path, "rb") as stream:
        while stream.read(1 << 24):
            pass


def bench_size(megabytes: int, work: Path, keep: bool) -> dict:
    path = work / f"synthetic-{megabytes}mb.warc.gz"
    if not path.exists():
        started = time.perf_counter()
        build_warc(path, megabytes)
        print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    articles = sum(1 for _ in captures_of_rfi(path))
    size_mb = path.stat().st_size / 1_000_000
    read_through(path)
    row = {"file_mb": size_mb, "articles": articles}
    for library in ("warcio", "fastwarc"):
        row[library] = measure_iteration(library, path, work)
    row["scan"] = measure_scan(path, work)
    if row["scan"]["items"] != articles:
        raise SystemExit(f"the scan gave {row['scan']['items']} items for {articles} articles in {path}")
    for name in ("warcio", "fastwarc", "scan"):
        row[name]["mb_per_s"] = size_mb / row[name]["wall_s"]
    fastest = max(row["warcio"]["mb_per_s"], row["fastwarc"]["mb_per_s"])
    row["ratio"] = row["scan"]["mb_per_s"] / fastest
    if not keep:
        path.unlink()
    return row


def report(rows: dict) -> str:
    lines = ["| file | RFI articles | warcio bare | FastWARC bare | `-a warc=` scan | scan / fastest bare "
             "| peak RSS warcio / FastWARC / scan |",
             "|---|---|---|---|---|---|---|"]
    for row in rows.values():
        rss = " / ".join(f"{row[name]['peak_rss_kib'] / 1024:.0f}" for name in ("warcio", "fastwarc", "scan"))
        lines.append(f"| {row['file_mb']:.0f} MB | {row['articles']} | {row['warcio']['mb_per_s']:.0f} MB/s "
                     f"| {row['fastwarc']['mb_per_s']:.0f} MB/s | {row['scan']['mb_per_s']:.0f} MB/s "
                     f"| **{row['ratio']:.2f}** | {rss} MB |")
    return "\n".join(lines)


def child_iteration(library: str, path: str, report_path: str):
    from bench.measure import vm_hwm_kib

    started = time.perf_counter()
    records = iterate(library, path)
    wall = time.perf_counter() - started
    Path(report_path).write_text(json.dumps({"records": records, "wall_s": wall, "peak_rss_kib": vm_hwm_kib()}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="file sizes in MB")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "warc-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the WARC files (built again otherwise)")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--iterate", nargs=3, metavar=("LIBRARY", "FILE", "REPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.iterate:
        child_iteration(*args.iterate)
        return None
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = {size: bench_size(size, work, args.keep) for size in args.sizes}
    print(report(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
