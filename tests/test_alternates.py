"""`alternates`: which of a page's <link rel="alternate" hreflang> links pair it with the other script."""

import pytest
from scrapy.http import HtmlResponse

from crawler.articles import article_from_feedx, article_from_page
from crawler.loaders import other_scripts

PAGE = "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240402-%E8%AF%95%E7%82%B9"
TW = "https://www.rfi.fr/tw/%E4%B8%AD%E5%9C%8B/20240402-%E8%A9%A6%E9%BB%9E"
MIRROR_PAGE = "http://127.0.0.1:8123/cn/%E4%B8%AD%E5%9B%BD/20240402-%E8%AF%95%E7%82%B9"


@pytest.mark.parametrize(("links", "page", "language", "expected"), [
    pytest.param([], PAGE, "zh-Hans", {}, id="none"),
    pytest.param([("zh-Hans", PAGE)], PAGE, "zh-Hans", {}, id="only its own"),
    pytest.param([("zh-Hans", PAGE), ("zh-Hant", TW)], PAGE, "zh-Hans", {"zh-Hant": TW}, id="own language dropped"),
    pytest.param([("zh-Hans", PAGE), ("zh-Hant", TW)], TW, "zh-Hant", {"zh-Hans": PAGE}, id="from the tw side"),
    pytest.param([("fr", "https://www.rfi.fr/fr/chine/20240402-essai"), ("en", "https://www.rfi.fr/en/china/x"),
                  ("x-default", TW), ("zh-TW", TW)], PAGE, "zh-Hans", {}, id="other languages ignored"),
    pytest.param([("zh-Hant", "https://trad.cn.rfi.fr/x"), ("zh-Hant", "https://www.france24.com/zh/x"),
                  ("zh-Hant", "https://rfi.fr/tw/x")], PAGE, "zh-Hans", {"zh-Hant": "https://rfi.fr/tw/x"},
                 id="other sites dropped"),
    pytest.param([("zh-Hant", "/tw/中國/20240402-試點")], PAGE, "zh-Hans", {"zh-Hant": TW}, id="relative resolved"),
    pytest.param([("zh-Hant", "https://www.rfi.fr/tw/中國/20240402-試點")], PAGE, "zh-Hans", {"zh-Hant": TW},
                 id="decoded link percent-encoded"),
    pytest.param([("zh-Hant", "/tw/x"), ("zh-Hant", "http://127.0.0.1:9999/tw/x")], MIRROR_PAGE, "zh-Hans",
                 {"zh-Hant": "http://127.0.0.1:8123/tw/x"}, id="a mirror's own links kept, another port's not"),
    pytest.param([("zh-Hant", TW)], MIRROR_PAGE, "zh-Hans", {"zh-Hant": TW}, id="a mirror's link to rfi.fr kept"),
    pytest.param([(" ZH-hant ", TW)], PAGE, "zh-Hans", {"zh-Hant": TW}, id="hreflang in any case"),
    pytest.param([("zh-Hant", TW), ("zh-Hant", "https://www.rfi.fr/tw/y")], PAGE, "zh-Hans", {"zh-Hant": TW},
                 id="the first link per script"),
    pytest.param([("zh-Hant", ""), ("zh-Hant", "javascript:void(0)"), ("zh-Hant", "https://[broken"),
                  (None, TW), ("zh-Hant", None)], PAGE, "zh-Hans", {}, id="unusable links dropped"),
])
def test_other_scripts(links, page, language, expected):
    assert other_scripts(links, page, language) == expected


def extract(head):
    html = (f"<html><head>{head}</head><body><article data-article-content><h1 class='t-content__title'>试点</h1>"
            "<div class='t-content__dates'><time datetime='2024-04-02T08:00:00+00:00'></time></div>"
            "<div class='t-content__body'><p>正文。</p></div></article></body></html>")
    return article_from_page(HtmlResponse(PAGE, body=html.encode("utf-8")).selector, PAGE, "cn", "zh-Hans")


def test_a_page_gives_the_links_in_its_head():
    head = (f'<link rel="alternate" type="application/rss+xml" href="https://www.rfi.fr/cn/rss">'
            f'<link rel="alternate" hreflang="zh-Hans" href="{PAGE}">'
            f'<link rel="canonical" hreflang="zh-Hant" href="https://www.rfi.fr/tw/canonical">'
            f'<link rel="alternate" hreflang="zh-Hant" href="/tw/中國/20240402-試點">')
    assert extract(head)["alternates"] == {"zh-Hant": TW}


def test_a_page_without_links_gives_none():
    assert extract("")["alternates"] == {}


def test_a_feedx_item_gives_none():
    html = (f'<div>02/04/2024 - 10:00</div><p><strong>导语。</strong></p>'
            f'<div><p>正文。</p><link rel="alternate" hreflang="zh-Hant" href="{TW}"></div>')
    article = article_from_feedx(html, PAGE, "试点", "feedx", "cn", "zh-Hans")
    assert (article["title"], article["alternates"]) == ("试点", {})
