"""Pages nested thousands of elements deep: extraction does not recurse per level, nor slow down with the depth.

libxml2's HTML parser (as lxml and parsel run it) keeps about 2,048 levels and drops the rest of the
page: such a page is skipped, never emitted without its end. All sentences are invented for the tests.
"""

import json

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from crawler.articles import Skip, article_from_feedx, article_from_page, article_from_response
from crawler.extract.body import body_blocks
from crawler.extract.feedx_file import read_feedx_file

URL = ("https://www.rfi.fr/cn/%E6%B3%95%E5%9B%BD/20240611-%E5%B7%B4%E9%BB%8E%E5%A1%9E%E7%BA%B3%E6%B2%B3"
       "%E6%B0%B4%E8%B4%A8%E6%A3%80%E6%B5%8B%E5%86%8D%E6%AC%A1%E6%9C%AA%E8%BE%BE%E6%A0%87")
TITLE = "巴黎塞纳河水质检测再次未达标"
LEDE = "距离奥运会开幕不到两个月，塞纳河的水质仍让组织者忧心。"
BEFORE = "塞纳河水质检测结果周二公布，多个采样点的数据仍高于游泳比赛的标准。"
DEEP = "市政府表示，新建的雨水蓄水池将在夏季暴雨期间发挥关键作用。"
AFTER = "组委会强调，如有必要，部分赛事可以推迟一到两天举行。"
PUBLISHED = "2024-06-11T09:30:00+00:00"


def nested(tag, depth, inner):
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


def paragraph_in_divs(depth):
    return nested("div", depth, f"<p>{DEEP}</p>")


def paragraph_of_spans(depth):
    return f"<p>{nested('span', depth, DEEP)}</p>"


def rfi_page(body, head=""):
    """An rfi.fr article page: title, dates, lede, and `body` between two ordinary paragraphs."""
    return (
        f"<html lang='zh-Hans'><head><title>{TITLE} - RFI - 法国国际广播电台</title>{head}</head><body>"
        "<div id='main-content'><div class='t-content'><article data-article-content>"
        f"<h1 class='t-content__title a-page-title'>{TITLE}</h1>"
        "<div class='t-content__dates'><p class='m-pub-dates'><span class='m-pub-dates__date'>"
        f"<time datetime='{PUBLISHED}' pubdate='pubdate'></time></span></p></div>"
        f"<p class='t-content__chapo'>{LEDE}</p>"
        f"<div class='t-content__body u-clearfix'><p>{BEFORE}</p>{body}<p>{AFTER}</p></div>"
        "</article></div></div></body></html>"
    )


def selector_of(html):
    return HtmlResponse(URL, body=html.encode("utf-8")).selector


def extract(selector):
    return article_from_page(selector, URL, "cn", "zh-Hans")


@pytest.mark.parametrize("depth", [1_000, 2_000])
def test_a_paragraph_deep_in_divs_comes_out_between_its_neighbours(depth):
    article = extract(selector_of(rfi_page(paragraph_in_divs(depth))))
    assert article["paragraphs"] == [BEFORE, DEEP, AFTER]
    assert (article["title"], article["lede"], article["published"]) == (TITLE, LEDE, PUBLISHED)


def test_inline_elements_2000_deep_are_one_paragraph():
    article = extract(selector_of(rfi_page(paragraph_of_spans(2_000))))
    assert article["paragraphs"] == [BEFORE, DEEP, AFTER]


@pytest.mark.parametrize("body", [paragraph_in_divs(5_000), paragraph_in_divs(10_000), paragraph_of_spans(5_000)],
                         ids=["5000 divs", "10000 divs", "5000 spans"])
def test_a_page_deeper_than_the_parser_keeps_is_skipped_not_emitted_cut_short(body):
    result = article_from_response(HtmlResponse(URL, body=rfi_page(body).encode("utf-8")), "cn", "zh-Hans")
    assert isinstance(result, Skip) and result.reason == "cut_short_by_the_parser"
    assert "Excessive depth in document" in result.detail


def feedx_file(body):
    """A saved feedx item: RFI's body markup without classes, ending in the two empty promo slots."""
    return (
        f"<!--1718098200000-->\n[{TITLE}]({URL})\n------\n\n"
        "<div>11/06/2024 - 11:30</div>"
        "<img src='https://s.rfi.fr/media/display/5d1f0a3e-27c4-11ef-8d6a-005056a97e36/w:1280/p:16x9/seine.jpg'>"
        f"<p><strong>{LEDE}    </strong></p>"
        f"<div><p>{BEFORE}</p>{body}<p>{AFTER}</p><div data-selfpromo-newsletter></div><div data-selfpromo-app></div>"
        "</div>\n"
    ).encode("utf-8")


@pytest.mark.parametrize("body", [paragraph_in_divs(1_000), paragraph_in_divs(2_000), paragraph_of_spans(2_000)],
                         ids=["1000 divs", "2000 divs", "2000 spans"])
def test_a_saved_feedx_item_with_a_deep_body(body):
    saved = read_feedx_file(feedx_file(body))
    article = article_from_feedx(saved.html, saved.link, saved.title, "archive", "cn", "zh-Hans")
    assert article["paragraphs"] == [BEFORE, DEEP, AFTER]
    assert (article["title"], article["lede"], article["published"]) == (TITLE, LEDE, PUBLISHED)


def test_a_jsonld_block_5000_arrays_deep_is_skipped_and_the_others_read():
    readable = json.dumps([{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "苏菲·马丁"}],
                            "keywords": "巴黎奥运,塞纳河"}], ensure_ascii=False)
    head = (f"<script type='application/ld+json'>{'[' * 5_000 + ']' * 5_000}</script>"
            f"<script type='application/ld+json'>{readable}</script>")
    article = extract(selector_of(rfi_page("", head)))
    assert (article["title"], article["published"], article["paragraphs"]) == (TITLE, PUBLISHED, [BEFORE, AFTER])
    assert (article["authors"], article["tags"]) == (["苏菲·马丁"], ["巴黎奥运", "塞纳河"])


def test_a_deep_nest_around_many_links_is_one_block():
    links = "".join(f"<a href='/cn/法国/2024061{i % 10}-报道'>第{i}条</a>" for i in range(5_000))
    article = extract(selector_of(rfi_page(nested("div", 2_000, links))))
    assert article["paragraphs"] == [BEFORE, "".join(f"第{i}条" for i in range(5_000)), AFTER]


def built_body(depth, tag, leaf):
    """A body built with lxml, which nests as deep as asked: `depth` `tag`s around `leaf`, between two
    paragraphs."""
    body = etree.fromstring(f"<div><p>{BEFORE}</p></div>")
    node = body
    for _ in range(depth):
        node = etree.SubElement(node, tag)
    node.append(etree.fromstring(leaf))
    etree.SubElement(body, "p").text = AFTER
    return body


SHARE_BAR = "<div><span>分享 :</span><a href='https://rfi.my/8Qx2.F'>Facebook</a></div>"


@pytest.mark.parametrize("tag, leaf", [
    ("div", f"<p>{DEEP}</p>"),
    ("span", f"<span>{DEEP}</span>"),
    ("div", f"<span>{DEEP}</span>"),
    ("div", f"<div>{SHARE_BAR}<p>{DEEP}</p></div>"),
], ids=["divs around a paragraph", "inline elements", "divs around bare text", "divs around a share bar"])
def test_any_depth_the_tree_holds(tag, leaf):
    assert body_blocks([built_body(10_000, tag, leaf)]) == [BEFORE, DEEP, AFTER]


def test_a_feedx_item_deeper_than_the_parser_keeps_is_skipped():
    saved = read_feedx_file(feedx_file(paragraph_in_divs(5_000)))
    result = article_from_feedx(saved.html, saved.link, saved.title, "archive", "cn", "zh-Hans")
    assert isinstance(result, Skip) and result.reason == "cut_short_by_the_parser"


def test_a_headline_that_is_not_a_string_is_no_title():
    nested_headline = json.dumps([{"@type": "NewsArticle", "headline": [[["假标题"]]]}], ensure_ascii=False)
    article = extract(selector_of(rfi_page("", f"<script type='application/ld+json'>{nested_headline}</script>")))
    assert article["title"] == TITLE
