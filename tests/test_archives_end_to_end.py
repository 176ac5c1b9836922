"""-a source=wayback and -a source=commoncrawl end to end, as `scrapy crawl` runs, against one real pywb.

pywb (`wb-manager init` and `add`, then `wayback`) is started once for the module. Its one WARC holds
what both sources need: an older copy and the newest capture of every article, pages of the edition
that are not articles, and noise to pass over. The wayback source replays it; for the Common Crawl
source it is the index of one crawl, beside a fixture index of a newer crawl and a byte-range file server.
"""

import json

import pytest

from tests.archive_servers import ArchiveHost, Pywb, collinfo, pywb_cdx
from tests.archives import write_warc
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES, NON_ARTICLES
from tests.test_commoncrawl_source import FILE_B, IN_B, warc_bytes
from tests.test_wayback_source import (
    NEWEST,
    article_captures,
    assert_exact,
    capture_url,
    non_article_captures,
    noise_captures,
    older_captures,
    replay_via,
)

WARC = "rfi.warc.gz"
NEWER = "20240321090000"  # crawl B's copies of half the articles, newer than any pywb holds
NO_DELAYS = {slot: {"delay": 0, "concurrency": 4}
             for slot in ("wayback-cdx", "wayback-replay", "commoncrawl-index", "commoncrawl-data")}


@pytest.fixture(scope="module")
def warc(tmp_path_factory):
    """The WARC pywb serves and where its response records lie: (path, [(capture, offset, length)])."""
    path = tmp_path_factory.mktemp("archive") / WARC
    placed = write_warc(path, older_captures() + article_captures() + non_article_captures() + noise_captures())
    return path, placed


@pytest.fixture(scope="module")
def pywb(warc, tmp_path_factory):
    path, _placed = warc
    with Pywb(tmp_path_factory.mktemp("pywb"), [path]) as pywb:
        yield pywb


def test_a_real_pywb_gives_every_article_exactly_and_a_rerun_nothing_new(pywb, tmp_path):
    settings = {"WAYBACK_CDX_URL": pywb.cdx_url, "WAYBACK_REPLAY_URL": pywb.replay_url,
                "DOWNLOAD_SLOTS": json.dumps(NO_DELAYS), "STATE_DIR": str(tmp_path / "state")}
    first = run_crawl(tmp_path, "source=wayback", settings=settings)
    again = run_crawl(tmp_path, "source=wayback", settings=settings, output_name="again.jsonl")
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(ARTICLES) == 10 and len(NON_ARTICLES) == 2
    assert_exact(first.items, ARTICLES, via=replay_via(pywb.replay_url.removesuffix("/coll/")))
    assert first.summary == ("Summary: discovered 12, fetched 12, new 10, updated 0, skipped as unchanged 0, "
                             "dropped 2 {no_date: 2}, failed 0 {}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.items == []
    assert again.summary == ("Summary: discovered 12, fetched 0, new 0, updated 0, skipped as unchanged 12, "
                             "dropped 0 {}, failed 0 {}")


def crawl_b():
    return [capture for capture, fixture in zip(article_captures(NEWER), ARTICLES) if fixture.name in IN_B]


def newest_timestamp(fixture):
    return NEWER if fixture.name in IN_B else NEWEST


def test_collinfo_a_real_pywb_index_and_byte_ranges_give_every_article_exactly(pywb, warc, tmp_path):
    """Crawl A's index is the real pywb; crawl B's a fixture server that first answers 503 with Retry-After."""
    path, placed_a = warc
    data_b, placed_b = warc_bytes(crawl_b())
    with ArchiveHost() as host:
        host.add("/collinfo.json", collinfo([
            ("CC-MAIN-2024-11", pywb.cdx_url, "2024-03-10T00:00:00", "2024-03-20T23:59:59"),
            ("CC-MAIN-2024-12", host.url("/CC-MAIN-2024-12-index"), "2024-03-21T00:00:00", "2024-03-22T00:00:00")]))
        host.queue("/CC-MAIN-2024-12-index", 503, {"Retry-After": "1"})
        host.add("/CC-MAIN-2024-12-index", '{"pages": 1, "pageSize": 5, "blocks": 1}', query={"showNumPages": "true"})
        host.add("/CC-MAIN-2024-12-index", pywb_cdx(placed_b, FILE_B), query={"page": "0"})
        host.add_file("/" + FILE_B, data_b)
        host.add_file("/" + WARC, path.read_bytes())  # pywb's index names the file as it was added
        result = run_crawl(tmp_path, "source=commoncrawl", "since=2024-01-01", settings={
            "COMMONCRAWL_INDEX_URL": host.url("/collinfo.json"), "COMMONCRAWL_DATA_URL": host.url("/"),
            "DOWNLOAD_SLOTS": json.dumps(NO_DELAYS)})
        data_requests = [(asked, headers.get("Range")) for asked, _query, headers in host.requests
                         if asked.endswith(".warc.gz")]
    assert result.returncode == 0, result.stderr[-3000:]
    records = {(capture.url, capture.timestamp): (filename, offset, length)
               for filename, placed in ((WARC, placed_a), (FILE_B, placed_b)) for capture, offset, length in placed}

    def via(fixture, timestamp):
        filename, offset, _length = records[(capture_url(fixture), timestamp)]
        return f"{filename}#{offset}"

    assert_exact(result.items, ARTICLES, timestamp=newest_timestamp, source="commoncrawl", via=via)
    assert "answered 503, waiting 1.0 s as its Retry-After asks" in result.stderr
    # One range per newest capture (articles, then the pages that are not), each exactly its record.
    newest = [(capture.url, newest_timestamp(fixture)) for capture, fixture in zip(article_captures(), ARTICLES)]
    newest += [(capture.url, capture.timestamp) for capture in non_article_captures()]
    assert sorted(data_requests) == sorted((f"/{filename}", f"bytes={offset}-{offset + length - 1}")
                                           for filename, offset, length in map(records.get, newest))
    assert result.summary == ("Summary: discovered 12, fetched 12, new 10, updated 0, skipped as unchanged 0, "
                              "dropped 2 {no_date: 2}, failed 0 {}")
