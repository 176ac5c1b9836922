"""`scrapy dataset RUNS... -o DIR`: run files made into a dataset folder to publish as it is.

DIR gets the latest version of each article (as `scrapy compact` selects it) as Parquet
per spider (data/rfi_cn/, data/rfi_tw/), a dataset card (README.md) and its plots; it is
replaced whole or not at all. The work is in crawler.dataset; this is the shell.

The Parquet, plotting and YAML libraries are not needed to crawl: they are installed by
requirements-dataset.txt and imported only when this command runs.

Exit codes, as `scrapy compact`'s: 0 done; 1 a malformed input line or value (with its
file and line), an I/O error, or the dataset libraries missing (nothing is written, an
existing DIR is left as it was); 2 bad usage, a missing input path, no run file or no
article to read, or a DIR that would replace an input or a folder this command did not
write (refused before anything is read). The libraries missing is 1, not 2: the command
line is right, and the same line works once they are installed. Errors are one line on
stderr.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from scrapy.commands import ScrapyCommand

from crawler.compaction import CompactionError, InputError, MalformedLine, OutputError
from crawler.dataset import LIBRARIES, REQUIREMENTS_FILE, ROWS_PER_FILE
from crawler.wording import counted, one_line

USAGE = "scrapy dataset RUNS [RUNS ...] -o DIR"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "RUNS [RUNS ...] -o DIR"

    def short_desc(self) -> str:
        return "Build a dataset folder (Parquet per edition, a dataset card, plots) from run files"

    def long_desc(self) -> str:
        return (
            "Build a folder to push to the Hugging Face Hub as it is: the latest version of each article "
            "(as scrapy compact selects it) as Parquet in data/<spider>/, sorted by published, a dataset "
            "card README.md and its plots in plots/. RUNS are run files or folders of them (*.jsonl, "
            "recursively), of any spider, scrapyd's items files included. DIR is replaced atomically; it "
            "must not be an input, nor hold anything this command does not write. "
            f"Needs the libraries of {REQUIREMENTS_FILE}."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", metavar="DIR", default=None,
            help="the dataset folder to write (replaced atomically; required; not an input, nor inside one)",
        )
        parser.add_argument(
            "--rows-per-file", metavar="N", type=int, default=None,
            help=f"the most rows in one Parquet file (default {ROWS_PER_FILE:,})",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Scrapy parses with parse_known_args: an unknown option lands in args.
        unknown = [arg for arg in args if arg.startswith("-") and arg != "-"]
        if unknown:
            return self._fail(2, f"unknown option {unknown[0]} (usage: {USAGE})")
        if not args:
            return self._fail(2, f"no RUNS given (usage: {USAGE})")
        if not opts.output:
            return self._fail(2, f"missing -o DIR (usage: {USAGE})")
        if opts.rows_per_file is not None and opts.rows_per_file < 1:
            return self._fail(2, f"--rows-per-file must be at least 1 (got {opts.rows_per_file})")
        try:
            from crawler.dataset.build import build_dataset
        except ModuleNotFoundError as error:
            if (error.name or "").partition(".")[0] not in LIBRARIES:
                raise
            return self._fail(1, f"{error.name} is not installed: pip install -r {REQUIREMENTS_FILE}")
        command = shlex.join(["scrapy", "dataset", *args, "-o", opts.output] +
                             (["--rows-per-file", str(opts.rows_per_file)] if opts.rows_per_file else []))
        try:
            built = build_dataset(args, opts.output, command, rows_per_file=opts.rows_per_file or ROWS_PER_FILE)
        except (InputError, OutputError) as error:
            return self._fail(2, str(error))
        except MalformedLine as error:
            return self._fail(1, str(error))
        except (CompactionError, OSError) as error:
            return self._fail(1, f"cannot build {opts.output}: {one_line(error)}")
        for cut_line in built.located.cut_lines:
            print(f"dataset: warning: {cut_line}", file=sys.stderr)
        per_spider = ", ".join(f"{spider} {count}" for spider, count in built.articles.items())
        print(
            f"read {counted(len(built.located.files), 'run file')}, {counted(built.located.records, 'record')}: "
            f"{counted(len(built.located.articles), 'article')} ({per_spider}) in "
            f"{counted(len(built.files), 'Parquet file')} -> {opts.output}"
        )

    def _fail(self, exitcode: int, message: str) -> None:
        print(f"dataset: {message}", file=sys.stderr)
        self.exitcode = exitcode
