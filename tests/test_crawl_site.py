"""Crawling a mirror of rfi.fr: what each way of discovering articles fetches, and what comes out.

The default run and a backfill are crawled end to end, `scrapy crawl rfi_cn` against a mirror on
127.0.0.1; which listings and articles the other arguments lead to is decided in-process.
"""

import re
import time
from collections import Counter
from urllib.parse import unquote, urlsplit

import pytest

from crawler.arguments import ArgumentError
from crawler.urls import article_id
from crawler.verdict import format_reasons
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES, BOILERPLATE_STRINGS, NON_ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.server import Mirror
from tests.mirror.site import build_site, url_month

MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
EXPECTED_FIELDS = ("title", "lede", "paragraphs", "published", "modified", "image", "authors", "tags", "section",
                   "alternates")
SPECS = [fixture.spec for fixture in ARTICLES]


@pytest.fixture(scope="module")
def site():
    with Mirror() as mirror:
        built = build_site(mirror, SPECS)
        for page in NON_ARTICLES:
            mirror.add(page.path, page.html)
        yield mirror, built


@pytest.fixture
def pages():
    """The same site, in memory."""
    held = Site()
    built = build_site(held, SPECS)
    for page in NON_ARTICLES:
        held.add(page.path, page.html)
    return held, built


def crawl(tmp_path, mirror, *arguments, interpreter=False, **settings):
    return run_crawl(tmp_path, *arguments, settings={"RFI_BASE_URL": mirror.base_url,
                                                     "STATE_DIR": str(tmp_path / "state"), **settings},
                     interpreter=interpreter)


def path_of(url):
    return unquote(urlsplit(url).path)


def item_paths(items):
    return sorted(path_of(item["url"]) for item in items)


def assert_no_boilerplate(items):
    for item in items:
        texts = [item["title"], item["lede"] or "", *item["paragraphs"]]
        for text in texts:
            leaked = [s for s in BOILERPLATE_STRINGS if s in text]
            assert not leaked, f"{item['url']}: boilerplate {leaked} in {text!r}"
            assert not MARKUP.search(text), f"{item['url']}: markup in {text!r}"


def assert_exact(item, fixture):
    for field in EXPECTED_FIELDS:
        if field in fixture.expected:
            assert item[field] == fixture.expected[field], f"{fixture.name}: {field}"


# -- end to end ---------------------------------------------------------------------


def test_default_run_returns_every_article_exactly(tmp_path, site):
    mirror, built = site
    # Started as a user starts it, `python -m scrapy`: the other crawls are forked (tests/scrapy_process.py).
    result = crawl(tmp_path, mirror, interpreter=True)
    assert result.returncode == 0, result.stderr[-2000:]
    by_path = result.by_path()
    assert sorted(by_path) == sorted(spec.path for spec in SPECS)
    assert len(result.items) == len(ARTICLES)
    for fixture in ARTICLES:
        item = by_path[fixture.spec.path]
        assert_exact(item, fixture)
        assert item["url"] == built.articles[fixture.spec.path]
        assert (item["edition"], item["language"], item["source"], item["version"]) == ("cn", "zh-Hans", "rfi", 1)
    assert_no_boilerplate(result.items)
    assert result.summary == (f"Summary: discovered {len(SPECS)}, fetched {len(SPECS)}, new {len(SPECS)}, updated 0, "
                              "skipped as unchanged 0, dropped 0 {}, failed 0 {}")
    # A healthy site passes every monitor; a check without its threshold is skipped.
    assert "[Spidermon] Field coverage/Fields are found on enough article pages... OK" in result.stderr
    assert "[Spidermon] Item validation/Items match the JSON Schema... OK" in result.stderr
    assert "SKIPPED (SPIDERMON_MAX_ERRORS is not set)" in result.stderr


def test_backfill_fetches_only_the_window(tmp_path, site):
    mirror, built = site
    months = sorted(built.monthly_paths)
    assert len(months) >= 2, "the fixtures must span several months"
    month = months[-1]
    since = f"{month[:4]}-{month[4:]}-01"
    in_window = sorted(path for spec in SPECS if url_month(path := spec.path) >= month)
    mirror.clear_log()
    result = crawl(tmp_path, mirror, f"since={since}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.by_path()) == in_window
    requested_maps = {path for path in mirror.requests if "/sitemaps/" in path}
    assert requested_maps == {"/sitemaps/cn/index.xml", f"/sitemaps/cn/contents_{month}.xml"}
    requested_articles = {path for path in mirror.requests if path in built.articles}
    assert requested_articles == set(in_window)


def test_a_bad_argument_stops_the_run_before_anything_is_asked_of_the_site(tmp_path, site):
    mirror, _ = site
    mirror.clear_log()
    result = crawl(tmp_path, mirror, "since=2024-03-01", "until=2024-02-01")
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.last_line == "rfi_cn: bad argument: since=2024-03-01 is after until=2024-02-01"
    assert "Traceback" not in result.stderr
    assert mirror.requests == []
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:9", "http://no-such-host.invalid"])
def test_unreachable_site_fails_quickly_with_one_line(tmp_path, base_url):
    started = time.monotonic()
    result = run_crawl(tmp_path, settings={"RFI_BASE_URL": base_url, "STATE_DIR": str(tmp_path / "state")})
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert result.last_line.startswith("rfi_cn: failed: cannot reach the site: ")
    assert "Traceback" not in result.stderr
    assert result.items == []


# -- in-process -----------------------------------------------------------------------


def test_ids_do_not_depend_on_the_host(pages):
    site, _ = pages
    path = SPECS[0].path
    run = Run(site, urls=f"https://www.rfi.fr{path}").crawl()
    assert [path_of(url) for url in run.requested] == [path]
    assert run.requested[0].startswith(site.base_url + "/")
    assert [item["id"] for item in run.items] == [article_id("https://www.rfi.fr" + path)]


def test_backfill_until_closes_the_window(pages):
    site, built = pages
    days = sorted({path.rsplit("/", 1)[1][:8] for path in built.articles})
    first, second = days[0], days[1]
    since, until = (f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in (first, second))
    expected = sorted(path for path in built.articles if first <= path.rsplit("/", 1)[1][:8] <= second)
    run = Run(site, since=since, until=until).crawl()
    assert item_paths(run.items) == expected
    maps = [path_of(url) for url in run.requested if "/sitemaps/" in url]
    assert maps == ["/sitemaps/cn/index.xml", f"/sitemaps/cn/contents_{first[:6]}.xml"]
    assert run.stat("discovery/outside_window") == len(built.monthly_paths[first[:6]]) - len(expected)
    assert run.close() is None


def test_sections_use_their_own_feeds_only(pages):
    site, built = pages
    sections = sorted(built.section_rss)[:2]
    expected = sorted(spec.path for spec in SPECS if spec.section in sections)
    run = Run(site, sections=",".join(sections)).crawl()
    assert item_paths(run.items) == expected
    listings = [path_of(url) for url in run.requested if url.endswith("/rss") or "/sitemaps/" in url]
    assert listings == [f"/cn/{section}/rss" for section in sections]


def test_urls_crawls_those_articles_only_in_either_spelling(pages):
    site, built = pages
    first, second = SPECS[1].path, SPECS[2].path
    run = Run(site, urls=f"{built.articles[first]},{site.base_url}{second},{site.base_url}{first}").crawl()
    assert sorted(path_of(url) for url in run.requested) == sorted([first, second])
    assert item_paths(run.items) == sorted([first, second])
    assert run.stat("articles/discovered") == 2


def test_non_article_pages_are_skipped_with_a_reason(pages, caplog):
    site, _ = pages
    urls = ",".join(site.base_url + page.path for page in [SPECS[0], *NON_ARTICLES])
    run = Run(site, urls=urls).crawl()
    assert item_paths(run.items) == [SPECS[0].path]
    skipped = re.findall(r"Skipped (\S+): (no_title|no_date|no_paragraphs)", caplog.text)
    assert sorted(path_of(url) for url, _ in skipped) == sorted(page.path for page in NON_ARTICLES)
    assert run.close() is None
    reasons = format_reasons(Counter(reason for _, reason in skipped))
    assert run.summary == ("Summary: discovered 3, fetched 3, new 1, updated 0, skipped as unchanged 0, "
                           f"dropped 2 {reasons}, failed 0 {{}}")


@pytest.mark.parametrize("arguments, message", [
    ({"since": "2024-02-30"}, "since=2024-02-30 is not a date; use YYYY-MM-DD"),
    ({"since": "2024-03-01", "until": "2024-02-01"}, "since=2024-03-01 is after until=2024-02-01"),
    ({"sections": "火星"}, "unknown section 火星; known sections: 中国, 法国, 港澳台, 亚洲, 美洲, 欧洲, 非洲, 中东, 国际, "
                         "政治, 滚动新闻, 专栏检索"),
    ({"urls": "https://example.com/cn/中国/20240101-假的"},
     "urls=: not on http://127.0.0.1:8000 or rfi.fr: https://example.com/cn/中国/20240101-假的"),
    ({"urls": "https://www.rfi.fr/fr/france/20240101-x"},
     "urls=: not an article URL of /cn/: https://www.rfi.fr/fr/france/20240101-x"),
    ({"source": "twitter"}, "unknown source=twitter; sources: rfi, feedx, wayback, commoncrawl, archive (with archive=PATH), warc (with warc=PATH)"),
    ({"since": ""}, "since= is empty; give a value or leave the argument out"),
])
def test_bad_arguments_are_refused_when_the_spider_is_made(arguments, message):
    with pytest.raises(ArgumentError) as refused:
        Run(Site(), **arguments)
    assert str(refused.value) == message
