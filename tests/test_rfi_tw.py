"""rfi_tw, RFI's Traditional edition (/tw/), and what every spider of the family shares.

The real corpus is converted to Traditional with OpenCC as the tests start (tests/mirror/corpus.py,
which reads it without the project's code) and laid out under /tw/: rfi_tw must return every item
exact. Mandatory when RFI_CORPUS is set. Decisions are crawled in-process (tests/inprocess.py); one
`scrapy crawl rfi_tw` runs end to end on the hand-written fixtures under /tw/.
"""

import dataclasses
import sqlite3
from datetime import date

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader

from crawler.arguments import ArgumentError
from crawler.editions import CN, TW
from crawler.extract.rfi_page import RfiArticlePage, page_selector
from crawler.spiders.rfi_tw import RfiTwSpider
from crawler.urls import article_date, article_id
from tests.conftest import corpus_path, run_crawl
from tests.fixtures.articles import ARTICLES
from tests.inprocess import PROJECT_SETTINGS, Run, Site
from tests.mirror.corpus import corpus_spec, load_traditional_corpus, traditional_path
from tests.mirror.render import RFI_BASE, SITE_NAME, absolute, render_article_page, render_rss, section_of
from tests.mirror.server import Mirror
from tests.mirror.site import build_site
from tests.test_crawl_site import item_paths, path_of
from tests.test_real_corpus import assert_matches, by_id


@pytest.fixture(scope="module")
def corpus():
    """The corpus as /tw/ would publish it, converted in memory for this module."""
    items = load_traditional_corpus(corpus_path())
    assert len(items) >= 100
    return items


@pytest.fixture(scope="module")
def tw_site(corpus):
    site = Site()
    return site, build_site(site, [corpus_spec(item) for item in corpus], edition=TW)


def assert_tw_item(item, expected):
    assert_matches(item, expected)  # title, published, lede, paragraphs, image, id
    assert item["id"].startswith("rfi-tw-"), expected.file
    assert (item["edition"], item["language"], item["section"], item["source"]) == (
        "tw", "zh-Hant", section_of(expected.path), "rfi"), expected.file


def assert_every_item(run, expected_items):
    assert run.close() is None
    items = by_id(run.items)
    assert sorted(items) == sorted(article_id(expected.link) for expected in expected_items)
    for expected in expected_items:
        assert_tw_item(items[article_id(expected.link)], expected)


def listings(run):
    return [path_of(url) for url in run.requested if url.endswith("/rss") or "/sitemaps/" in url]


# -- the real corpus in Traditional, in-process ------------------------------------------


def test_the_converted_corpus_is_laid_out_as_tw_publishes_it(corpus):
    sections = {section_of(item.path) for item in corpus}
    assert {"中國", "港澳台", "專欄檢索"} <= sections
    assert all(item.path.startswith("/tw/") for item in corpus)
    assert all(item.link == absolute(RFI_BASE, item.path) for item in corpus)


def test_default_run_returns_every_item_exact(tw_site, corpus):
    site, _ = tw_site
    run = Run(site, spider=RfiTwSpider).crawl()
    assert listings(run) == ["/tw/rss", "/sitemaps/tw/news.xml"]
    assert all(path_of(url).startswith(("/tw/", "/sitemaps/tw/")) for url in run.requested)
    assert_every_item(run, corpus)


def test_backfill_returns_every_item_of_the_window_exact(tw_site, corpus):
    site, built = tw_site
    days = sorted({article_date(item.link) for item in corpus})
    first, last = days[len(days) // 4], days[3 * len(days) // 4]
    in_window = [item for item in corpus if first <= article_date(item.link) <= last]
    assert 0 < len(in_window) < len(corpus)
    since, until = (date(int(d[:4]), int(d[4:6]), int(d[6:])).isoformat() for d in (first, last))
    run = Run(site, spider=RfiTwSpider, since=since, until=until).crawl()
    months = {month for month in built.monthly_sitemaps if first[:6] <= month <= last[:6]}
    assert set(listings(run)) == {"/sitemaps/tw/index.xml", *(f"/sitemaps/tw/contents_{m}.xml" for m in months)}
    assert_every_item(run, in_window)


@pytest.mark.parametrize("section", ["中國", "港澳台"])
def test_a_section_returns_exactly_its_items(tw_site, corpus, section):
    site, _ = tw_site
    expected = [item for item in corpus if section_of(item.path) == section]
    assert expected
    run = Run(site, spider=RfiTwSpider, sections=section).crawl()
    assert listings(run) == [f"/tw/{section}/rss"]
    assert_every_item(run, expected)


# -- the hand-written fixtures under /tw/, with and without a link to their /cn/ version ---


def tw_fixtures():
    """(spec, expected) of each fixture article published under /tw/, its text as written: every other
    one links its /cn/ version."""
    pairs = []
    for index, fixture in enumerate(ARTICLES):
        path = traditional_path(fixture.spec.path)
        alternates = {"zh-Hans": absolute(RFI_BASE, fixture.spec.path)} if index % 2 == 0 else {}
        spec = dataclasses.replace(fixture.spec, path=path, alternates=alternates)
        pairs.append((spec, {**fixture.expected, "section": section_of(path), "alternates": alternates}))
    return pairs


def assert_fixture_item(item, expected, url):
    assert item["url"] == url
    assert {field: item[field] for field in expected} == expected
    assert (item["id"], item["edition"], item["language"], item["source"]) == (
        article_id(url), "tw", "zh-Hant", "rfi")


def test_pages_with_and_without_a_link_to_the_other_script():
    pairs = tw_fixtures()
    assert {bool(expected["alternates"]) for _, expected in pairs} == {True, False}
    site = Site()
    built = build_site(site, [spec for spec, _ in pairs], edition=TW)
    run = Run(site, spider=RfiTwSpider).crawl()
    assert run.close() is None
    items = {path_of(item["url"]): item for item in run.items}
    assert sorted(items) == sorted(spec.path for spec, _ in pairs)
    for spec, expected in pairs:
        assert_fixture_item(items[spec.path], expected, built.articles[spec.path])


# -- every spider of the family ------------------------------------------------------------


def on_edition(spec, edition):
    """The spec's article moved to the edition's first section."""
    return dataclasses.replace(spec, path=f"/{edition.code}/{edition.sections[0]}/{spec.path.rsplit('/', 1)[1]}")


SPIDERS = get_spider_loader(Settings(PROJECT_SETTINGS))


def test_the_family_is_rfi_cn_and_rfi_tw():
    assert sorted(SPIDERS.list()) == ["rfi_cn", "rfi_tw"]
    assert [SPIDERS.load(name).edition for name in ("rfi_cn", "rfi_tw")] == [CN, TW]


@pytest.mark.parametrize("name", SPIDERS.list())
def test_every_spider_reads_its_editions_feeds_and_not_another_editions_links(name):
    spider = SPIDERS.load(name)
    edition = spider.edition
    other = TW if edition == CN else CN
    own = [on_edition(fixture.spec, edition) for fixture in ARTICLES[:3]]
    foreign = on_edition(ARTICLES[3].spec, other)
    site = Site()
    build_site(site, own, edition=edition)
    # The other edition's article is served, and listed in this edition's feed.
    site.add(foreign.path, render_article_page(foreign, base_url=site.base_url))
    listed = [(spec, absolute(site.base_url, spec.path)) for spec in [*own, foreign]]
    site.add(f"/{edition.code}/rss", render_rss(listed, SITE_NAME, base_url=site.base_url, edition=edition))

    run = Run(site, spider=spider).crawl()
    assert run.close() is None
    assert listings(run) == [f"/{edition.code}/rss", f"/sitemaps/{edition.code}/news.xml"]
    assert all(path_of(url).startswith((f"/{edition.code}/", f"/sitemaps/{edition.code}/")) for url in run.requested)
    assert run.stat("discovery/ignored_links") == 1
    assert item_paths(run.items) == sorted(spec.path for spec in own)
    assert {(item["edition"], item["language"]) for item in run.items} == {(edition.code, edition.language)}


# -- arguments -------------------------------------------------------------------------------


def refusal(**arguments):
    with pytest.raises(ArgumentError) as refused:
        Run(Site(), spider=RfiTwSpider, **arguments)
    return str(refused.value)


def test_an_unknown_section_is_refused_naming_tws_sections():
    assert refusal(sections="中国") == ("unknown section 中国; known sections: 中國, 法國, 港澳台, 亞洲, 美洲, 歐洲, 非洲, "
                                       "中東, 國際, 政治, 滾動新聞, 專欄檢索")


def test_feedx_and_its_saved_items_are_refused():
    assert refusal(source="feedx") == (
        "feedx publishes no feed of /tw/ (Traditional Chinese): -a source=feedx cannot be used on this edition")
    # Refused for what it is, before the files are looked for.
    assert refusal(archive="/no/such/folder") == (
        "feedx publishes no feed of /tw/ (Traditional Chinese): -a archive= cannot be used on this edition")


# -- end to end --------------------------------------------------------------------------------


def test_scrapy_crawl_rfi_tw(tmp_path):
    pairs = tw_fixtures()
    state = tmp_path / "state"
    with Mirror() as mirror:
        built = build_site(mirror, [spec for spec, _ in pairs], edition=TW)
        result = run_crawl(tmp_path, spider="rfi_tw", settings={"RFI_BASE_URL": mirror.base_url, "STATE_DIR": state})
        requested = mirror.requests
    assert result.returncode == 0, result.stderr[-2000:]
    assert all(path.startswith(("/tw/", "/sitemaps/tw/")) for path in requested if path != "/robots.txt")
    by_path = result.by_path()
    assert sorted(by_path) == sorted(spec.path for spec, _ in pairs)
    for spec, expected in pairs:
        assert_fixture_item(by_path[spec.path], expected, built.articles[spec.path])
        assert by_path[spec.path]["version"] == 1
    count = len(pairs)
    assert result.summary == (f"Summary: discovered {count}, fetched {count}, new {count}, updated 0, "
                              "skipped as unchanged 0, dropped 0 {}, failed 0 {}")
    assert sorted(path.name for path in state.iterdir() if path.suffix == ".sqlite3") == ["rfi_tw.sqlite3"]
    with sqlite3.connect(state / "rfi_tw.sqlite3") as db:
        kept = sorted(row[0] for row in db.execute("SELECT id FROM articles"))
    assert kept == sorted(item["id"] for item in result.items)


@pytest.mark.parametrize("site_name", TW.site_names)
def test_a_traditional_title_tag_loses_its_site_name(site_name):
    url = "https://www.rfi.fr/tw/中國/20240301-一篇文章"
    html = f"<html><head><title>法國總統訪問北京 - {site_name}</title></head><body></body></html>"
    page = RfiArticlePage(page_selector(HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8")), url)
    assert next(page.title()) == "法國總統訪問北京"
