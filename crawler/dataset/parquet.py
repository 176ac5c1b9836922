"""One edition's rows, in the order given, into data/<spider>/train-NNNNN-of-NNNNN.parquet.

A file holds at most ROWS_PER_FILE rows (about 150 MB of articles once compressed: the
Hub's dataset viewer and `datasets` handle files of that size well), in row groups of
ROWS_PER_GROUP rows (some 15 MB of text: a reader that wants a few rows reads one group,
not the file). Rows are held as Python objects only BATCH_ROWS at a time, then as Arrow
batches until their group is written: a Python string of Chinese text costs several
times its UTF-8 size. Files are named in the Hub's `train-00000-of-00003` pattern; their
number is known before the first is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.dataset import ROWS_PER_FILE
from crawler.dataset.rows import SCHEMA, RowError, to_table
from crawler.jsonl import MalformedLine

ROWS_PER_GROUP = 5_000
BATCH_ROWS = 500
COMPRESSION = "zstd"


class EditionFiles:
    """Writes one edition's `total` rows into `folder` as they are added."""

    def __init__(self, folder: Path, total: int, rows_per_file: int = ROWS_PER_FILE):
        self.folder = folder
        self.rows_per_file = rows_per_file
        self.count = -(-total // rows_per_file)  # files, rounded up
        self.paths: list[Path] = []
        self.arrow_bytes = 0  # the rows' size in Arrow, as `datasets` counts a split's num_bytes
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_file = 0  # written to the open file
        self._batches: list[pa.RecordBatch] = []  # converted, not yet written
        self._batched = 0
        self._rows: list[dict[str, Any]] = []  # not yet converted
        self._where: list[tuple[os.PathLike, int]] = []  # each row's run file and line, to report it

    def add(self, row: dict[str, Any], file: os.PathLike, line_number: int) -> None:
        """Add the next row, read from `file` at `line_number`. A row that does not fit the
        schema raises MalformedLine there."""
        self._rows.append(row)
        self._where.append((file, line_number))
        if len(self._rows) == BATCH_ROWS:
            self._convert()
        pending = self._batched + len(self._rows)
        if pending == ROWS_PER_GROUP or self._rows_in_file + pending == self.rows_per_file:
            self._write()

    def close(self) -> None:
        if self._rows or self._batches:
            self._write()
        self._close_file()

    def _convert(self) -> None:
        try:
            table = to_table(self._rows)
        except RowError as error:
            raise MalformedLine(*self._where[error.index], str(error)) from None
        self._batches.extend(table.to_batches())
        self.arrow_bytes += table.nbytes
        self._batched += table.num_rows
        self._rows, self._where = [], []

    def _write(self) -> None:
        if self._rows:
            self._convert()
        if self._writer is None:
            self._open_file()
        self._writer.write_table(pa.Table.from_batches(self._batches, SCHEMA), row_group_size=ROWS_PER_GROUP)
        self._rows_in_file += self._batched
        self._batches, self._batched = [], 0
        if self._rows_in_file == self.rows_per_file:
            self._close_file()

    def _open_file(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"train-{len(self.paths):05d}-of-{self.count:05d}.parquet"
        self._writer = pq.ParquetWriter(path, SCHEMA, compression=COMPRESSION)
        self.paths.append(path)

    def _close_file(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._rows_in_file = 0
