"""-a source=wayback: the newest capture of each article in a Wayback-compatible archive.

What the source decides is tested in-process, against CDX answers of both shapes (the Internet
Archive's and pywb's) and replays held in memory; a real pywb is crawled end to end in
tests/test_archives_end_to_end.py.
"""

import asyncio
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import CloseSpider

from crawler.middlewares import RetryAfterMiddleware

from crawler.urls import article_id
from tests.archive_servers import ArchiveSite, internet_archive_cdx, pywb_cdx
from tests.archives import Capture, noise
from tests.fixtures.articles import ARTICLES, NON_ARTICLES
from tests.inprocess import Run
from tests.mirror.render import absolute, render_article_page

RFI = "https://www.rfi.fr"
CDX = "/coll/cdx"
NOT_FROM_THE_PAGE = {"source", "fetched_at", "via", "crawled_at"}
NEWEST = "20240320120000"
OLDER = "20240314080000"


def rfi_url(path):
    return absolute(RFI, path)


def capture_url(fixture):
    """The URL a capture of the fixture's page records, percent-encoded as a Capture writes it."""
    return Capture(rfi_url(fixture.spec.path), "").url


def article_captures(timestamp=NEWEST):
    return [Capture(rfi_url(fixture.spec.path), render_article_page(fixture.spec), timestamp) for fixture in ARTICLES]


def older_captures():
    """An older copy of every article, which must never be read when a newer one is there."""
    return [Capture(rfi_url(fixture.spec.path), "<html><body>an older copy</body></html>", OLDER)
            for fixture in ARTICLES]


def non_article_captures():
    """200 HTML captures of pages of the edition that are not articles: fetched, then skipped."""
    return [Capture(rfi_url(page.path), page.html, NEWEST) for page in NON_ARTICLES]


def noise_captures():
    return [capture for capture, _reason in noise(NEWEST)]


def archive(captures, shape="internet_archive", pages=1):
    """A Wayback archive in memory holding the captures: CDX at /coll/cdx, replay at /coll/."""
    site = ArchiveSite()
    for capture in captures:
        site.add(f"/coll/{capture.timestamp}id_/{unquote(capture.url)}", capture.data,
                 content_type=capture.content_type, status=capture.status)
    if shape == "internet_archive":
        site.add_answer(CDX, str(pages), query={"showNumPages": "true"}, content_type="text/plain")
        for page in range(pages):
            site.add_answer(CDX, internet_archive_cdx(captures[page::pages]), query={"page": str(page)})
    else:  # pywb without a ZipNum index answers showNumPages with the records
        lines = pywb_cdx([(capture, 0, 1) for capture in captures], "a.warc.gz")
        site.add_answer(CDX, lines, content_type="text/x-ndjson")
    return site


def wayback(site, settings=None, **arguments):
    return Run(site, settings={"RFI_BASE_URL": RFI, "WAYBACK_CDX_URL": site.base_url + CDX,
                               "WAYBACK_REPLAY_URL": site.base_url + "/coll/", **(settings or {})},
               source="wayback", **arguments)


def cdx_queries(run):
    return [parse_qsl(urlsplit(url).query) for url in run.requested if urlsplit(url).path == CDX]


def assert_exact(items, fixtures, timestamp=NEWEST, source="wayback", via=None):
    """Every item is its fixture's article, field by field; via and fetched_at say which capture it came from."""
    by_id = {item["id"]: item for item in items}
    assert len(by_id) == len(items) == len(fixtures)
    for fixture in fixtures:
        url = rfi_url(fixture.spec.path)
        item = by_id[article_id(url)]
        for field, value in fixture.expected.items():
            if field not in NOT_FROM_THE_PAGE:
                assert item[field] == value, f"{fixture.name}: {field}"
        ts = timestamp(fixture) if callable(timestamp) else timestamp
        assert item["url"] == url
        assert (item["edition"], item["language"], item["source"], item["version"]) == ("cn", "zh-Hans", source, 1)
        assert item["fetched_at"] == f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}+00:00"
        if via:
            assert item["via"] == via(fixture, ts), fixture.name


def replay_via(base_url):
    return lambda fixture, ts: f"{base_url}/coll/{ts}id_/{rfi_url(fixture.spec.path)}"


# -- in-process -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["internet_archive", "pywb"])
def test_both_cdx_shapes_give_the_newest_capture_of_every_article_exactly(shape):
    site = archive(article_captures() + older_captures() + noise_captures(), shape=shape)
    run = wayback(site).crawl()
    assert_exact(run.items, ARTICLES, via=replay_via(site.base_url))
    assert run.stat("archive/passed_over/older_capture") == len(ARTICLES)
    assert (run.stat("archive/passed_over/other_host"), run.stat("archive/passed_over/other_edition"),
            run.stat("archive/passed_over/old_site")) == (1, 1, 1)
    # The query asks for 200 HTML; what a server lists anyway is passed over here.
    assert (run.stat("archive/passed_over/not_200"), run.stat("archive/passed_over/not_html")) == (1, 1)
    assert not [url for url in run.requested if OLDER in url]
    assert run.stat("articles/discovered") == run.stat("articles/fetched") == len(ARTICLES)
    assert run.close() is None


def test_the_query_asks_for_the_editions_prefix_200_html_page_by_page():
    site = archive(article_captures() + noise_captures(), pages=3)
    run = wayback(site).crawl()
    query = [("url", "www.rfi.fr/cn/"), ("matchType", "prefix"), ("output", "json"), ("filter", "statuscode:200"),
             ("filter", "mimetype:text/html")]
    assert cdx_queries(run) == [query + [("showNumPages", "true")],
                                *(query + [("page", str(page))] for page in range(3))]
    assert_exact(run.items, ARTICLES)


def test_a_server_that_answers_show_num_pages_with_records_is_read_as_one_page():
    site = archive(article_captures(), shape="pywb")
    run = wayback(site).crawl()
    assert len(cdx_queries(run)) == 1 and ("showNumPages", "true") in cdx_queries(run)[0]
    assert len(run.items) == len(ARTICLES)


def test_an_empty_archive_gives_nothing_and_fails_as_an_empty_run():
    site = ArchiveSite()
    site.add_answer(CDX, "1", query={"showNumPages": "true"})
    site.add_answer(CDX, "[]", query={"page": "0"})
    run = wayback(site).crawl()
    assert run.items == [] and len(run.requested) == 2


def test_the_window_bounds_the_query_the_capture_and_the_articles_date():
    inside = [fixture for fixture in ARTICLES if "20240201" <= article_date_of(fixture) <= "20240229"]
    in_window = [Capture(rfi_url(fixture.spec.path), render_article_page(fixture.spec), "20240229230000")
                 for fixture in ARTICLES if "20240201" <= article_date_of(fixture)]
    after_window = [Capture(rfi_url(fixture.spec.path), "<html>later</html>", "20240301000000") for fixture in ARTICLES]
    site = archive(in_window + after_window)
    run = wayback(site, since="2024-02-01", until="2024-02-29").crawl()
    assert_exact(run.items, inside, timestamp="20240229230000")
    assert cdx_queries(run)[0][-3:] == [("from", "20240201"), ("to", "20240229"), ("showNumPages", "true")]
    assert run.stat("archive/passed_over/outside_window") == len(after_window) + len(in_window) - len(inside)


def article_date_of(fixture):
    return fixture.spec.path.rsplit("/", 1)[1][:8]


def test_captures_that_are_not_articles_are_fetched_and_skipped_with_their_reason(caplog):
    site = archive(article_captures() + non_article_captures())
    run = wayback(site).crawl()
    assert len(run.items) == len(ARTICLES)
    assert run.stat("articles/fetched") == len(ARTICLES) + len(NON_ARTICLES)
    assert run.stat("articles/skipped/no_date") == len(NON_ARTICLES)
    for page in NON_ARTICLES:
        assert f"Skipped {site.base_url}/coll/{NEWEST}id_/{rfi_url(page.path)}: no_date" in caplog.text


def test_a_replay_that_is_not_200_html_is_counted_and_named(caplog):
    captures = article_captures()
    site = archive(captures)
    gone, image = captures[0], captures[1]
    site.add(f"/coll/{gone.timestamp}id_/{unquote(gone.url)}", "gone", status=404)
    site.add(f"/coll/{image.timestamp}id_/{unquote(image.url)}", b"\xff\xd8\xff", content_type="image/jpeg")
    run = wayback(site).crawl()
    assert len(run.items) == len(ARTICLES) - 2
    assert run.stat("articles/failed/http_404") == 1 and run.stat("articles/skipped/not_html") == 1
    assert f"Article {site.base_url}/coll/{gone.timestamp}id_/{gone.url} not fetched: http_404" in caplog.text
    assert f"Skipped {site.base_url}/coll/{image.timestamp}id_/{image.url}: not_html" in caplog.text


@pytest.mark.parametrize("answer, detail", [
    ("<html><body>Service unavailable</body></html>", "not JSON: <html><body>Service unavailable</body></html>"),
    ('[["urlkey", "timestamp", "original"], ["a", "20240301"]]', "a row of 2 fields under a header of 3"),
    ('{"error": "bad query"}\n{"also": "bad"}\n', 'a record without url or timestamp: {"error": "bad query"}'),
])
def test_a_cdx_server_answering_garbage_stops_the_source_with_one_line(answer, detail):
    site = ArchiveSite()
    site.add_answer(CDX, "1", query={"showNumPages": "true"})
    site.add_answer(CDX, answer, query={"page": "0"})
    run = wayback(site)
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.items == []
    assert run.close() == (f"the Wayback CDX server at {site.base_url}{CDX} answered something that is not a CDX "
                           f"index: {detail}")


def test_a_cdx_server_that_is_down_stops_the_source_with_one_line():
    site = ArchiveSite()
    site.add_answer(CDX, "Internal error", query={"showNumPages": "true"}, status=500)
    run = wayback(site)
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close() == f"the Wayback CDX server at {site.base_url}{CDX} answered HTTP 500"


def test_a_cdx_server_that_cannot_be_reached_stops_the_source_with_one_line():
    site = ArchiveSite()

    def refused(request):
        raise ConnectionRefusedError("connection refused")

    site.response = refused
    run = wayback(site)
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close() == (f"the Wayback CDX server at {site.base_url}{CDX} could not be reached "
                           "(ConnectionRefusedError)")


def test_a_burst_of_429s_stops_the_source_with_one_line():
    site = ArchiveSite()
    site.add_answer(CDX, "Too many requests", query={"showNumPages": "true"}, status=429)
    run = wayback(site, settings={"ARCHIVE_MAX_429": 4})
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close() == (f"the Wayback CDX server at {site.base_url}{CDX} answered 429 (too many requests) 4 times "
                           "in a row: stopped so as not to be blocked; run again later")


def test_an_index_request_is_retried_through_the_burst_then_stops():
    """Scrapy's retries (crawler.middlewares.RetryAfterMiddleware, waiting as Retry-After asks) answer the 429s
    before the last of a burst; the last one reaches the errback above."""
    site = ArchiveSite()
    site.add_answer(CDX, "Too many requests", query={"showNumPages": "true"}, status=429, headers={"Retry-After": "0"})
    run = wayback(site, settings={"ARCHIVE_MAX_429": 4})
    answers = asyncio.new_event_loop().run_until_complete(answers_until_given_up(run, site, run.start()[0]))
    assert [response.status for response in answers] == [429, 429, 429, 429]


async def answers_until_given_up(run, site, request):
    retries = RetryAfterMiddleware.from_crawler(run.crawler)
    answers = []
    while isinstance(request, Request):
        answers.append(site.response(request))
        request = await retries.process_response(request, answers[-1])
    return answers



def test_an_archive_of_a_mirror_is_asked_about_the_mirrors_host_too():
    mirror = "http://127.0.0.1:8123"
    captures = [Capture(absolute(mirror, fixture.spec.path), render_article_page(fixture.spec, base_url=mirror),
                        NEWEST) for fixture in ARTICLES]
    site = ArchiveSite()
    for capture in captures:
        site.add(f"/coll/{capture.timestamp}id_/{unquote(capture.url)}", capture.data, content_type=capture.content_type)
    site.add_answer(CDX, "[]", query={"url": "www.rfi.fr/cn/"})
    site.add_answer(CDX, internet_archive_cdx(captures), query={"url": "127.0.0.1:8123/cn/"})
    run = wayback(site, settings={"RFI_BASE_URL": mirror}).crawl()
    assert [dict(query)["url"] for query in cdx_queries(run)] == ["www.rfi.fr/cn/", "127.0.0.1:8123/cn/"]
    assert sorted(item["url"] for item in run.items) == sorted(capture.url for capture in captures)
    assert run.close() is None
