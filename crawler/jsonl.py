"""Reading JSON-lines files (the run files) by one rule, for every command that reads them.

Every line is one JSON value ended by a newline; blank lines are skipped. The
file's last line may lack its newline:

- if it is valid JSON, it is a record: a kill can land right after the closing
  brace;
- if not, it is a cut line, the line a killed (or out of disk) run was writing:
  it was never written whole, so it is skipped and reported, to the caller's
  `on_cut_line` when given (to count it, or to tell the user its own way), else
  as a logged warning.

A line that is not valid JSON anywhere else is damage no kill explains: it
raises MalformedLine, naming the file and the line.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

logger = logging.getLogger(__name__)


class MalformedLine(Exception):
    """A line of a JSON-lines file is not usable; str() is `FILE:LINE: message`."""

    def __init__(self, file: str | os.PathLike, line_number: int, message: str):
        self.file = str(file)
        self.line_number = line_number
        self.message = message
        super().__init__(f"{self.file}:{line_number}: {message}")


@dataclass(frozen=True)
class CutLine:
    """A last line without its newline that is not valid JSON: skipped."""

    file: str
    line_number: int
    size: int  # bytes

    def __str__(self) -> str:
        return (f"{self.file}:{self.line_number}: last line cut short ({self.size} bytes without a newline, "
                "not valid JSON): skipped, as a line a stopped run never finished writing")


def read_jsonl(
    file: str | os.PathLike, on_cut_line: Callable[[CutLine], None] | None = None
) -> Iterator[tuple[int, Any]]:
    """(1-based line number, value) for each non-blank line of `file`, by the rule above."""
    for line_number, _offset, value in read_jsonl_lines(file, on_cut_line):
        yield line_number, value


def read_jsonl_lines(
    file: str | os.PathLike, on_cut_line: Callable[[CutLine], None] | None = None
) -> Iterator[tuple[int, int, Any]]:
    """(1-based line number, byte offset of the line, value) for each non-blank line of `file`: where a
    reader that keeps only the place of a record finds it again."""
    offset = 0
    with open(file, "rb") as stream:
        for line_number, raw in enumerate(stream, 1):
            start, offset = offset, offset + len(raw)
            try:
                value = _parse(raw, first_line=line_number == 1)
            except ValueError as error:
                if raw.endswith(b"\n"):
                    raise MalformedLine(file, line_number, str(error)) from None
                cut = CutLine(str(file), line_number, len(raw))
                if on_cut_line is None:
                    logger.warning("%s", cut)
                else:
                    on_cut_line(cut)
                continue
            if value is not _BLANK:
                yield line_number, start, value


def value_at(stream, offset: int) -> Any:
    """The value of the line at byte `offset` of a file open in binary (a place read_jsonl_lines gave),
    read by the same rule; ValueError saying why there is none."""
    stream.seek(offset)
    value = _parse(stream.readline(), first_line=offset == 0)
    if value is _BLANK:
        raise ValueError("a blank line")
    return value


def is_record(last_line: bytes, first_line: bool = False) -> bool:
    """Whether a last line without its newline is a record by the rule above (not cut, not blank)."""
    try:
        return _parse(last_line, first_line) is not _BLANK
    except ValueError:
        return False


_BLANK = object()


def _parse(raw: bytes, first_line: bool) -> Any:
    """The JSON value of one line, _BLANK for a blank line, or ValueError saying why there is none."""
    try:
        text = raw.decode("utf-8-sig" if first_line else "utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 (byte {error.start + 1})") from None
    if not text.strip():
        return _BLANK
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg})") from None
    except ValueError as error:
        raise ValueError(f"not valid JSON ({error})") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed")
