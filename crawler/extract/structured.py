"""Structured data of a page: JSON-LD blocks and meta tags.

RFI pages carry several JSON-LD blocks; they are parsed one by one, since the
blocks read as one text are not valid JSON.
"""

import json
import logging

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"})
# Main entities of the site's other pages: video, podcast and programme, live, gallery, index pages.
NON_ARTICLE_TYPES = frozenset({
    "VideoObject", "AudioObject", "PodcastEpisode", "PodcastSeries", "RadioEpisode", "RadioSeries",
    "LiveBlogPosting", "ImageGallery", "MediaGallery", "CollectionPage", "ItemList",
})


def news_articles(selector, url=""):
    """Every NewsArticle-like object of the page's JSON-LD blocks, in page order."""
    return [obj for obj, types in _typed_objects(selector, url) if ARTICLE_TYPES.intersection(types)]


def other_types(selector, url=""):
    """The non-article schema.org types the page's JSON-LD declares (VideoObject, …)."""
    return sorted({t for _, types in _typed_objects(selector, url) for t in types & NON_ARTICLE_TYPES})


def _typed_objects(selector, url):
    for block in selector.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(block)
        except ValueError as error:
            logger.debug("Unreadable JSON-LD block on %s: %s", url, error)
            continue
        yield from _objects(data)


def _objects(data):
    if isinstance(data, list):
        for entry in data:
            yield from _objects(entry)
    elif isinstance(data, dict):
        types = data.get("@type")
        types = types if isinstance(types, list) else [types]
        yield data, {t for t in types if isinstance(t, str)}
        if "@graph" in data:
            yield from _objects(data["@graph"])


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
