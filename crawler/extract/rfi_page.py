"""An article page of rfi.fr: one method per field, structured data first, visible markup second.

Each method returns candidate values in order of trust; the loader keeps the
first usable one, so a changed class empties a field only when every fallback
fails too. Text comes out plain, cleaned once for its kind (see crawler.extract.text):
visible text of elements and attribute values as they were parsed, JSON-LD strings
as HTML source.
"""

import codecs
import re

from lxml import etree
from scrapy.selector import Selector

from crawler.extract import structured
from crawler.extract.body import body_blocks
from crawler.extract.html_tree import html_root
from crawler.extract.image import largest_in_srcset, usable_image_url
from crawler.extract.text import compiled_css, element_text, normalize_space

TITLE_SUFFIX = " - RFI - 法国国际广播电台"

# One walk over the page (RfiArticlePage._elements) finds what these CSS queries would:
#   body:        div.t-content__body, [itemprop=articleBody], article[data-article-content] .t-content__body
#   main media:  .t-content__main-media
#   dates:       .t-content__dates time, .m-pub-dates time, time[pubdate]  (published first, then modified)


_TITLE_H1 = compiled_css("h1.t-content__title, article h1")
_TITLE_TAG = compiled_css("title::text")
_AUTHOR_LINKS = compiled_css(".m-from-author__name, .t-content__authors a")
_TAG_LINKS = compiled_css("ul.m-tags-list li a")
_IMG = compiled_css("img")
_CAPTION_SPANS = compiled_css("figcaption span")
_CAPTION = compiled_css(".m-figure__caption-text, .m-figure__legend")
_CREDIT = compiled_css(".m-figure__caption-credit, .m-figure__credit")

_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what normalize-space() collapses in a CSS class match
_MARKED_CLASSES = ("t-content__chapo", "t-content__main-media", "t-content__dates", "m-pub-dates")


def page_selector(response):
    """The page's Selector, parsed as `response.selector` is (the same libxml2 parser and options, the
    same encoding) but into plain lxml elements: lxml.html's element classes make every element the
    code touches call back into Python, which costs more than the walk itself.

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
        self.root = selector.root  # the lxml tree, for the compiled queries above
        self.url = url
        self._marked = None
        self._times = None
        self.jsonld, self.other_types = structured.read_jsonld(selector, url)

    def _elements(self):
        """What the CSS queries by class would find, from one walk over the page.

        {class: [elements]} for the classes of _MARKED_CLASSES, and "body": the body containers,
        all in document order. A class matches as in CSS, as a whole token of the class attribute.
        One walk costs less than the XPath of a single class query.
        """
        if self._marked is None:
            marked = {name: [] for name in (*_MARKED_CLASSES, "body")}
            for element in self.root.iter(etree.Element):
                classes = element.get("class")
                tokens = (_XML_SPACE.split(classes)
                          if classes and ("t-content__" in classes or "m-pub-dates" in classes) else ())
                for token in tokens:
                    if token in marked:
                        marked[token].append(element)
                if element.get("itemprop") == "articleBody" or ("t-content__body" in tokens and (
                        element.tag == "div" or any(article.get("data-article-content") is not None
                                                    for article in element.iterancestors("article")))):
                    marked["body"].append(element)
            self._marked = marked
        return self._marked

    def _publication_times(self):
        """The dates: the datetime of each <time> inside a .t-content__dates or
        .m-pub-dates element, or with a pubdate attribute, in document order."""
        if self._times is None:
            marked = self._elements()
            inside = {time for container in marked["t-content__dates"] + marked["m-pub-dates"]
                      for time in container.iterdescendants("time")}
            self._times = [time.get("datetime") for time in self.root.iter("time")
                           if (time in inside or time.get("pubdate") is not None) and time.get("datetime") is not None]
        return self._times

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
        yield from map(element_text, _TITLE_H1(self.root))
        for title in structured.meta(self.root, "og:title") + _TITLE_TAG(self.root):
            yield normalize_space(title).removesuffix(TITLE_SUFFIX)

    def lede(self):
        for chapo in self._elements()["t-content__chapo"]:
            yield element_text(chapo)

    def paragraphs(self):
        return body_blocks(self._elements()["body"][:1])

    def published(self):
        yield from structured.values(self.jsonld, "datePublished")
        yield from structured.meta(self.root, "article:published_time")
        yield from self._publication_times()[:1]

    def modified(self):
        yield from structured.values(self.jsonld, "dateModified")
        yield from structured.meta(self.root, "article:modified_time")
        yield from self._publication_times()[1:2]

    def authors(self):
        from_jsonld = list(structured.names(structured.values(self.jsonld, "author")))
        if from_jsonld:
            return from_jsonld
        return [normalize_space(link.get("title")) or element_text(link) for link in _AUTHOR_LINKS(self.root)]

    def tags(self):
        from_jsonld = list(structured.keywords(structured.values(self.jsonld, "keywords")))
        if from_jsonld:
            return from_jsonld
        return (
            [normalize_space(tag) for tag in structured.meta(self.root, "article:tag")]
            or [element_text(link) for link in _TAG_LINKS(self.root)]
            or [normalize_space(k) for value in structured.meta(self.root, "keywords") for k in value.split(",")]
        )

    def image(self):
        for figure in self._elements()["t-content__main-media"][:1]:
            img = _IMG(figure)[:1]
            get = img[0].get if img else (lambda name: None)
            # Lazy-loading variants keep the real URLs in data-* attributes; src is often a placeholder.
            candidates = [largest_in_srcset(get(name)) for name in ("srcset", "data-srcset")]
            candidates += [get(name) for name in ("data-src", "src")]
            url = next(filter(None, (usable_image_url(candidate, base=self.url) for candidate in candidates)), None)
            if url:
                spans = _CAPTION_SPANS(figure)
                caption = _CAPTION(figure) or spans[:1]
                credit = _CREDIT(figure) or spans[1:2]
                yield {
                    "url": url,
                    "caption": element_text(caption[0]) if caption else None,
                    "credit": element_text(credit[0]) if credit else None,
                }
