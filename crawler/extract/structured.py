"""Structured data of a page: JSON-LD blocks and meta tags.

RFI pages carry several JSON-LD blocks; they are parsed one by one, since the
blocks read as one text are not valid JSON.
"""

import json
import logging

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"})


def news_articles(selector, url=""):
    """Every NewsArticle-like object of the page's JSON-LD blocks, in page order."""
    found = []
    for block in selector.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(block)
        except ValueError as error:
            logger.debug("Unreadable JSON-LD block on %s: %s", url, error)
            continue
        found.extend(_article_objects(data))
    return found


def _article_objects(data):
    if isinstance(data, list):
        for entry in data:
            yield from _article_objects(entry)
    elif isinstance(data, dict):
        types = data.get("@type")
        types = types if isinstance(types, list) else [types]
        if ARTICLE_TYPES.intersection(t for t in types if isinstance(t, str)):
            yield data
        if "@graph" in data:
            yield from _article_objects(data["@graph"])


def values(objects, key):
    """The values of `key` in each object, flattening lists."""
    for obj in objects:
        value = obj.get(key)
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value


def names(entries):
    """Names out of schema.org Person/Thing entries or plain strings."""
    for entry in entries:
        if isinstance(entry, dict):
            entry = entry.get("name")
        if isinstance(entry, str):
            yield entry


def keywords(entries):
    """`keywords` is a list on some pages and a comma-separated string on others."""
    for entry in entries:
        if isinstance(entry, str):
            yield from entry.split(",")


def meta(selector, name):
    """Content of <meta property=name> or <meta name=name>, all occurrences."""
    return selector.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content').getall()
