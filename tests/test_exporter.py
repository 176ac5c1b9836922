"""LineAtATimeJsonLinesExporter: whole lines only, even when a write fails or the file ends in a cut line."""

import errno
import io
import json
import logging
import os

import pytest

from crawler.exporters import LineAtATimeJsonLinesExporter
from crawler.items import Article
from crawler.jsonl import read_jsonl


def article(number):
    return Article(
        id=f"rfi-cn-{number:020x}", url=f"https://www.rfi.fr/cn/中国/20240301-文章-{number}", edition="cn",
        language="zh-Hans", section="中国", title=f"第{number}篇", lede=None, paragraphs=["段落。"],
        published="2024-03-01T08:30:00+00:00", modified=None, authors=[], tags=[], image=None, version=1,
        source="rfi", fetched_at=None, crawled_at="2024-03-02T00:00:00+00:00",
    )


def line(number):
    return (json.dumps(dict(article(number)), ensure_ascii=False) + "\n").encode("utf-8")


def exporter_for(stream):
    exporter = LineAtATimeJsonLinesExporter(stream, encoding="utf-8")
    exporter.start_exporting()
    return exporter


def failing_write(error_number):
    """os.write that writes half of what it is given, then fails as a full disk does."""
    real_write = os.write

    def write(descriptor, data):
        real_write(descriptor, bytes(data[: len(data) // 2]))
        raise OSError(error_number, os.strerror(error_number))

    return write


@pytest.mark.parametrize("mode", ["ab", "wb"])  # -o appends, -O overwrites
@pytest.mark.parametrize("error_number", [errno.ENOSPC, errno.EFBIG])
def test_a_line_that_fails_part_way_leaves_the_file_as_it_was(tmp_path, monkeypatch, caplog, mode, error_number):
    path = tmp_path / "run.jsonl"
    with path.open(mode) as stream:
        exporter = exporter_for(stream)
        exporter.export_item(article(1))
        before = path.read_bytes()

        with monkeypatch.context() as patch, caplog.at_level(logging.ERROR):
            patch.setattr(os, "write", failing_write(error_number))
            exporter.export_item(article(2))
        assert f"Cannot write to {path} ({os.strerror(error_number)}): {article(2)['url']} is not in it" in caplog.text
        assert path.read_bytes() == before == line(1)
        assert exporter.written == (article(1)["id"], 1)  # the failed line counts as not written

        exporter.export_item(article(3))
        assert exporter.written == (article(3)["id"], 1)
    assert path.read_bytes() == line(1) + line(3)


def test_short_writes_are_continued(tmp_path, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda descriptor, data: real_write(descriptor, bytes(data[:7])))
    path = tmp_path / "run.jsonl"
    with path.open("ab") as stream:
        exporter_for(stream).export_item(article(1))
    assert path.read_bytes() == line(1)


def test_appending_to_a_file_ending_in_a_cut_line_drops_it(tmp_path, caplog):
    path = tmp_path / "run.jsonl"
    fragment = line(2)[:50]
    path.write_bytes(line(1) + fragment)
    with caplog.at_level(logging.WARNING, logger="crawler.exporters"), path.open("ab") as stream:
        exporter_for(stream).export_item(article(3))
    assert path.read_bytes() == line(1) + line(3)
    assert [record.getMessage() for record in caplog.records] == [
        f"{path} ended in a line cut short ({len(fragment)} bytes without a newline); dropped, as a line "
        "never written whole"
    ]


def test_a_cut_line_alone_in_the_file_is_dropped(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(line(1)[:-20])
    with path.open("ab") as stream:
        exporter_for(stream).export_item(article(2))
    assert path.read_bytes() == line(2)


def test_appending_to_a_file_whose_last_record_lacks_its_newline_keeps_the_record(tmp_path, caplog):
    path = tmp_path / "run.jsonl"
    path.write_bytes(line(1) + line(2)[:-1])
    with caplog.at_level(logging.WARNING, logger="crawler.exporters"), path.open("ab") as stream:
        exporter_for(stream).export_item(article(3))
    assert path.read_bytes() == line(1) + line(2) + line(3)
    assert [number for number, _ in read_jsonl(path)] == [1, 2, 3]
    assert "the newline is added" in caplog.text


def test_a_stream_without_a_file_gets_whole_lines(tmp_path):
    stream = io.BytesIO()
    exporter = LineAtATimeJsonLinesExporter(stream, encoding="utf-8", fields_to_export=["id", "title"])
    exporter.start_exporting()
    exporter.export_item(article(1))
    assert stream.getvalue() == '{"id": "rfi-cn-00000000000000000001", "title": "第1篇"}\n'.encode("utf-8")
    assert exporter.written == (article(1)["id"], 1)
