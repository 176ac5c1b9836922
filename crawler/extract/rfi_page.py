"""An article page of rfi.fr: one method per field, structured data first, visible markup second.

Each method returns candidate values in order of trust; the loader keeps the
first usable one, so a changed class empties a field only when every fallback
fails too.
"""

from crawler.extract import structured
from crawler.extract.body import body_blocks
from crawler.extract.image import largest_in_srcset, usable_image_url
from crawler.extract.text import element_text

TITLE_SUFFIX = " - RFI - 法国国际广播电台"

BODY = "div.t-content__body, [itemprop=articleBody], article[data-article-content] .t-content__body"
MAIN_FIGURE = ".t-content__main-media figure, .t-content__main-media"
# The dates block: publication time first, then the modification time when there is one.
PUBLICATION_TIMES = ".t-content__dates time::attr(datetime), .m-pub-dates time::attr(datetime), time[pubdate]::attr(datetime)"


class RfiArticlePage:
    source = "rfi"

    def __init__(self, selector, url):
        self.selector = selector
        self.url = url
        self.jsonld = structured.news_articles(selector, url)

    def non_article_kind(self):
        """What the page is when structured data says it is a video, podcast, live or gallery page."""
        if self.jsonld:
            return None
        kinds = structured.other_types(self.selector)
        og_type = (structured.meta(self.selector, "og:type") or [""])[0]
        if og_type.startswith(("video", "music", "audio")):
            kinds.append(og_type)
        return ", ".join(kinds) or None

    def title(self):
        yield from structured.values(self.jsonld, "headline")
        yield from self.selector.css("h1.t-content__title, article h1").xpath("string()").getall()
        for title in structured.meta(self.selector, "og:title") + self.selector.css("title::text").getall():
            yield title.removesuffix(TITLE_SUFFIX)

    def lede(self):
        for chapo in self.selector.css(".t-content__chapo"):
            yield element_text(chapo)

    def paragraphs(self):
        body = self.selector.css(BODY)[:1]
        return body_blocks(node.root for node in body)

    def has_body(self):
        return bool(self.selector.css(BODY))

    def published(self):
        yield from structured.values(self.jsonld, "datePublished")
        yield from structured.meta(self.selector, "article:published_time")
        yield from self.selector.css(PUBLICATION_TIMES).getall()[:1]

    def modified(self):
        yield from structured.values(self.jsonld, "dateModified")
        yield from structured.meta(self.selector, "article:modified_time")
        yield from self.selector.css(PUBLICATION_TIMES).getall()[1:2]

    def authors(self):
        from_jsonld = list(structured.names(structured.values(self.jsonld, "author")))
        if from_jsonld:
            return from_jsonld
        links = self.selector.css(".m-from-author__name, .t-content__authors a")
        return [link.xpath("@title").get() or link.xpath("string()").get() for link in links]

    def tags(self):
        from_jsonld = list(structured.keywords(structured.values(self.jsonld, "keywords")))
        if from_jsonld:
            return from_jsonld
        return (
            structured.meta(self.selector, "article:tag")
            or self.selector.css("ul.m-tags-list li a").xpath("string()").getall()
            or [k for value in structured.meta(self.selector, "keywords") for k in value.split(",")]
        )

    def image(self):
        for figure in self.selector.css(MAIN_FIGURE)[:1]:
            img = figure.css("img")[:1]
            # Lazy-loading variants keep the real URLs in data-* attributes; src is often a placeholder.
            candidates = [largest_in_srcset(img.xpath(f"@{name}").get()) for name in ("srcset", "data-srcset")]
            candidates += [img.xpath(f"@{name}").get() for name in ("data-src", "src")]
            url = next(filter(None, (usable_image_url(candidate, base=self.url) for candidate in candidates)), None)
            if url:
                spans = figure.css("figcaption span")
                caption = figure.css(".m-figure__caption-text, .m-figure__legend") or spans[:1]
                credit = figure.css(".m-figure__caption-credit, .m-figure__credit") or spans[1:2]
                yield {
                    "url": url,
                    "caption": element_text(caption[0]) if caption else None,
                    "credit": element_text(credit[0]) if credit else None,
                }
