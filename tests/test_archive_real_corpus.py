"""The real feedx corpus through web archives: every item shown as rfi.fr shows it, captured into one WARC,
then read back by `-a warc=`, `-a source=wayback` and `-a source=commoncrawl`, exact.

The expected fields come from tests/mirror/corpus.py, which reads the saved items on its own. Mandatory
when RFI_CORPUS is set. In-process: each source is crawled end to end, against a real pywb and a
byte-range server, on the hand-written fixtures (tests/test_archives_end_to_end.py).
"""

import io
from datetime import date, timedelta

import pytest

from crawler.arguments import next_month
from crawler.urls import article_date, article_id
from tests.archive_servers import ArchiveSite, collinfo, pywb_cdx
from tests.archives import Capture, noise, write_records
from tests.inprocess import Run
from tests.mirror.corpus import corpus_spec
from tests.mirror.render import RFI_BASE as RFI, absolute, render_article_page
from tests.test_commoncrawl_source import commoncrawl
from tests.test_real_corpus import assert_matches, by_id
from tests.test_wayback_source import archive, wayback

WARC_NAME = "crawl-data/CC-MAIN-2024-33/segments/1/warc/CC-MAIN-20240801-00000.warc.gz"


def capture_time(item):
    """Captured on the day of its URL, late: the capture's date and the article's are one day."""
    return article_date(absolute(RFI, item.path)) + "235900"


@pytest.fixture(scope="module")
def warc(corpus):
    """One gzipped WARC: every corpus item as rfi.fr's page, with noise around them; its bytes and placement."""
    captures = [Capture(absolute(RFI, item.path), render_article_page(corpus_spec(item), base_url=RFI),
                        capture_time(item)) for item in corpus]
    stream = io.BytesIO()
    placed = write_records(stream, captures + [capture for capture, _reason in noise()])
    return stream.getvalue(), placed


def assert_exact(run, expected_items, source):
    assert run.close() is None
    items = by_id(run.items)
    assert len(run.items) == len(items) == len(expected_items)
    for expected in expected_items:
        item = items[article_id(expected.link)]
        assert_matches(item, expected)
        assert item["source"] == source
        moment = capture_time(expected)
        assert item["fetched_at"] == f"{moment[:4]}-{moment[4:6]}-{moment[6:8]}T23:59:00+00:00"


def in_window(items, since, until):
    return [item for item in items if since <= date.fromisoformat(
        f"{capture_time(item)[:4]}-{capture_time(item)[4:6]}-{capture_time(item)[6:8]}") <= until]


def a_month_of(corpus):
    """A window holding some of the corpus and not all: the month of its middle item."""
    middle = sorted(capture_time(item) for item in corpus)[len(corpus) // 2]
    since = date(int(middle[:4]), int(middle[4:6]), 1)
    until = next_month(since) - timedelta(days=1)
    chosen = in_window(corpus, since, until)
    assert 0 < len(chosen) < len(corpus)
    return since, until, chosen


# -- -a warc= ---------------------------------------------------------------------------


def test_a_warc_gives_every_corpus_article_exactly(corpus, warc, tmp_path):
    path = tmp_path / "corpus.warc.gz"
    path.write_bytes(warc[0])
    assert_exact(Run(settings={"RFI_BASE_URL": RFI}, warc=str(path)).crawl(), corpus, "warc")


def test_a_windowed_warc_run_gives_exactly_the_articles_of_its_window(corpus, warc, tmp_path):
    path = tmp_path / "corpus.warc.gz"
    path.write_bytes(warc[0])
    since, until, chosen = a_month_of(corpus)
    run = Run(settings={"RFI_BASE_URL": RFI}, warc=str(path), since=str(since), until=str(until)).crawl()
    assert_exact(run, chosen, "warc")


# -- source=wayback -----------------------------------------------------------------------


def wayback_archive(warc, shape):
    """A Wayback archive in memory holding the WARC's captures: CDX at /coll/cdx, raw replay at /coll/."""
    return archive([capture for capture, _offset, _length in warc[1]], shape)


@pytest.mark.parametrize("shape", ["internet_archive", "pywb"])
def test_wayback_gives_every_corpus_article_exactly(corpus, warc, shape):
    assert_exact(wayback(wayback_archive(warc, shape)).crawl(), corpus, "wayback")


def test_a_windowed_wayback_run_gives_exactly_the_articles_of_its_window(corpus, warc):
    since, until, chosen = a_month_of(corpus)
    run = wayback(wayback_archive(warc, "pywb"), since=str(since), until=str(until)).crawl()
    assert_exact(run, chosen, "wayback")


# -- source=commoncrawl ------------------------------------------------------------------


def common_crawl(warc):
    """Common Crawl in memory: a collinfo.json of two crawls, the index of the one holding the WARC, its bytes."""
    site = ArchiveSite()
    site.add_answer("/collinfo.json", collinfo([
        ("CC-MAIN-2024-33", f"{site.base_url}/CC-MAIN-2024-33-index", "2000-01-01T00:00:00", "2099-12-31T23:59:59"),
        ("CC-MAIN-1999-01", f"{site.base_url}/CC-MAIN-1999-01-index", "1999-01-01T00:00:00", "1999-01-31T23:59:59"),
    ]))
    site.add_answer("/CC-MAIN-2024-33-index", pywb_cdx(warc[1], WARC_NAME), content_type="text/x-ndjson")
    site.add("/" + WARC_NAME, warc[0], content_type="application/octet-stream")
    return site


def test_commoncrawl_gives_every_corpus_article_exactly(corpus, warc):
    run = commoncrawl(common_crawl(warc)).crawl()
    assert_exact(run, corpus, "commoncrawl")
    offsets = {article_id(capture.url): offset for capture, offset, _length in warc[1]}
    assert {item["via"] for item in run.items} == {f"{WARC_NAME}#{offsets[item['id']]}" for item in run.items}


def test_a_windowed_commoncrawl_run_gives_exactly_the_articles_of_its_window(corpus, warc):
    since, until, chosen = a_month_of(corpus)
    run = commoncrawl(common_crawl(warc), since=str(since), until=str(until)).crawl()
    assert_exact(run, chosen, "commoncrawl")
