"""Merging run files into one dataset: the latest version of each article.

Each crawl writes its own JSON-lines file (output/rfi_cn/<run time>.jsonl), so
an article crawled twice is in two files, maybe in two versions. `compact()`
reads run files in run order, keeps one record per `id` (the highest
`version`, absent meaning 1; on equal versions the one read last, i.e. the later
run), and returns them sorted by `published`. `write_jsonl_atomically()` writes
them so that readers see either the old file or the whole new one.

Only `id`, `version` and `published` are read; every other field is carried as
written. A record from before a field was added (`via`, `alternates`) is valid
input and comes out as it was, without that field: run files are never rewritten.

Inputs are streamed line by line through crawler.jsonl, whose rule this
follows: a last line cut short by a stopped run is skipped and reported, any
other malformed line stops everything with `MalformedLine`, so a bad run file
never yields a dataset silently missing its articles. The output may not be an
input, nor lie inside an input folder (`OutputError`): the dataset would replace
a run file.

The `scrapy compact` command (crawler/commands/compact.py) is a thin shell
around these functions. `select_latest()` is the selection alone, keeping per id
whatever the caller asks for: `scrapy dataset` (crawler/dataset) keeps where the
record lies instead of the record, so its memory does not grow with the text.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterable

from crawler.jsonl import CutLine, MalformedLine, read_jsonl_lines

# A crawl's own run files, and scrapyd's items files (items_dir/<project>/<spider>/<job>.jl).
RUN_FILE_PATTERNS = ("*.jsonl", "*.jl")


class CompactionError(Exception):
    """Compaction cannot proceed; str() is a one-line reason."""


class InputError(CompactionError):
    """An input path does not exist, or there is no run file to read."""


class OutputError(CompactionError):
    """The output would replace an input."""


@dataclass
class CompactionResult:
    files: list[Path]  # the run files read, in the order they were read
    records: int  # non-blank lines read, all of them valid records
    articles: list[dict[str, Any]] = field(default_factory=list)  # latest version of each, by published
    cut_lines: list[CutLine] = field(default_factory=list)  # skipped, not counted in records

    def __len__(self) -> int:
        return len(self.articles)


# -- finding run files -----------------------------------------------------------


def find_run_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files to read, in order.

    A file is taken as is; a folder gives all its files matching RUN_FILE_PATTERNS
    (`*.jsonl`, `*.jl`), recursively, sorted by file name (run files are named by run
    time, so this is run order), then by path. A file reached twice is read
    once, where first reached.
    """
    paths = list(paths)
    files: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = list(_walk(path))
            found.sort(key=lambda found: (found.name, str(found)))
        elif path.exists():
            found = [path]
        else:
            raise InputError(f"{given}: no such file or folder")
        for file in found:
            identity = _identity(file)
            if identity not in seen:
                seen.add(identity)
                files.append(file)
    if not files:
        if not paths:
            raise InputError("no input given")
        raise InputError(f"no run files ({', '.join(RUN_FILE_PATTERNS)}) in " + ", ".join(str(path) for path in paths))
    return files


def _walk(folder: Path) -> Iterable[Path]:
    # os.walk does not follow symlinked folders, so a link loop cannot hang us.
    for root, _dirs, names in os.walk(folder):
        for name in names:
            candidate = Path(root, name)
            if any(candidate.match(pattern) for pattern in RUN_FILE_PATTERNS) and candidate.is_file():
                yield candidate


def check_output(output: str | os.PathLike, paths: Iterable[str | os.PathLike], files: Iterable[Path]) -> None:
    """OutputError if writing `output` would replace an input: one of `paths`, a file in one of
    their folders, a run file found through a symlink, or a run file inside `output` (a folder
    the dataset replaces). Real paths are compared, so neither a symlink nor `..` hides it."""
    target = Path(_identity(output))
    for given in paths:
        if target == Path(_identity(given)):
            raise OutputError(f"the output {output} is the input {given}; write the dataset outside the inputs")
        if target.is_relative_to(_identity(given)):
            raise OutputError(
                f"the output {output} lies inside the input folder {given}; write the dataset outside the inputs"
            )
    for file in files:
        if target == Path(_identity(file)):
            raise OutputError(f"the output {output} is the input {file}; write the dataset outside the inputs")
        if Path(_identity(file)).is_relative_to(target):
            raise OutputError(f"the input {file} lies inside the output folder {output}; write the dataset elsewhere")


def _identity(path: str | os.PathLike) -> str:
    return os.path.normcase(os.path.realpath(path))


# -- reading and merging ---------------------------------------------------------


def compact(paths: Iterable[str | os.PathLike], output: str | os.PathLike | None = None) -> CompactionResult:
    """Merge the run files under `paths` (files or folders, see `find_run_files`).

    `output`, where the caller will write the dataset, is checked first (see
    `check_output`), before any file is read. Raises InputError when there is
    nothing to read, OutputError for an output among the inputs, and
    MalformedLine at the first line that is not a JSON object with a string `id`
    (or has an unusable `version` or `published`).
    """
    paths = list(paths)
    files = find_run_files(paths)
    if output is not None:
        check_output(output, paths, files)
    latest = select_latest(files, keep=lambda _file_index, _line_number, _offset, record: record)
    return CompactionResult(
        files=files, records=latest.records, articles=latest.in_published_order(), cut_lines=latest.cut_lines
    )


@dataclass
class Latest:
    """The latest version of each article in a set of run files."""

    by_id: dict[str, tuple[int, tuple, Any]]  # id -> (version, sort key, what `keep` returned)
    records: int  # non-blank lines read, all of them valid records
    cut_lines: list[CutLine]

    def in_published_order(self) -> list[Any]:
        """What was kept for each article, by ascending `published` (ties by id; none last)."""
        return [kept for _, _, kept in sorted(self.by_id.values(), key=itemgetter(1))]


def select_latest(files: list[Path], keep: Callable[[int, int, int, dict[str, Any]], Any]) -> Latest:
    """Read `files` in order and keep, per `id`, `keep(file index, line number, byte offset, record)` of its
    latest version: the highest `version` (absent meaning 1), on equal versions the one read last.

    Raises MalformedLine as `compact` does; `keep` may raise it too, for what its caller needs.
    """
    by_id: dict[str, tuple[int, tuple, Any]] = {}
    records = 0
    cut_lines: list[CutLine] = []
    for file_index, file in enumerate(files):
        for line_number, offset, record in read_records(file, cut_lines.append):
            records += 1
            version = _version(file, line_number, record)
            sort_key = _sort_key(file, line_number, record)
            current = by_id.get(record["id"])
            if current is None or version >= current[0]:
                by_id[record["id"]] = (version, sort_key, keep(file_index, line_number, offset, record))
    return Latest(by_id=by_id, records=records, cut_lines=cut_lines)


def read_records(
    file: str | os.PathLike, on_cut_line: Callable[[CutLine], None] | None = None
) -> Iterable[tuple[int, int, dict[str, Any]]]:
    """(1-based line number, byte offset, object) for each record of a run file, read by crawler.jsonl's rule."""
    for line_number, offset, record in read_jsonl_lines(file, on_cut_line):
        if not isinstance(record, dict):
            raise MalformedLine(file, line_number, f"not a JSON object (got {_json_type(record)})")
        if "id" not in record:
            raise MalformedLine(file, line_number, 'no "id"')
        if not isinstance(record["id"], str):
            raise MalformedLine(file, line_number, f'"id" is not a string (got {_json_type(record["id"])})')
        if not record["id"]:
            raise MalformedLine(file, line_number, '"id" is empty')
        yield line_number, offset, record


def _version(file, line_number: int, record: dict[str, Any]) -> int:
    version = record.get("version", 1)
    if type(version) is not int or version < 1:  # bool is an int, but not a version
        raise MalformedLine(file, line_number, f'"version" is not an integer >= 1 (got {_short(version)})')
    return version


def _sort_key(file, line_number: int, record: dict[str, Any]) -> tuple:
    """Ascending `published`, ties by id; no (or null) `published` last."""
    published = record.get("published")
    if published is None:
        return (1, record["id"])
    moment = record_moment(published)
    if moment is None:
        raise MalformedLine(file, line_number, f'"published" is not an ISO 8601 date-time (got {_short(published)})')
    return (0, moment, record["id"])


def record_moment(value: Any) -> datetime | None:
    """A record's date-time field as an aware datetime, or None when it is not an ISO 8601 text.
    A naive one is taken as UTC, like everything the spiders write."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _short(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- writing ---------------------------------------------------------------------


def write_jsonl_atomically(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line (UTF-8, keys in their order) to `path`, atomically.

    The lines go to a temporary file in the same folder, which is fsynced, then
    renamed over `path`: readers see the old file or the complete new one, and
    a failure leaves `path` as it was. Returns the number of lines written.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            for record in records:
                stream.write(_dump(record))
                stream.write("\n")
                count += 1
            stream.flush()
            os.fchmod(stream.fileno(), _mode_for(path))
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    fsync_folder(folder)
    return count


def _dump(record: dict[str, Any]) -> str:
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape: keep it escaped
        line = json.dumps(record, ensure_ascii=True)
    return line


def _mode_for(path: Path) -> int:
    """The existing file's permissions, else what a plain open() would give (mkstemp gives 0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask (reading it means setting it: set back at once)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can open a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
