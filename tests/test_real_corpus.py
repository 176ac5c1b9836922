"""The real feedx corpus, read three ways: saved items, the same items as rfi.fr pages, and feedx's RSS.

The expected fields come from tests/mirror/corpus.py, which reads the files on
its own, without the project's code. Mandatory when RFI_CORPUS is set. The spider
runs in-process (tests/inprocess.py): each way is crawled end to end on the
hand-written fixtures (tests/test_feedx_sources.py, tests/test_crawl_site.py).
"""

import re
from datetime import datetime, timezone

from xml.sax.saxutils import escape

from crawler.urls import article_id
from tests.conftest import corpus_path, seed_path
from tests.fixtures.articles import BOILERPLATE_STRINGS
from tests.inprocess import Run, Site
from tests.mirror.corpus import corpus_spec, load_corpus
from tests.mirror.site import build_site

# What feedx and rfi.fr put around an article; none of it is article text.
FEEDX_BOILERPLATE = ("分享 :", "获取更多RSS", "feedx.net", "feedx.best", "rfi.my", "facebook.com", "whatsapp",
                     "twitter.com", "x.com/intent", "Array", "继续浏览后续", "举报广告")
MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


# Short labels ("广告", "分享") are also ordinary words: a block must not be one, but may contain one.
PAGE_LABELS = {s for s in BOILERPLATE_STRINGS if len(s) < 6}
PAGE_BOILERPLATE = tuple(s for s in BOILERPLATE_STRINGS if len(s) >= 6)


def assert_clean(item):
    for text in [item["title"], item["lede"] or "", *item["paragraphs"]]:
        assert text not in PAGE_LABELS, f"{item['url']}: a page label as text: {text!r}"
        leaked = [s for s in FEEDX_BOILERPLATE + PAGE_BOILERPLATE if s in text]
        assert not leaked, f"{item['url']}: {leaked} in {text!r}"
        assert not MARKUP.search(text), f"{item['url']}: markup in {text!r}"


def assert_matches(item, expected):
    assert item["title"] == expected.title, expected.file
    assert item["published"] == expected.published_utc, expected.file
    assert item["lede"] == expected.lede, expected.file
    assert item["paragraphs"] == expected.paragraphs, expected.file
    assert (item["image"] or {}).get("url") == expected.image_url, expected.file
    assert item["id"] == article_id(expected.link), expected.file
    assert_clean(item)


def by_id(items):
    return {item["id"]: item for item in items}


def test_every_saved_item_becomes_its_article(corpus):
    run = Run(archive=str(corpus_path())).crawl()
    assert run.close() is None
    assert len(run.items) == len(corpus)
    items = by_id(run.items)
    for expected in corpus:
        item = items[article_id(expected.link)]
        assert_matches(item, expected)
        assert item["source"] == "archive"
        fetched = datetime.fromtimestamp(expected.fetched_at_ms / 1000, tz=timezone.utc)
        assert item["fetched_at"] == fetched.isoformat()


def test_the_seed_item():
    seed = load_corpus(seed_path())
    run = Run(archive=f"{seed_path()}/*.txt").crawl()
    assert run.close() is None
    assert [item["id"] for item in run.items] == [article_id(item.link) for item in seed]
    assert_matches(run.items[0], seed[0])
    assert run.items[0]["published"] == "2023-08-15T21:21:00+00:00"


def test_every_item_as_an_rfi_page_gives_the_same_article(corpus):
    site = Site()
    build_site(site, [corpus_spec(item) for item in corpus])
    run = Run(site).crawl()
    assert run.close() is None
    assert len(run.items) == len(corpus)
    items = by_id(run.items)
    for expected in corpus:
        item = items[article_id(expected.link)]
        assert_matches(item, expected)
        assert item["source"] == "rfi"


def feedx_rss(items):
    """feedx's RSS carrying each saved item's own HTML, as feedx served it."""
    entries = []
    for item in items:
        saved = (corpus_path() / item.file).read_text(encoding="utf-8")
        item_html = saved.split("\n------\n", 1)[1].strip().replace("]]>", "]]]]><![CDATA[>")
        entries.append(f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
                       f"<description><![CDATA[{item_html}]]></description></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>RFI</title>'
            + "".join(entries) + "</channel></rss>")


def test_feedx_rss_gives_the_same_articles(corpus):
    site = Site()
    site.add("/rss/rfi.xml", feedx_rss(corpus), content_type="application/rss+xml; charset=utf-8")
    run = Run(site, settings={"FEEDX_URL": site.url("/rss/rfi.xml")}, source="feedx").crawl()
    assert run.close() is None
    items = by_id(run.items)
    assert len(items) == len(corpus)
    for expected in corpus:
        item = items[article_id(expected.link)]
        assert_matches(item, expected)
        assert item["source"] == "feedx"
