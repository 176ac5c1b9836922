"""Property-based: whatever a page or a feedx item holds, extraction gives a valid Article or a Skip.

Inputs are real-looking pages and items (rendered from the fixtures, and the
hand-written feedx files) mutated at random: cut, spliced, sprinkled with
tags, entities, control characters and random text. Never an exception.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.articles import Skip, article_from_feedx, article_from_page
from crawler.extract.feedx_file import BadFeedxFile, read_feedx_file
from crawler.items import Article
from tests.conftest import VALIDATOR
from tests.fixtures.articles import ARTICLES
from tests.mirror.render import render_article_page

PAGES = [render_article_page(fixture.spec) for fixture in ARTICLES]
FEEDX_FILES = sorted((Path(__file__).parent / "fixtures" / "feedx").glob("*.md"))
FEEDX_ITEMS = [path.read_bytes() for path in FEEDX_FILES]
URL = "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240115-%E6%B5%8B%E8%AF%95"
SKIP_REASONS = {"not_an_article", "no_title", "no_date", "no_paragraphs", "no_link", "outside_edition"}

SNIPPETS = st.sampled_from([
    "<p>", "</p>", "<div>", "</div>", "<script>alert(1)</script>", "<style>p{}</style>", "&amp;", "&#x3c;",
    "&lt;b&gt;", "<!--", "-->", "<![CDATA[", "]]>", '<script type="application/ld+json">', "</script>",
    '{"@type": "NewsArticle", "datePublished": "2024-13-45T99:99"}', '{"keywords": 7, "author": [null]}',
    "<h1 class='t-content__title'>", "</h1>", "<time datetime='not a date'>", "\x00", "\ufeff", "\u200b",
    "中文段落。", " \n\t ", "<div class='t-content__body'>", "<p><strong>", "</strong></p>",
    "<div>15/08/2023 - 25:61</div>", "<div>31/02/2023 - 10:00</div>", "<img src='javascript:alert(1)'>",
    "<img srcset='https://s.rfi.fr/a.jpg 100w, , 9999999999999w'>", "<a href='data:text/html,x'>",
])


@st.composite
def mutated(draw, originals):
    text = draw(st.sampled_from(originals))
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "insert", "random", "truncate", "duplicate"]))
        if action == "cut":
            text = text[:position] + text[position + draw(st.integers(1, 2000)):]
        elif action == "insert":
            text = text[:position] + draw(SNIPPETS) + text[position:]
        elif action == "random":
            text = text[:position] + draw(st.text(max_size=40)) + text[position:]
        elif action == "truncate":
            text = text[:position]
        else:
            end = draw(st.integers(position, len(text)))
            text = text[:end] + text[position:end] + text[end:]
    return text


def check(result):
    if isinstance(result, Skip):
        assert result.reason in SKIP_REASONS
        return
    assert isinstance(result, Article)
    record = {**dict(result), "version": 1}
    errors = list(VALIDATOR.iter_errors(record))
    assert not errors, errors[0].message


COMMON = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "200")), deadline=None,
                  derandomize=not os.environ.get("HYPOTHESIS_EXAMPLES"), database=None,
                  suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(html=mutated(PAGES) | st.text(max_size=500))
def test_any_page_gives_an_article_or_a_skip(html):
    response = HtmlResponse(URL, body=html.encode("utf-8", "surrogatepass"), encoding="utf-8")
    check(article_from_page(response.selector, URL, "cn", "zh-Hans"))


@COMMON
@given(data=mutated([item.decode("utf-8", "replace") for item in FEEDX_ITEMS]),
       link=st.sampled_from([URL, "", "https://www.rfi.fr/fr/x/20240101-y", "javascript:alert(1)", "/cn/x"]) | st.text(max_size=30),
       title=st.text(max_size=60))
def test_any_feedx_item_gives_an_article_or_a_skip(data, link, title):
    html = data.split("------", 1)[-1]
    check(article_from_feedx(html, link, title, "archive", "cn", "zh-Hans", fetched_at=None))


@COMMON
@given(data=st.binary(max_size=300) | mutated([item.decode("utf-8", "replace") for item in FEEDX_ITEMS]).map(
    lambda text: text.encode("utf-8", "surrogatepass")))
def test_any_saved_file_reads_or_is_refused_with_a_reason(data):
    try:
        saved = read_feedx_file(data)
    except BadFeedxFile as error:
        assert error.reason in {"not_utf8", "bad_header"}
        return
    check(article_from_feedx(saved.html, saved.link, saved.title, "archive", "cn", "zh-Hans"))
