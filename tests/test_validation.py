"""The validation pipeline: its compiled check in front of spidermon refuses exactly what the schema refuses."""

import copy
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.pipelines import ValidateArticles
from crawler.spiders.rfi_cn import RfiCnSpider
from tests.conftest import SCHEMA, VALIDATOR
from tests.fixtures.articles import ARTICLES


def complete(expected, url):
    return {"id": "rfi-cn-0123456789abcdef0123", "url": url, "edition": "cn", "language": "zh-Hans",
            "lede": None, "modified": None, "image": None, "authors": [], "tags": [], "alternates": {}, "version": 1,
            "source": "rfi", "fetched_at": None, "crawled_at": "2026-11-26T10:00:00+00:00", "via": None,
            **expected}


BASE = complete(ARTICLES[0].expected, "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240115-x")


def mutated(change):
    item = copy.deepcopy(BASE)
    change(item)
    return item


def setter(field, value):
    return lambda item: item.__setitem__(field, value)


def image_setter(field, value):
    return lambda item: item["image"].__setitem__(field, value)


MUTATIONS = {
    "as extracted": lambda item: None,
    **{f"without {field}": (lambda field: lambda item: item.pop(field))(field) for field in BASE},
    "extra field": setter("summary", "多出来的字段"),
    "lede null": setter("lede", None),
    "lede empty": setter("lede", ""),
    "lede showing an entity": setter("lede", "中欧&amp;贸易"),
    "lede only whitespace": setter("lede", " \u3000"),
    "lede a number": setter("lede", 5),
    "title showing a tag": setter("title", "<script>海关数据</script>"),
    "title padded": setter("title", " 海关数据"),
    "title ending in a line break": setter("title", "海关数据\n"),
    "title ending in an ideographic space": setter("title", "海关数据\u3000"),
    "title with a line break inside": setter("title", "海关\n数据"),
    "title like markup but text": setter("title", "《报告》与<系列报道>"),
    "paragraph showing a comment": lambda item: item["paragraphs"].append("文字<!-- 注释 -->"),
    "paragraph showing a numeric entity": lambda item: item["paragraphs"].append("文字&#160;文字"),
    "paragraph empty": lambda item: item["paragraphs"].append(""),
    "paragraph padded": lambda item: item["paragraphs"].append("\xa0文字"),
    "paragraph not text": lambda item: item["paragraphs"].append(None),
    "no paragraphs": setter("paragraphs", []),
    "paragraphs a string": setter("paragraphs", "一段"),
    "published without offset": setter("published", "2024-01-15T06:42:10"),
    "published in Paris time": setter("published", "2024-01-15T07:42:10+01:00"),
    "published with fraction": setter("published", "2024-01-15T06:42:10.5+00:00"),
    "modified null": setter("modified", None),
    "modified a date only": setter("modified", "2024-01-15"),
    "fetched_at set": setter("fetched_at", "2024-01-15T08:00:00+00:00"),
    "fetched_at wrong": setter("fetched_at", "yesterday"),
    "image null": setter("image", None),
    "image a string": setter("image", "https://s.rfi.fr/a.jpg"),
    "image without credit": lambda item: item["image"].pop("credit"),
    "image caption null": image_setter("caption", None),
    "image caption showing a tag": image_setter("caption", "<i>说明</i>"),
    "image caption only whitespace": image_setter("caption", "\n"),
    "image url not http": image_setter("url", "ftp://s.rfi.fr/a.jpg"),
    "image extra key": image_setter("width", 1280),
    "no alternates": setter("alternates", {}),
    "alternates in French": setter("alternates", {"fr": "https://www.rfi.fr/fr/chine/20240115-x"}),
    "alternate url with a space": lambda item: item["alternates"].__setitem__("zh-Hant", "https://www.rfi.fr/tw/a b"),
    "alternates a list": setter("alternates", [ARTICLES[0].expected["alternates"]["zh-Hant"]]),
    "duplicate tags": setter("tags", ["外贸", "外贸"]),
    "tag showing a tag": setter("tags", ["<span>外贸</span>"]),
    "tag padded": setter("tags", ["外贸 "]),
    "author empty": setter("authors", [""]),
    "version 0": setter("version", 0),
    "version text": setter("version", "1"),
    "unknown source": setter("source", "weibo"),
    "other edition": setter("edition", "fr"),
    "the Traditional edition": lambda item: item.update(edition="tw", language="zh-Hant", id="rfi-tw-0123456789abcdef0123"),
    "tw in Simplified": setter("edition", "tw"),
    "cn in Traditional": setter("language", "zh-Hant"),
    "bad id": setter("id", "rfi-cn-XYZ"),
    "url with a space": setter("url", "https://www.rfi.fr/cn/a b"),
}


def new_pipeline():
    crawler = get_crawler(RfiCnSpider, settings_dict=dict(
        SPIDERMON_VALIDATION_SCHEMAS=[SCHEMA], SPIDERMON_ENABLED=True))
    crawler.stats.open_spider()
    return crawler, ValidateArticles.from_crawler(crawler)


@pytest.fixture()
def pipeline():
    return new_pipeline()


@pytest.mark.parametrize("name", MUTATIONS)
def test_the_pipeline_refuses_what_the_schema_refuses(pipeline, name):
    crawler, validate = pipeline
    item = mutated(MUTATIONS[name])
    schema_errors = list(VALIDATOR.iter_errors(item))
    validate.process_item(Article(item) if set(item) <= set(Article.fields) else item)
    stats = crawler.stats.get_stats()
    assert stats["spidermon/validation/items"] == 1
    assert stats.get("spidermon/validation/items/errors", 0) == (1 if schema_errors else 0), name


def test_the_schema_accepts_only_the_valid_mutations():
    valid = {name for name, change in MUTATIONS.items() if not list(VALIDATOR.iter_errors(mutated(change)))}
    # Text showing markup or entities is valid: the extractor decoded the page once, what is left is article text.
    assert valid == {"as extracted", "lede null", "lede showing an entity", "title showing a tag",
                     "title with a line break inside", "title like markup but text", "paragraph showing a comment",
                     "paragraph showing a numeric entity", "published with fraction", "modified null",
                     "fetched_at set", "image null", "image caption null", "image caption showing a tag",
                     "no alternates", "tag showing a tag", "the Traditional edition"}


def test_compiling_leaves_the_configured_schema_as_it_was():
    before = copy.deepcopy(SCHEMA)
    new_pipeline()
    assert SCHEMA == before


EDITS = st.sampled_from(["\n", " ", "\t", "\u3000", "\xa0", "\x00", "<", '"', "a", "0", "Z", "+", ":", "中"])
TEXT_FIELDS = sorted(field for field, value in BASE.items() if isinstance(value, str))


@pytest.fixture(scope="module")
def shared_pipeline():
    return new_pipeline()


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")), deadline=None,
          derandomize=not os.environ.get("HYPOTHESIS_EXAMPLES"), database=None)
@given(field=st.sampled_from(TEXT_FIELDS), position=st.sampled_from([0, -1]) | st.integers(0, 1000), edit=EDITS)
def test_a_value_edited_anywhere_is_refused_exactly_when_the_schema_refuses_it(shared_pipeline, field, position,
                                                                               edit):
    """The compiled check's patterns are stricter at a string's end than jsonschema's "$" (it allows a last
    "\\n"): what the compiled check refuses goes on to spidermon, which alone decides."""
    crawler, validate = shared_pipeline
    value = BASE[field]
    position = len(value) if position == -1 else position % (len(value) + 1)
    item = {**BASE, field: value[:position] + edit + value[position:]}
    errors_before = crawler.stats.get_value("spidermon/validation/items/errors", 0)
    validate.process_item(Article(item))
    refused = crawler.stats.get_value("spidermon/validation/items/errors", 0) > errors_before
    assert refused == (not VALIDATOR.is_valid(item))
