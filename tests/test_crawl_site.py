"""End to end: `scrapy crawl rfi_cn` against a mirror of rfi.fr on 127.0.0.1."""

import re
import time
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES, BOILERPLATE_STRINGS, NON_ARTICLES
from tests.mirror.server import Mirror
from tests.mirror.site import build_site, url_month

MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
EXPECTED_FIELDS = ("title", "lede", "paragraphs", "published", "modified", "image", "authors", "tags", "section")


@pytest.fixture(scope="module")
def site():
    with Mirror() as mirror:
        built = build_site(mirror, [fixture.spec for fixture in ARTICLES])
        for page in NON_ARTICLES:
            mirror.add(page.path, page.html)
        yield mirror, built


def crawl(tmp_path, mirror, *arguments, **settings):
    return run_crawl(tmp_path, *arguments, settings={"RFI_BASE_URL": mirror.base_url,
                                                     "STATE_DIR": str(tmp_path / "state"), **settings})


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


def test_default_run_returns_every_article_exactly(tmp_path, site):
    mirror, built = site
    result = crawl(tmp_path, mirror)
    assert result.returncode == 0, result.stderr[-2000:]
    by_path = result.by_path()
    assert sorted(by_path) == sorted(fixture.spec.path for fixture in ARTICLES)
    assert len(result.items) == len(ARTICLES)
    for fixture in ARTICLES:
        item = by_path[fixture.spec.path]
        assert_exact(item, fixture)
        assert item["url"] == built.articles[fixture.spec.path]
        assert (item["edition"], item["language"], item["source"], item["version"]) == ("cn", "zh-Hans", "rfi", 1)
    assert_no_boilerplate(result.items)


def test_ids_do_not_depend_on_the_host(tmp_path, site):
    mirror, _ = site
    fixture = ARTICLES[0]
    result = crawl(tmp_path, mirror, f"urls=https://www.rfi.fr{fixture.spec.path}")
    from crawler.urls import article_id

    assert [item["id"] for item in result.items] == [article_id("https://www.rfi.fr" + fixture.spec.path)]


def test_backfill_fetches_only_the_window(tmp_path, site):
    mirror, built = site
    months = sorted(built.monthly_paths)
    assert len(months) >= 2, "the fixtures must span several months"
    month = months[-1]
    since = f"{month[:4]}-{month[4:]}-01"
    in_window = sorted(path for fixture in ARTICLES if url_month(path := fixture.spec.path) >= month)
    mirror.clear_log()
    result = crawl(tmp_path, mirror, f"since={since}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.by_path()) == in_window
    requested_maps = {path for path in mirror.requests if "/sitemaps/" in path}
    assert requested_maps == {"/sitemaps/cn/index.xml", f"/sitemaps/cn/contents_{month}.xml"}
    requested_articles = {path for path in mirror.requests if path in built.articles}
    assert requested_articles == set(in_window)


def test_backfill_until_closes_the_window(tmp_path, site):
    mirror, built = site
    days = sorted({path.rsplit("/", 1)[1][:8] for path in built.articles})
    first, second = days[0], days[1]
    since, until = (f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in (first, second))
    expected = sorted(path for path in built.articles if first <= path.rsplit("/", 1)[1][:8] <= second)
    result = crawl(tmp_path, mirror, f"since={since}", f"until={until}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.by_path()) == expected


def test_sections_use_their_own_feeds_only(tmp_path, site):
    mirror, built = site
    sections = sorted(built.section_rss)[:2]
    expected = sorted(fixture.spec.path for fixture in ARTICLES if fixture.spec.section in sections)
    mirror.clear_log()
    result = crawl(tmp_path, mirror, "sections=" + ",".join(sections))
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.by_path()) == expected
    listings = {path for path in mirror.requests if path.endswith("/rss") or "/sitemaps/" in path}
    assert listings == {f"/cn/{section}/rss" for section in sections}


def test_urls_crawls_those_articles_only_in_either_spelling(tmp_path, site):
    mirror, built = site
    first, second = ARTICLES[1].spec.path, ARTICLES[2].spec.path
    mirror.clear_log()
    result = crawl(tmp_path, mirror, f"urls={built.articles[first]},{mirror.base_url}{second},{mirror.base_url}{first}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.by_path()) == sorted([first, second])
    assert sorted(path for path in mirror.requests if path in built.articles) == sorted([first, second])


def test_non_article_pages_are_skipped_with_a_reason(tmp_path, site):
    mirror, _ = site
    urls = ",".join(mirror.base_url + page.path for page in NON_ARTICLES)
    result = crawl(tmp_path, mirror, f"urls={mirror.base_url + ARTICLES[0].spec.path},{urls}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(result.by_path()) == [ARTICLES[0].spec.path]
    skipped = re.findall(r"Skipped (\S+): (no_title|no_date|no_paragraphs)", result.stderr)
    assert sorted(unquote(urlsplit(url).path) for url, _ in skipped) == sorted(page.path for page in NON_ARTICLES)
    assert f"dropped {len(NON_ARTICLES)} {{" in result.stderr


@pytest.mark.parametrize(
    "argument, message",
    [
        ("since=2024-02-30", "since=2024-02-30 is not a date"),
        ("since=2024-03-01&until=2024-02-01", "since=2024-03-01 is after until=2024-02-01"),
        ("sections=火星", "unknown section 火星"),
        ("urls=https://example.com/cn/中国/20240101-假的", "not on"),
        ("urls=https://www.rfi.fr/fr/france/20240101-x", "not an article URL of /cn/"),
        ("source=twitter", "unknown source=twitter"),
    ],
)
def test_bad_arguments_stop_at_once_with_one_line(tmp_path, site, argument, message):
    mirror, _ = site
    mirror.clear_log()
    result = crawl(tmp_path, mirror, *argument.split("&"))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.last_line.startswith("rfi_cn: bad argument: ") and message in result.last_line
    assert mirror.requests == []


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:9", "http://no-such-host.invalid"])
def test_unreachable_site_fails_quickly_with_one_line(tmp_path, base_url):
    started = time.monotonic()
    result = run_crawl(tmp_path, settings={"RFI_BASE_URL": base_url, "STATE_DIR": str(tmp_path / "state")})
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert result.last_line.startswith("rfi_cn: failed: cannot reach the site: ")
    assert "Traceback" not in result.stderr
    assert result.items == []
