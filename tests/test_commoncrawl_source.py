"""-a source=commoncrawl: the newest capture of each article across Common Crawl's crawls.

Decided in-process against a collinfo.json, crawl indexes (pywb's JSON lines) and WARC files read by
byte range, all in memory; crawled end to end, against a real pywb as one crawl's index, in
tests/test_archives_end_to_end.py.
"""

import io
import logging
from collections import deque

import pytest
from scrapy.exceptions import CloseSpider, DownloadCancelledError
from twisted.python.failure import Failure

from tests.archive_servers import ArchiveSite, collinfo, pywb_cdx
from tests.archives import write_records
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run
from tests.test_wayback_source import (
    NEWEST,
    OLDER,
    RFI,
    article_captures,
    assert_exact,
    capture_url,
    noise_captures,
)

# Crawl A holds every article (OLDER), crawl B, newer, half of them again (NEWEST).
IN_B = {fixture.name for fixture in ARTICLES[::2]}
FILE_A = "crawl-data/CC-MAIN-2024-11/segments/1/warc/a.warc.gz"
FILE_B = "crawl-data/CC-MAIN-2024-12/segments/1/warc/b.warc.gz"
CRAWLS = [("CC-MAIN-2023-06", "2023-01-26T00:00:00", "2023-02-09T00:00:00"),
          ("CC-MAIN-2024-11", "2024-03-10T00:00:00", "2024-03-16T00:00:00"),
          ("CC-MAIN-2024-12", "2024-03-18T00:00:00", "2024-03-22T00:00:00")]


def crawl_a():
    return article_captures(OLDER) + noise_captures()


def crawl_b():
    return [capture for capture, fixture in zip(article_captures(NEWEST), ARTICLES) if fixture.name in IN_B]


def newest_timestamp(fixture):
    return NEWEST if fixture.name in IN_B else OLDER


def warc_bytes(captures):
    stream = io.BytesIO()
    placed = write_records(stream, captures)
    return stream.getvalue(), placed


def common_crawl(b_answers_pages_with_records=True):
    """Common Crawl in memory: collinfo.json, the indexes of the three crawls (the 2023 one empty), the files.
    Returns the site and {(filename, capture url, timestamp): offset}."""
    site = ArchiveSite()
    site.add_answer("/collinfo.json", collinfo([(crawl_id, f"{site.base_url}/{crawl_id}-index", first, last)
                                                for crawl_id, first, last in CRAWLS]))
    site.add_answer("/CC-MAIN-2023-06-index", '{"message": "No Captures found for: www.rfi.fr/cn/*"}', status=404)
    offsets = {}
    crawls = (("CC-MAIN-2024-11", FILE_A, crawl_a()), ("CC-MAIN-2024-12", FILE_B, crawl_b()))
    for crawl_id, filename, captures in crawls:
        data, placed = warc_bytes(captures)
        site.add("/" + filename, data, content_type="application/octet-stream")
        lines = pywb_cdx(placed, filename)
        if crawl_id == "CC-MAIN-2024-12" and b_answers_pages_with_records:
            site.add_answer(f"/{crawl_id}-index", lines, content_type="text/x-ndjson")
        else:
            site.add_answer(f"/{crawl_id}-index", '{"pages": 1, "pageSize": 5, "blocks": 1}',
                            query={"showNumPages": "true"})
            site.add_answer(f"/{crawl_id}-index", lines, query={"page": "0"}, content_type="text/x-ndjson")
        offsets.update({(filename, capture.url): offset for capture, offset, _length in placed})
    return site, offsets


def commoncrawl(site, settings=None, **arguments):
    return Run(site, settings={"RFI_BASE_URL": RFI, "COMMONCRAWL_INDEX_URL": site.base_url + "/collinfo.json",
                               "COMMONCRAWL_DATA_URL": site.base_url + "/", **(settings or {})},
               source="commoncrawl", **arguments)


def offsets_via(offsets):
    """The via each item must have: the file and offset of its newest capture, from crawl B or A."""
    def via(fixture, timestamp):
        filename = FILE_B if timestamp == NEWEST else FILE_A
        return f"{filename}#{offsets[(filename, capture_url(fixture))]}"
    return via


# -- in-process -----------------------------------------------------------------------


@pytest.mark.parametrize("b_answers_pages_with_records", [True, False])
def test_the_newest_capture_across_the_crawls_of_the_window_exactly(b_answers_pages_with_records):
    site, offsets = common_crawl(b_answers_pages_with_records)
    run = commoncrawl(site, since="2024-01-01").crawl()
    assert_exact(run.items, ARTICLES, timestamp=newest_timestamp, source="commoncrawl", via=offsets_via(offsets))
    assert run.stat("archive/passed_over/older_capture") == len(IN_B)
    assert (run.stat("archive/passed_over/not_200"), run.stat("archive/passed_over/not_html")) == (1, 1)
    # Every index is read before any record; the 2023 crawl is outside the window.
    indexes = [url for url in run.requested if "-index" in url]
    assert not any("CC-MAIN-2023-06" in url for url in indexes)
    records = [run.requested.index(url) for url in run.requested if "crawl-data" in url]
    assert run.requested.index(indexes[-1]) < min(records)
    assert len([url for url in run.requested if "crawl-data" in url]) == len(ARTICLES)
    assert run.close() is None


def test_the_query_asks_each_crawl_for_the_edition_200_html():
    site, _ = common_crawl(b_answers_pages_with_records=False)
    run = commoncrawl(site, since="2024-03-15").crawl()
    assert [url.split("?", 1)[1] for url in run.requested if "-index" in url] == [
        f"url=www.rfi.fr/cn/*&output=json&filter=status:200&filter=mime:text/html&from=20240315&{paging}"
        for paging in ("showNumPages=true", "page=0", "showNumPages=true", "page=0")]


def test_without_a_window_the_newest_crawl_only(caplog):
    site, offsets = common_crawl()
    with caplog.at_level(logging.INFO):
        run = commoncrawl(site).crawl()
    in_b = [fixture for fixture in ARTICLES if fixture.name in IN_B]
    assert_exact(run.items, in_b, timestamp=NEWEST, source="commoncrawl", via=offsets_via(offsets))
    assert not any("CC-MAIN-2024-11" in url for url in run.requested)
    assert "No since=: reading the newest crawl only, CC-MAIN-2024-12 (2024-03-18 to 2024-03-22)" in caplog.text


def test_no_crawl_in_the_window_stops_the_source_with_one_line():
    site, _ = common_crawl()
    run = commoncrawl(site, since="2025-01-01", until="2025-02-01")
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close() == ("no Common Crawl crawl for since=2025-01-01 until=2025-02-01: "
                           f"{site.base_url}/collinfo.json lists 3 crawls, from CC-MAIN-2023-06 (2023-01-26) "
                           "to CC-MAIN-2024-12 (2024-03-22)")
    assert run.requested == [site.base_url + "/collinfo.json"]


@pytest.mark.parametrize("answer, detail", [
    ("<html>Bad gateway</html>", "not JSON: <html>Bad gateway</html>"),
    ('{"id": "CC-MAIN-2024-12"}', "not a list of crawls with id, cdx-api, from and to"),
])
def test_a_collinfo_that_is_not_a_list_of_crawls_stops_the_source(answer, detail):
    site, _ = common_crawl()
    site.add_answer("/collinfo.json", answer)
    run = commoncrawl(site)
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close() == (f"the Common Crawl index at {site.base_url}/collinfo.json answered something that is not a "
                           f"list of crawls: {detail}")


def test_a_range_answered_with_the_whole_file_stops_the_source_with_one_line():
    site, _ = common_crawl()
    site.whole_file_for_ranges = True
    run = commoncrawl(site)
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.items == []
    assert run.close() == whole_file_line(site)


def whole_file_line(site):
    return (f"the Common Crawl data host at {site.base_url}/ answered a range of {FILE_B} with the whole file: "
            "stopped rather than download whole WARC files")


def test_a_whole_file_cut_off_by_the_downloader_stops_the_source_the_same_way():
    """A data request may not grow past its record (download_maxsize): Scrapy cancels a whole file at once."""
    site, _ = common_crawl()
    run = commoncrawl(site)
    queue = deque(run.start())
    while b"Range" not in queue[0].headers:  # the indexes read, up to the first data request
        queue.extend(run.fetch(queue.popleft()))
    request = queue[0]
    first, last = map(int, request.headers["Range"].decode().removeprefix("bytes=").split("-"))
    assert request.meta["download_maxsize"] == last - first + 1
    failure = Failure(DownloadCancelledError("expected response size larger than download max size"))
    failure.request = request
    with pytest.raises(CloseSpider):
        request.errback(failure)
    assert run.stat("source/failure") == whole_file_line(site)


def test_a_burst_of_429s_from_a_crawl_index_stops_the_source_with_one_line():
    site, _ = common_crawl()
    site.add_answer("/CC-MAIN-2024-12-index", "slow down", status=429, content_type="text/plain")
    run = commoncrawl(site)
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close() == (f"the Common Crawl index of CC-MAIN-2024-12 at {site.base_url}/CC-MAIN-2024-12-index "
                           "answered 429 (too many requests) 3 times in a row: stopped so as not to be blocked; "
                           "run again later")


def test_a_record_that_is_not_a_warc_record_is_skipped_and_named(caplog):
    site, offsets = common_crawl()
    data = bytearray(site.routes["/" + FILE_B][0])
    first = min(offset for (filename, _url), offset in offsets.items() if filename == FILE_B)
    data[first:first + 200] = b"GARBAGE\n" * 25  # neither gzip nor a WARC record
    site.add("/" + FILE_B, bytes(data), content_type="application/octet-stream")
    run = commoncrawl(site).crawl()
    assert len(run.items) == len(IN_B) - 1
    assert run.stat("articles/skipped/unreadable_record") == 1
    assert f"Skipped {FILE_B}#{first}: unreadable_record" in caplog.text

