"""Structured data of a page: JSON-LD blocks and meta tags.

RFI pages carry several JSON-LD blocks; they are parsed one by one, since the
blocks read as one text are not valid JSON. Their strings sit raw inside a
<script>, as HTML source: the text functions below clean them as such. Meta
contents are attribute values, DOM text.
"""

import json
import logging

from lxml import etree

from crawler.extract.text import compiled_css, normalize_space, text_from_html
from crawler.urls import NotAnArticleURL, decoded_path

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"})
# Main entities of the site's other pages: video, podcast and programme, live, gallery, index pages.
NON_ARTICLE_TYPES = frozenset({
    "VideoObject", "AudioObject", "PodcastEpisode", "PodcastSeries", "RadioEpisode", "RadioSeries",
    "LiveBlogPosting", "ImageGallery", "MediaGallery", "CollectionPage", "ItemList",
})


def read_jsonld(selector, url=""):
    """(articles, other types) of the page's JSON-LD, read once.

    articles: every NewsArticle-like object, the one about this page first (a page may describe
    related articles too), then the others in page order. other types: the non-article
    schema.org types declared (VideoObject, …), sorted.
    """
    articles, others = [], set()
    for obj, types in _typed_objects(selector, url):
        if ARTICLE_TYPES.intersection(types):
            articles.append(obj)
        others |= types & NON_ARTICLE_TYPES
    page_path = decoded_path(url) if url else None
    return sorted(articles, key=lambda obj: page_path not in _described_paths(obj)), sorted(others)


def _described_paths(obj):
    for key in ("url", "@id", "mainEntityOfPage"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            try:
                yield decoded_path(value)
            except NotAnArticleURL:
                continue


# Compiled once: parsel would translate and evaluate the query anew, and wrap every result in a
# Selector, on every page. `selector` is a parsel Selector or an lxml element.
_JSONLD_BLOCKS = compiled_css('script[type="application/ld+json"]::text')
_META_CONTENT = etree.XPath("//meta[@property=$name or @name=$name]/@content", smart_strings=False)


def _root(selector):
    return getattr(selector, "root", selector)


def _typed_objects(selector, url):
    for block in _JSONLD_BLOCKS(_root(selector)):
        try:
            # strict=False: CMSs leave raw line breaks inside strings.
            data = json.loads(block, strict=False)
        except (ValueError, RecursionError) as error:  # nested deeper than the parser recurses: unreadable too
            logger.debug("Unreadable JSON-LD block on %s: %s", url, error)
            continue
        yield from _objects(data)


def _objects(data):
    """Each object of the block with its types, in document order: an object, then its @graph, then
    its mainEntity."""
    # An explicit stack, not recursion: arrays may nest deeper than Python's recursion limit.
    pending = [data]
    while pending:
        data = pending.pop()
        if isinstance(data, list):
            pending.extend(reversed(data))
        elif isinstance(data, dict):
            types = data.get("@type")
            types = types if isinstance(types, list) else [types]
            yield data, {t for t in types if isinstance(t, str)}
            for key in ("mainEntity", "@graph"):  # pushed in reverse: @graph comes out first
                if key in data:
                    pending.append(data[key])


def values(objects, key):
    """The values of `key` in each object, flattening lists."""
    for obj in objects:
        value = obj.get(key)
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value


def texts(objects, key):
    """The string values of `key` as plain text: a list or object where text belongs is no text."""
    return (text_from_html(value) for value in values(objects, key) if isinstance(value, str))


def names(entries):
    """Names out of schema.org Person/Thing entries or plain strings, as plain text; empty ones left out."""
    for entry in entries:
        if isinstance(entry, dict):
            entry = entry.get("name")
        if isinstance(entry, str) and (name := text_from_html(entry)):
            yield name


def keywords(entries):
    """Plain-text keywords, empty ones left out: `keywords` is a list on some pages and a
    comma-separated string on others."""
    for entry in entries:
        if isinstance(entry, str):
            yield from filter(None, map(normalize_space, (text_from_html(entry) or "").split(",")))


def meta(selector, name):
    """Content of <meta property=name> or <meta name=name>, all occurrences."""
    return _META_CONTENT(_root(selector), name=name)
