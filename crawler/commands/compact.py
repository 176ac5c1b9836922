"""`scrapy compact INPUT [INPUT ...] -o FILE`: merge run files into one dataset.

Every crawl writes its own output/rfi_cn/<run time>.jsonl; this keeps the latest
version of each article across them, sorted by publication date, in one file
written atomically. The work is in crawler.compaction; this is the shell.

Input files are read by crawler.jsonl's rule: a last line cut short (no newline,
not valid JSON) is what a stopped run was writing; it is skipped with one
`compact: warning: FILE:LINE: …` line on stderr and is not counted.

Exit codes: 0 done; 1 a malformed input line or an I/O error (nothing is
written, an existing output file is left as it was); 2 bad usage, a missing
input path, no run file to read, or an output that is an input or lies inside
an input folder (refused before anything is read). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand

from crawler.compaction import (
    CompactionError, InputError, MalformedLine, OutputError, compact, write_jsonl_atomically,
)
from crawler.wording import counted, one_line

USAGE = "scrapy compact INPUT [INPUT ...] -o FILE"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "INPUT [INPUT ...] -o FILE"

    def short_desc(self) -> str:
        return "Merge run files into one JSON-lines file with the latest version of each article"

    def long_desc(self) -> str:
        return (
            "Merge JSON-lines run files into one file holding the latest version of each article "
            "(by id: highest version, later run files winning ties), sorted by published. "
            "INPUT is a .jsonl file or a folder (all *.jsonl and scrapyd's *.jl in it, recursively, in name "
            "order, i.e. run order). A last line cut short by a stopped run is skipped with a warning. "
            "The output is replaced atomically; it must not be an input nor lie inside an input folder."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", metavar="FILE", default=None,
            help="the dataset to write (replaced atomically; required; not an input, nor inside an input folder)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Scrapy parses with parse_known_args: an unknown option lands in args.
        unknown = [arg for arg in args if arg.startswith("-") and arg != "-"]
        if unknown:
            return self._fail(2, f"unknown option {unknown[0]} (usage: {USAGE})")
        if not args:
            return self._fail(2, f"no INPUT given (usage: {USAGE})")
        if not opts.output:
            return self._fail(2, f"missing -o FILE (usage: {USAGE})")
        try:
            result = compact(args, output=opts.output)
        except (InputError, OutputError) as error:
            return self._fail(2, str(error))
        except MalformedLine as error:
            return self._fail(1, str(error))
        except (CompactionError, OSError) as error:
            return self._fail(1, f"cannot read input: {one_line(error)}")
        for cut_line in result.cut_lines:
            print(f"compact: warning: {cut_line}", file=sys.stderr)
        try:
            written = write_jsonl_atomically(opts.output, result.articles)
        except OSError as error:
            return self._fail(1, f"cannot write {opts.output}: {one_line(error)}")
        print(
            f"compacted {counted(len(result.files), 'run file')}, {counted(result.records, 'record')}, "
            f"{counted(written, 'article')} -> {opts.output}"
        )

    def _fail(self, exitcode: int, message: str) -> None:
        print(f"compact: {message}", file=sys.stderr)
        self.exitcode = exitcode
