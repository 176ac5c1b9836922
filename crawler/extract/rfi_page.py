"""An article page of rfi.fr: one method per field, candidates in order of trust.

Each method yields a field's candidates from its sources in order of trust: JSON-LD, then meta tags,
then the visible markup, which the page's layout (crawler.extract.rfi_layouts) locates. The loader
keeps the first usable candidate and never asks for the rest, so a changed class empties a field
only when every source before it fails too. Text comes out plain, cleaned once for its kind (see
crawler.extract.text): visible text of elements and attribute values as they were parsed, JSON-LD
strings as HTML source.
"""

import codecs
from functools import cached_property

from scrapy.selector import Selector

from crawler.editions import EDITIONS
from crawler.extract import structured
from crawler.extract.body import body_blocks
from crawler.extract.html_tree import html_root
from crawler.extract.image import largest_in_srcset, usable_image_url
from crawler.extract.rfi_layouts import layout_of
from crawler.extract.text import compiled_css, element_text, normalize_space

# Every edition's <title> suffix: a page is read the same whichever edition it is of.
TITLE_SUFFIXES = tuple(f" - {name}" for edition in EDITIONS for name in edition.site_names)
_TITLE_TAG = compiled_css("title::text")
# The same article in another language or script, as <head> links it; the same on every layout.
_ALTERNATE_LINKS = compiled_css("link[rel~=alternate][hreflang][href]")


def page_selector(response):
    """The page's Selector, parsed as `response.selector` is (the same libxml2 parser and options, the
    same encoding) but into plain lxml elements: lxml.html's element classes make every element the
    code touches call back into Python, which costs more than the queries themselves.

    A UTF-8 page goes to the parser as the bytes it came as, not decoded and encoded again; the
    tree's URL is the page's (nothing here resolves links against a <base>). A page the parser cut
    short raises CutShort."""
    if codecs.lookup(response.encoding).name == "utf-8":
        root = html_root(body=response.body, base_url=response.url)
    else:
        root = html_root(response.text, base_url=response.url)
    return Selector(root=root, type="html")


class RfiArticlePage:
    source = "rfi"

    def __init__(self, selector, url):
        self.root = selector.root  # the lxml tree, for the compiled queries
        self.url = url
        self.layout = layout_of(self.root)
        self.jsonld, self.other_types = structured.read_jsonld(selector, url)

    def non_article_kind(self):
        """What the page is when structured data says it is a video, podcast, live or gallery page."""
        if self.jsonld:
            return None
        kinds = list(self.other_types)
        og_type = (structured.meta(self.root, "og:type") or [""])[0]
        if og_type.startswith(("video", "music", "audio")):
            kinds.append(og_type)
        return ", ".join(kinds) or None

    def title(self):
        yield from structured.texts(self.jsonld, "headline")
        # The headline the page shows goes before og:title, which is written for share cards.
        yield from map(element_text, self.layout.title(self.root))
        for title in structured.meta(self.root, "og:title") + _TITLE_TAG(self.root):
            yield without_site_name(normalize_space(title))

    def lede(self):
        return map(element_text, self.layout.lede(self.root))

    def paragraphs(self):
        return body_blocks(self.layout.body(self.root)[:1])

    @cached_property
    def _shown_dates(self):
        return self.layout.dates(self.root)

    def published(self):
        yield from structured.values(self.jsonld, "datePublished")
        yield from structured.meta(self.root, "article:published_time")
        yield from self._shown_dates[:1]

    def modified(self):
        yield from structured.values(self.jsonld, "dateModified")
        yield from structured.meta(self.root, "article:modified_time")
        yield from self._shown_dates[1:2]

    def authors(self):
        from_jsonld = list(structured.names(structured.values(self.jsonld, "author")))
        if from_jsonld:
            return from_jsonld
        return [normalize_space(link.get("title")) or element_text(link) for link in self.layout.authors(self.root)]

    def tags(self):
        from_jsonld = list(structured.keywords(structured.values(self.jsonld, "keywords")))
        if from_jsonld:
            return from_jsonld
        return (
            [normalize_space(tag) for tag in structured.meta(self.root, "article:tag")]
            or [element_text(link) for link in self.layout.tags(self.root)]
            or [normalize_space(k) for value in structured.meta(self.root, "keywords") for k in value.split(",")]
        )

    def image(self):
        layout = self.layout
        for media in layout.main_media(self.root)[:1]:
            img = layout.image(media)[:1]
            get = img[0].get if img else (lambda name: None)
            # Lazy-loading variants keep the real URLs in data-* attributes; src is often a placeholder.
            candidates = [largest_in_srcset(get(name)) for name in ("srcset", "data-srcset")]
            candidates += [get(name) for name in ("data-src", "src")]
            url = next(filter(None, (usable_image_url(candidate, base=self.url) for candidate in candidates)), None)
            if url:
                spans = layout.caption_spans(media)
                caption = layout.caption(media) or spans[:1]
                credit = layout.credit(media) or spans[1:2]
                yield {
                    "url": url,
                    "caption": element_text(caption[0]) if caption else None,
                    "credit": element_text(credit[0]) if credit else None,
                }

    def alternates(self):
        """(hreflang, href) of each version of the page it links, its own included, as written; the
        loader keeps the other Chinese script's."""
        return [(link.get("hreflang"), link.get("href")) for link in _ALTERNATE_LINKS(self.root)]


def without_site_name(title):
    for suffix in TITLE_SUFFIXES:
        if title.endswith(suffix):
            return title.removesuffix(suffix)
    return title
