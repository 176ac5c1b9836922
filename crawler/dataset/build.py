"""Building DIR: run files in, Parquet, card and plots out, replacing DIR whole or not at all.

Everything is written into a temporary folder beside DIR (.DIR.XXXX.tmp), synced, then
renamed to DIR; an earlier DIR is first renamed aside and removed once the new one is in
place. Readers see the old dataset or the new one, never a mix (for the instant between
the two renames, DIR is absent). On any failure the temporary folder is removed and DIR
is left as it was. An existing DIR is replaced only if it holds nothing but what this
writes, so that a mistyped -o cannot remove a folder of something else.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crawler.compaction import InputError, OutputError, check_output, current_umask, find_run_files, fsync_folder
from crawler.dataset import ROWS_PER_FILE, card, plots
from crawler.dataset.locate import Located, locate, read_in_order
from crawler.dataset.parquet import EditionFiles
from crawler.dataset.rows import RowError, to_row
from crawler.dataset.stats import EditionStats
from crawler.jsonl import MalformedLine

WRITTEN = ("README.md", "data", "plots")  # what DIR holds


@dataclass
class Built:
    located: Located
    articles: dict[str, int]  # spider -> articles
    files: list[Path]  # the Parquet files, as they are in DIR


def build_dataset(paths: list[str | os.PathLike], output: str | os.PathLike, command: str,
                  rows_per_file: int = ROWS_PER_FILE) -> Built:
    """Build the dataset of the run files under `paths` (files or folders) into `output`.

    Raises InputError (no run file, or no article in them), OutputError (`output` would replace an input or a
    folder of something else) before reading, MalformedLine for a line or value that does
    not fit, ChangedInput for a run file rewritten while it was read, OSError.
    """
    paths = list(paths)
    output = Path(output)
    files = find_run_files(paths)
    check_output(output, paths, files)
    _check_replaceable(output)
    located = locate(files)
    if not located.articles:
        raise InputError(f"no articles in the {len(files)} run file(s): nothing to publish")
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp"))
    try:
        editions, written = _write(located, temporary, rows_per_file)
        (temporary / "plots").mkdir()
        plots.articles_per_month(editions, temporary / card.MONTH_PLOT)
        plots.field_coverage(editions, temporary / card.COVERAGE_PLOT)
        provenance = card.Provenance(command=command, files=files, records=located.records,
                                     cut_lines=len(located.cut_lines), rows_per_file=rows_per_file)
        (temporary / "README.md").write_text(card.render(editions, provenance), encoding="utf-8")
        os.chmod(temporary, 0o777 & ~current_umask())  # mkdtemp's 0700 would hide the dataset from other users
        _sync_tree(temporary)
        _replace(temporary, output)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return Built(located=located, articles=located.spiders(),
                 files=[output / path.relative_to(temporary) for path in written])


def _write(located: Located, folder: Path, rows_per_file: int) -> tuple[dict[str, EditionStats], list[Path]]:
    totals = located.spiders()
    writers = {spider: EditionFiles(folder / "data" / spider, total, rows_per_file) for spider, total in totals.items()}
    editions = {spider: EditionStats() for spider in totals}
    for article, record in read_in_order(located):
        file = located.files[article.file_index]
        try:
            row = to_row(record)
        except RowError as error:
            raise MalformedLine(file, article.line_number, str(error)) from None
        writers[article.spider].add(row, file, article.line_number)
        editions[article.spider].add(row)
    for spider, writer in writers.items():
        writer.close()
        editions[spider].arrow_bytes = writer.arrow_bytes
    return editions, [path for writer in writers.values() for path in writer.paths]


def _check_replaceable(output: Path) -> None:
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise OutputError(f"{output} exists and is not a folder; the dataset is a folder")
    if output.is_dir():
        others = sorted(entry.name for entry in output.iterdir() if entry.name not in WRITTEN)
        if others:
            raise OutputError(f"{output} holds {others[0]}, which scrapy dataset does not write: "
                              "refusing to replace it; give a new folder, or one an earlier build wrote")


def _replace(temporary: Path, output: Path) -> None:
    if not output.exists():
        os.rename(temporary, output)
    else:
        aside = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.", suffix=".old"))
        os.rename(output, aside)  # onto the empty folder mkdtemp made: a name nobody else takes
        try:
            os.rename(temporary, output)
        except BaseException:
            os.rename(aside, output)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    fsync_folder(output.parent)


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder under `folder`, so that the rename publishes complete files."""
    for root, _folders, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as stream:
                os.fsync(stream.fileno())
        fsync_folder(Path(root))
