"""crawler.jsonl: the one rule every reader of run files follows."""

import json
import logging

import pytest

from crawler.jsonl import CutLine, MalformedLine, is_record, read_jsonl

RECORD = {"id": "rfi-cn-00000000000000000001", "title": "法国总统访华"}
WHOLE = json.dumps(RECORD, ensure_ascii=False).encode("utf-8")


def read(path):
    cut_lines = []
    return list(read_jsonl(path, cut_lines.append)), cut_lines


def test_lines_are_numbered_and_blank_ones_skipped(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + WHOLE + b"\n\n  \n" + WHOLE + b"\n")
    assert read(path) == ([(1, RECORD), (4, RECORD)], [])


def test_a_cut_last_line_is_skipped_and_reported(tmp_path):
    path = tmp_path / "run.jsonl"
    cut = WHOLE[: WHOLE.index("法".encode("utf-8")) + 2]  # ends inside a character
    path.write_bytes(WHOLE + b"\n" + cut)
    assert read(path) == ([(1, RECORD)], [CutLine(str(path), 2, len(cut))])


def test_a_cut_last_line_is_logged_when_the_caller_does_not_take_it(tmp_path, caplog):
    path = tmp_path / "run.jsonl"
    path.write_bytes(WHOLE + b"\n" + WHOLE[:10])
    with caplog.at_level(logging.WARNING, logger="crawler.jsonl"):
        assert list(read_jsonl(path)) == [(1, RECORD)]
    assert [record.getMessage() for record in caplog.records] == [
        f"{path}:2: last line cut short (10 bytes without a newline, not valid JSON): "
        "skipped, as a line a stopped run never finished writing"
    ]


def test_a_whole_last_line_without_newline_is_a_record(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(WHOLE + b"\n" + WHOLE)
    assert read(path) == ([(1, RECORD), (2, RECORD)], [])


@pytest.mark.parametrize(("middle", "message"), [
    (WHOLE[:10], "not valid JSON (Invalid control character at)"),  # its newline ends it inside a string
    (WHOLE[:10] + WHOLE, "not valid JSON (Expecting ',' delimiter)"),  # a new line glued to a cut one
    (b'{"id": NaN}', "not valid JSON (NaN is not allowed)"),
    (b"\xff{}", "not valid UTF-8 (byte 1)"),
])
def test_a_malformed_line_before_the_last_is_an_error(tmp_path, middle, message):
    path = tmp_path / "run.jsonl"
    path.write_bytes(WHOLE + b"\n" + middle + b"\n" + WHOLE[:10])
    with pytest.raises(MalformedLine) as caught:
        read(path)
    assert (caught.value.file, caught.value.line_number, caught.value.message) == (str(path), 2, message)
    assert str(caught.value) == f"{path}:2: {message}"


def test_a_malformed_last_line_with_its_newline_is_an_error(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(WHOLE + b"\n" + WHOLE[:10] + b"\n")
    with pytest.raises(MalformedLine, match=r":2: not valid JSON"):
        read(path)


def test_is_record_follows_the_same_rule():
    assert is_record(WHOLE)
    assert is_record(b"\xef\xbb\xbf" + WHOLE, first_line=True)
    assert not is_record(WHOLE[:-1])
    assert not is_record(b"   ")
