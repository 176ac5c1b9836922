"""Saved rfi.fr article pages and the Article each must give: one test per page and field.

tests/fixtures/pages/<variant>.html is a whole page in RFI's markup, with invented sentences;
<variant>.json is the Article it must give, written by hand from the HTML. Each page goes through
crawler.articles.article_from_response as a downloaded response does, so a selector that breaks
fails the tests named after its field: test_field[<variant>-lede].
"""

import json
from pathlib import Path

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from crawler.articles import Skip, article_from_response
from crawler.extract import rfi_layouts
from crawler.extract.rfi_layouts import RfiLayout2020
from crawler.extract.text import compiled_css
from crawler.items import Article

PAGES = Path(__file__).parent / "fixtures" / "pages"
VARIANTS = sorted(path.stem for path in PAGES.glob("*.html"))
# Set after extraction: crawled_at by the run, version by the pipelines.
NOT_FROM_THE_PAGE = {"crawled_at", "version"}
FIELDS = sorted(set(Article.fields) - NOT_FROM_THE_PAGE)


def expected(variant):
    return json.loads((PAGES / f"{variant}.json").read_text(encoding="utf-8"))


def extract(variant, html=None):
    url = expected(variant)["url"]
    body = html.encode("utf-8") if html is not None else (PAGES / f"{variant}.html").read_bytes()
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    return article_from_response(response, "cn", "zh-Hans")


@pytest.fixture(scope="module")
def results():
    return {variant: extract(variant) for variant in VARIANTS}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_page_is_an_article(results, variant):
    assert not isinstance(results[variant], Skip), results[variant]


@pytest.mark.parametrize("variant, field", [(variant, field) for variant in VARIANTS for field in FIELDS])
def test_field(results, variant, field):
    result = results[variant]
    article = result.article if isinstance(result, Skip) else result  # what a skipped page had, field by field
    assert article[field] == expected(variant)[field]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_expected_file_gives_every_field_the_page_yields(variant):
    assert sorted(expected(variant)) == FIELDS


def test_the_pages_cover_the_variants_that_empty_or_pollute_fields():
    assert {"plain_jsonld", "no_jsonld", "column", "no_lede", "image_srcset", "video_main_media", "body_furniture",
            "modified_date"} <= set(VARIANTS)


class Relaunch(RfiLayout2020):
    """A redesign invented for the test: a marker of its own and a renamed lede."""

    markers = compiled_css("main.l-relaunch")
    lede = compiled_css("p.article__standfirst")


@pytest.fixture
def with_a_relaunch(monkeypatch):
    monkeypatch.setattr(rfi_layouts, "LAYOUTS", (Relaunch, RfiLayout2020))


def layout_of(html):
    return rfi_layouts.layout_of(lxml.html.document_fromstring(html))


PLAIN = (PAGES / "plain_jsonld.html").read_text(encoding="utf-8")
RELAUNCHED = PLAIN.replace("<main>", '<main class="l-relaunch">').replace("t-content__chapo", "article__standfirst")


def test_a_page_is_read_with_the_layout_whose_markers_it_shows(with_a_relaunch):
    assert layout_of(PLAIN) is RfiLayout2020
    assert layout_of(RELAUNCHED) is Relaunch
    assert extract("plain_jsonld", RELAUNCHED)["lede"] == expected("plain_jsonld")["lede"]


def test_a_page_that_shows_no_markers_is_read_with_the_newest_layout(with_a_relaunch):
    unmarked = RELAUNCHED.replace(' class="l-relaunch"', "").replace(" data-article-content", "")
    assert layout_of(unmarked) is Relaunch
