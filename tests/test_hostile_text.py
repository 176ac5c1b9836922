"""Hostile text: every field cleaned once, for its kind.

Scripts, styles and their kin never reach a field, from visible markup or from
HTML-source values (JSON-LD, RSS and saved titles); text that only shows markup
("&lt;script&gt;" in the page) is kept as the reader sees it, decoded once.
Every script, style, noscript and template below holds the word 隐藏, which must
come out nowhere.
"""

import json

import pytest
from scrapy.http import HtmlResponse

from crawler.articles import article_from_feedx, article_from_page
from crawler.extract.feedx_file import read_feedx_file
from crawler.items import Article

URL = "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240402-%E6%95%8C%E6%84%8F"
LINK = "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240115-%E6%95%8C%E6%84%8F"
HIDDEN = "隐藏"
SCRIPT = f"<script>alert('{HIDDEN}')</script>"
STYLE = f"<style>/*{HIDDEN}*/ p {{color: red}}</style>"
NOSCRIPT = f"<noscript>{HIDDEN}</noscript>"
TEMPLATE = f"<template><p>{HIDDEN}</p></template>"
DATES = "<div class='t-content__dates'><time datetime='2024-04-02T08:00:00+00:00'></time></div>"
BODY = "<div class='t-content__body'><p>第一段正文。</p></div>"


def from_page(article, head=""):
    html = f"<html><head>{head}</head><body><article data-article-content>{article}</article></body></html>"
    result = article_from_page(HtmlResponse(URL, body=html.encode("utf-8")).selector, URL, "cn", "zh-Hans")
    assert isinstance(result, Article), result
    return result


def jsonld(**fields):
    """A NewsArticle block, "</" written "<\\/" as pages do, so that the block's own </script> ends it."""
    data = {"@type": "NewsArticle", "datePublished": "2024-04-02T08:00:00+00:00", **fields}
    return '<script type="application/ld+json">' + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>"


def from_feedx(html, title, source="feedx"):
    result = article_from_feedx(html, LINK, title, source, "cn", "zh-Hans")
    assert isinstance(result, Article), result
    return result


def texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def assert_nothing_hidden(article):
    leaked = [text for text in texts(dict(article)) if HIDDEN in text or "color: red" in text]
    assert not leaked, leaked


def test_script_and_style_inside_the_h1_and_the_chapo_are_not_text():
    article = from_page(
        f"<h1 class='t-content__title'>正常标题{SCRIPT}{STYLE}</h1>{DATES}"
        f"<p class='t-content__chapo'>导语{SCRIPT}开头，{NOSCRIPT}{TEMPLATE}<em>到此{STYLE}为止</em>。</p>{BODY}")
    assert article["title"] == "正常标题"
    assert article["lede"] == "导语开头，到此为止。"
    assert_nothing_hidden(article)


def test_script_inside_captions_author_and_tag_links_is_not_text():
    figure = ("<div class='t-content__main-media'><figure class='m-figure'><picture>"
              "<img src='https://s.rfi.fr/media/display/u/w:1280/p:16x9/a.jpg'></picture>"
              f"<figcaption><span>图片{SCRIPT}说明</span><span>© 摄影{STYLE}师</span></figcaption></figure></div>")
    boxes = (f"<div class='m-from-author'><a class='m-from-author__name' href='/cn/作者/x/'>林{SCRIPT}晓雯</a></div>"
             f"<ul class='m-tags-list'><li><a href='/cn/关键词/外贸/'>外{TEMPLATE}贸</a></li></ul>")
    article = from_page(f"<h1 class='t-content__title'>标题</h1>{DATES}{figure}{BODY}{boxes}")
    assert (article["image"]["caption"], article["image"]["credit"]) == ("图片说明", "© 摄影师")
    assert (article["authors"], article["tags"]) == (["林晓雯"], ["外贸"])
    assert_nothing_hidden(article)


def test_markup_in_jsonld_strings_is_removed_with_the_content_of_scripts_and_styles():
    head = jsonld(headline=f"结构化<b>标题</b>{SCRIPT}{STYLE}<!-- {HIDDEN} -->",
                  author=[{"name": f"<span>周安娜</span>{SCRIPT}"}],
                  keywords=f"欧盟{SCRIPT}, <i>农业</i>")
    article = from_page(f"<h1 class='t-content__title'>可见标题</h1>{BODY}", head)
    assert (article["title"], article["authors"], article["tags"]) == ("结构化标题", ["周安娜"], ["欧盟", "农业"])
    assert_nothing_hidden(article)


@pytest.mark.parametrize("headline, title", [
    pytest.param(f"标题<script>未闭合的脚本直到结尾{HIDDEN}", "标题", id="unclosed script"),
    pytest.param(f"<!-- <script> -->注释之后{SCRIPT}", "注释之后", id="script tag inside a comment"),
    pytest.param(f"标题<!-- 未闭合的注释{HIDDEN}", "标题", id="unclosed comment"),
    pytest.param(f"<SCRIPT type='text/javascript'>{HIDDEN}</Script >大写的标签", "大写的标签", id="upper case"),
    pytest.param(f"《报告》与<系列报道>，a<b 且 c>d{SCRIPT}", "《报告》与<系列报道>，a<b 且 c>d", id="text like tags"),
    pytest.param("不是实体的&bogus;与AT&T", "不是实体的&bogus;与AT&T", id="text like entities"),
])
def test_only_real_markup_leaves_a_jsonld_headline(headline, title):
    assert from_page(BODY, jsonld(headline=headline))["title"] == title


def test_text_showing_a_script_tag_keeps_it():
    article = from_page(
        f"<h1 class='t-content__title'>网页里的&lt;script&gt;标签</h1>{DATES}"
        "<p class='t-content__chapo'>导语解释&lt;script&gt;是什么。</p>"
        "<div class='t-content__body'><p>代码&lt;script&gt;alert(1)&lt;/script&gt;会被执行。</p></div>")
    assert article["title"] == "网页里的<script>标签"
    assert article["lede"] == "导语解释<script>是什么。"
    assert article["paragraphs"] == ["代码<script>alert(1)</script>会被执行。"]


def test_an_escaped_script_tag_in_a_jsonld_headline_is_text():
    article = from_page(f"<h1 class='t-content__title'>可见标题</h1>{BODY}",
                        jsonld(headline="网页里的&lt;script&gt;标签"))
    assert article["title"] == "网页里的<script>标签"


def test_entities_are_decoded_once():
    body = "<div class='t-content__body'><p>写作&amp;amp;的实体。</p></div>"
    tags = "<ul class='m-tags-list'><li><a href='/cn/关键词/x/'>甲&amp;amp;乙</a></li></ul>"
    article = from_page(f"<h1 class='t-content__title'>标题&amp;amp;实体</h1>{DATES}"
                        f"<p class='t-content__chapo'>导语&amp;amp;实体</p>{body}{tags}")
    assert (article["title"], article["lede"]) == ("标题&amp;实体", "导语&amp;实体")
    assert (article["paragraphs"], article["tags"]) == (["写作&amp;的实体。"], ["甲&amp;乙"])
    in_jsonld = from_page(f"{DATES}{BODY}", jsonld(headline="结构化&amp;amp;标题", author=["丙&amp;amp;丁"]))
    assert (in_jsonld["title"], in_jsonld["authors"]) == ("结构化&amp;标题", ["丙&amp;丁"])


FEEDX_DATE = "<div>15/01/2024 - 07:42</div>"
FEEDX_ITEM = FEEDX_DATE + (
    "<img src='https://s.rfi.fr/media/display/u/w:1280/p:16x9/a.jpg'>"
    f"<p><strong>订阅导语{SCRIPT}继续{STYLE}   </strong></p>"
    f"<div><p>第一段&lt;script&gt;正文。</p><p>第二段{SCRIPT}正文。</p>"
    f"<div><span>作者：</span><a href='/cn/作者/x/'>马克{SCRIPT}·杜邦</a></div>"
    "<div data-selfpromo-newsletter></div><div data-selfpromo-app></div></div>"
)


def test_a_feedx_item_from_rss_cleans_its_lede_authors_and_escaped_title():
    article = from_feedx(FEEDX_ITEM, f"法国&quot;电池厂&quot;&amp;amp;&lt;script&gt;项目{SCRIPT}")
    assert article["title"] == '法国"电池厂"&amp;<script>项目'
    assert article["lede"] == "订阅导语继续"
    assert article["paragraphs"] == ["第一段<script>正文。", "第二段正文。"]
    assert article["authors"] == ["马克·杜邦"]
    assert_nothing_hidden(article)


def test_a_script_in_the_feedx_date_does_not_hide_the_date():
    article = from_feedx(FEEDX_ITEM.replace(FEEDX_DATE, f"<div>15/01/2024 - {SCRIPT}07:42</div>"), "标题")
    assert article["published"] == "2024-01-15T06:42:00+00:00"


def test_a_saved_feedx_title_is_decoded_once():
    saved = read_feedx_file(
        f"<!--1705301100000-->\n[标题里的&lt;script&gt;与&amp;amp;&quot;引号&quot;]({LINK})\n------\n\n{FEEDX_ITEM}\n"
        .encode("utf-8"))
    article = from_feedx(saved.html, saved.title, source="archive")
    assert article["title"] == '标题里的<script>与&amp;"引号"'
    assert_nothing_hidden(article)
