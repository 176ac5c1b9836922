"""The test mirror itself: if it serves or renders wrongly, every crawler test built on it misleads."""

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import lxml.etree
import parsel
import pytest

from tests.fixtures.articles import ARTICLES, BOILERPLATE_STRINGS, NON_ARTICLES, SPECS
from tests.mirror import render
from tests.mirror.corpus import classify, corpus_dir, corpus_spec, extract_paragraphs, load_corpus, problems
from tests.mirror.render import render_article_page, render_feedx_item, render_feedx_rss
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

FEEDX_FIXTURES = Path(__file__).parent / "fixtures" / "feedx"
SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seed"


def get(url, method="GET"):
    """(status, headers, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def raw_get(mirror, raw_path: bytes) -> bytes:
    """A request line with bytes that urllib would refuse (a decoded UTF-8 path)."""
    host, port = mirror.base_url.rsplit(":", 1)[0][7:], int(mirror.base_url.rsplit(":", 1)[1])
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET " + raw_path + b" HTTP/1.0\r\nHost: x\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- server

def test_server_paths_encoded_decoded_and_query():
    path = "/cn/中国/20240101-测试页面"
    with Mirror() as m:
        m.add(path, "<p>好</p>")
        assert get(m.url(path))[0] == 200
        assert get(m.url(path) + "?utm_source=x")[0] == 200
        assert raw_get(m, path.encode("utf-8")).startswith(b"HTTP/1.0 200")
        assert get(m.base_url + "/cn/nowhere")[0] == 404
        status, headers, body = get(m.url(path), method="HEAD")
        assert status == 200 and body == b"" and headers["Content-Length"] == str(len("<p>好</p>".encode()))
        assert m.hits(path) == 4 and m.requests[-1] == path and "/cn/nowhere" in m.requests
        m.remove(path)
        assert get(m.url(path))[0] == 404


def test_server_faults_then_normal_answer():
    with Mirror() as m:
        m.add("/a", "body-a" * 100)
        m.add_fault("/a", "status:503", times=2)
        assert [get(m.url("/a"))[0] for _ in range(3)] == [503, 503, 200]

        m.add_fault("/a", "status:429")
        status, headers, _ = get(m.url("/a"))
        assert status == 429 and headers["Retry-After"] == "1"

        m.add_fault("/a", "slow:0.3")
        start = time.monotonic()
        assert get(m.url("/a"))[0] == 200
        assert time.monotonic() - start >= 0.3

        m.add_fault("/a", "drop")
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            get(m.url("/a"))

        m.add_fault("/a", "truncate")
        with pytest.raises(http.client.IncompleteRead):
            get(m.url("/a"))
        assert get(m.url("/a"))[2] == b"body-a" * 100
        assert m.hits("/a") == 8

        with pytest.raises(ValueError):
            m.add_fault("/a", "status:999x")


# ---------------------------------------------------------------- rendered pages

def jsonld_article(sel):
    """The NewsArticle from the page's JSON-LD blocks, each parsed on its own."""
    for block in sel.css('script[type="application/ld+json"]::text').getall():
        data = json.loads(block)
        for entry in data if isinstance(data, list) else [data]:
            if entry.get("@type") == "NewsArticle":
                return entry
    return None


@pytest.mark.parametrize("fixture", ARTICLES, ids=lambda f: f.name)
def test_article_page_markup_matches_expected(fixture):
    spec, exp = fixture.spec, fixture.expected
    sel = parsel.Selector(text=render_article_page(spec))
    article = sel.css("div#main-content > div.t-content > article[data-article-content]")
    assert article, "container"
    assert sel.css("title::text").get() == f"{exp['title']} - RFI - 法国国际广播电台"
    assert article.css("h1.t-content__title.a-page-title::text").get() == exp["title"]
    assert article.css("div.t-content__section.a-tag > .a-tag__wrapper::text").get() == exp["section"]
    assert article.css("p.t-content__chapo::text").get() == exp["lede"]
    times = article.css("div.t-content__dates > p.m-pub-dates > span.m-pub-dates__date > time::attr(datetime)").getall()
    assert times == [exp["published"]] + ([exp["modified"]] if exp["modified"] else [])
    assert sel.css('meta[property="article:published_time"]::attr(content)').get() == exp["published"]
    assert sel.css('meta[property="article:modified_time"]::attr(content)').get() == exp["modified"]
    assert sel.css('meta[property="article:tag"]::attr(content)').getall() == exp["tags"]
    assert article.css("ul.m-tags-list > li > a::text").getall() == exp["tags"]
    assert article.css("div.m-from-author a.m-from-author__name::text").getall() == exp["authors"]

    ld = jsonld_article(sel)
    assert ld["headline"] == exp["title"] and ld["datePublished"] == exp["published"]
    assert ld.get("dateModified") == exp["modified"]
    assert [a["name"] for a in ld.get("author", [])] == exp["authors"]
    keywords = ld.get("keywords", [])
    assert (keywords if isinstance(keywords, list) else keywords.split(", ")) == exp["tags"]
    assert isinstance(keywords, list) == (spec.keywords_as == "list" or not spec.tags)
    assert len(sel.css('script[type="application/ld+json"]')) == (3 if spec.extra_jsonld_blocks else 1)

    media = article.css("div.t-content__main-media > figure.m-figure > picture > img.m-figure__img")
    if exp["image"]:
        assert media.attrib["src"].startswith("data:image/gif")
        srcset = [part.split()[0] for part in media.attrib["srcset"].split(", ")]
        assert srcset[-1] == exp["image"]["url"] and "/w:246/" in srcset[0]
        caption = article.css("div.t-content__main-media figcaption span::text").getall()
        assert caption == [exp["image"]["caption"], exp["image"]["credit"]]
    else:
        assert not media
        assert sel.css('meta[property="og:image"]::attr(content)').get() == render.DEFAULT_OG_IMAGE
    assert bool(article.css("video-player")) == spec.video_main_media

    body = article.css("div.t-content__body.u-clearfix")[0].root
    assert extract_paragraphs(body) == exp["paragraphs"]


@pytest.mark.parametrize("fixture", ARTICLES, ids=lambda f: f.name)
def test_page_furniture_is_present_with_text(fixture):
    """The traps are really on the page, so a clean item proves the crawler avoided them."""
    spec = fixture.spec
    sel = parsel.Selector(text=render_article_page(spec))
    body = sel.css("div.t-content__body")
    checks = {
        "share_bar": (".m-share-bar", render.SHARE_LABEL),
        "self_promo": ("div.o-self-promo.o-self-promo--nl p", render.NEWSLETTER_TEXT),
        "interstitial_ad": ("div.m-interstitial [data-tms-ad-type]", render.AD_LABEL_FR),
        "read_also": (".m-em-flash .a-read-more p", render.READ_ALSO_TITLE),
        "related_aside": ("aside.o-aside-content div.m-item-list-article[data-article-list] a[data-article-item-link] "
                          "p.article__title", render.ASIDE_TITLES[0]),
    }
    for flag, (css, text) in checks.items():
        found = sel.css(css)
        assert bool(found) == getattr(spec, flag), flag
        if getattr(spec, flag):
            assert text in "".join(found.xpath("string()").getall()) or text in found.get()
    if spec.interstitial_ad or spec.read_also:  # between paragraphs, not at an end
        blocks = body.xpath("./*")
        names = [b.attrib.get("class", "") for b in blocks]
        inside = [i for i, n in enumerate(names) if n in ("m-interstitial", "m-em-flash")]
        assert inside and all(0 < i < len(blocks) - 3 for i in inside)
    assert sel.css("footer p::text").get() == render.FOOTER_ABOUT
    hrefs = sel.css("header a::attr(href)").getall()
    assert any("/cn/作者/" in h for h in hrefs) and any("rfi.my" in h for h in hrefs)
    assert any("facebook.com" in h for h in hrefs) and any(h.startswith("https://www.france24.com") for h in hrefs)


def test_expected_fields_hold_no_boilerplate():
    for fixture in ARTICLES:
        exp = fixture.expected
        texts = [exp["title"], exp["lede"] or "", *exp["paragraphs"], *exp["authors"], *exp["tags"]]
        if exp["image"]:
            texts += [exp["image"]["caption"], exp["image"]["credit"]]
        for text in texts:
            assert not [b for b in BOILERPLATE_STRINGS if b in text], (fixture.name, text)


def test_fixtures_spread_over_months_sections_and_variants():
    months = {f.expected["published"][:7] for f in ARTICLES}
    assert {"2024-01", "2024-02", "2024-03"} <= months
    assert len({f.expected["section"] for f in ARTICLES}) >= 6
    for flag in ("extra_jsonld_blocks", "share_bar", "related_aside", "self_promo", "interstitial_ad", "read_also",
                 "video_main_media"):
        assert any(getattr(s, flag) for s in SPECS), flag
    assert {s.keywords_as for s in SPECS} == {"list", "string"}


def test_non_article_pages_have_no_article():
    for page in NON_ARTICLES:
        sel = parsel.Selector(text=page.html)
        assert not sel.css("article[data-article-content], h1.t-content__title, p.t-content__chapo")
        assert not [b for b in sel.css('script[type="application/ld+json"]::text').getall() if "NewsArticle" in b]


@pytest.mark.parametrize("fixture", ARTICLES, ids=lambda f: f.name)
def test_feedx_rendering_reads_back(fixture, tmp_path):
    """A feedx item made from a spec reads back (minute precision) through the independent reader."""
    spec, exp = fixture.spec, fixture.expected
    file = tmp_path / "item.md"
    file.write_text(render_feedx_item(spec, 1710000000000, footer=True), encoding="utf-8")
    item, reason = classify(file)
    assert reason is None
    assert (item.title, item.path, item.lede) == (exp["title"], spec.path, exp["lede"])
    assert item.published_utc == exp["published"][:17] + "00+00:00"
    assert item.image_url == (spec.image["url"] if spec.image else None)
    assert item.paragraphs == exp["paragraphs"]
    assert item.fetched_at_ms == 1710000000000


def test_feedx_rss_parses():
    pairs = [(s, render.absolute(render.RFI_BASE, s.path)) for s in SPECS]
    root = lxml.etree.fromstring(render_feedx_rss(pairs).encode("utf-8"))
    items = root.findall("./channel/item")
    assert len(items) == len(SPECS)
    assert items[0].findtext("description").startswith("<div>15/01/2024 - 07:42</div>")


# ---------------------------------------------------------------- site

def xml_locs(body: bytes) -> list:
    root = lxml.etree.fromstring(body)
    return [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_site_entry_points_lead_to_every_article():
    with Mirror() as m:
        site = build_site(m, SPECS)
        robots = get(site.robots)[2].decode()
        assert "Disallow: /cn/search/" in robots and f"Sitemap: {site.sitemap_index}" in robots

        rss = lxml.etree.fromstring(get(site.rss)[2])
        links = [e.text for e in rss.iter("link")][1:]
        assert links == [site.articles[s.path] for s in sorted(SPECS, key=lambda s: s.published, reverse=True)]
        assert all("%E" in link and link.startswith(m.base_url) for link in links)
        assert set(site.section_rss) == {s.section for s in SPECS}

        newest = max(s.published for s in SPECS)
        news = xml_locs(get(site.news_sitemap)[2])
        assert news == [site.articles[p] for p in site.news_paths]
        assert {p for p in site.news_paths} == {s.path for s in SPECS if newest - s.published <= timedelta(days=2)}
        assert len(news) == 2

        children = xml_locs(get(site.sitemap_index)[2])
        assert set(site.monthly_sitemaps) == {"202401", "202402", "202403"}
        assert set(children) == set(site.monthly_sitemaps.values()) | {site.tags_sitemap, site.shows_sitemap}
        from_months = [loc for url in site.monthly_sitemaps.values() for loc in xml_locs(get(url)[2])]
        assert sorted(from_months) == sorted(site.articles.values())
        assert "/cn/中东/20240201-红海航运持续受阻-多家船公司继续绕行好望角" in site.monthly_paths["202402"]

        for url in [*site.articles.values(), *site.section_pages.values(), *site.listing_pages.values(), site.home]:
            assert get(url)[0] == 200, url
        for url in [site.tags_sitemap, site.shows_sitemap]:
            assert all(get(loc)[0] == 200 for loc in xml_locs(get(url)[2]))

        section = parsel.Selector(text=get(site.section_pages["欧洲"])[2].decode())
        cards = section.css("div.m-item-list-article[data-article-list] > a[data-article-item-link]")
        assert [c.css("p.article__title::text").get() for c in cards] == [
            s.title for s in sorted(SPECS, key=lambda s: s.published, reverse=True) if s.section == "欧洲"]


def test_site_without_monthly_maps():
    with Mirror() as m:
        site = build_site(m, SPECS[:2], months=False)
        assert xml_locs(get(site.sitemap_index)[2]) == [site.tags_sitemap, site.shows_sitemap]
        assert get(m.base_url + "/sitemaps/cn/contents_202401.xml")[0] == 404


# ---------------------------------------------------------------- feedx fixtures and corpus

EXPECTED = json.loads((FEEDX_FIXTURES / "EXPECTED.json").read_text(encoding="utf-8"))["files"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_feedx_fixture_matches_expected(name):
    item, reason = classify(FEEDX_FIXTURES / name)
    want = EXPECTED[name]
    if "skip" in want:
        assert reason == want["skip"]
        return
    assert reason is None
    fields = want["fields"]
    got = {"link": item.link, "path": item.path, "title": item.title, "published": item.published_utc,
           "fetched_at_ms": item.fetched_at_ms, "image_url": item.image_url, "lede": item.lede,
           "paragraphs": item.paragraphs, "authors": item.authors, "section": item.path.split("/")[2]}
    assert got == {k: fields[k] for k in got}


def test_feedx_fixtures_are_all_described():
    files = {p.name for p in FEEDX_FIXTURES.iterdir() if p.suffix == ".md"}
    assert files == set(EXPECTED)


def corpus_or_skip() -> Path:
    folder = corpus_dir()
    if not folder.is_dir():
        if os.environ.get("RFI_CORPUS"):
            pytest.fail(f"RFI_CORPUS={os.environ['RFI_CORPUS']} is not a directory")
        pytest.skip(f"no feedx corpus at {folder} (set RFI_CORPUS)")
    return folder


def test_corpus_reads_cleanly():
    items = load_corpus(corpus_or_skip())
    assert items, "empty corpus"
    assert problems(items) == []
    assert all(i.published_utc.endswith("+00:00") and i.fetched_at_ms > 0 for i in items)
    if SEED.is_dir():
        seed = load_corpus(SEED)
        assert seed and problems(seed) == []


def test_corpus_items_render_to_pages_with_the_same_paragraphs():
    for item in load_corpus(corpus_or_skip()):
        sel = parsel.Selector(text=render_article_page(corpus_spec(item)))
        body = sel.css("div.t-content__body.u-clearfix")[0].root
        assert extract_paragraphs(body) == item.paragraphs, item.file
        assert sel.css("h1.t-content__title::text").get() == item.title
