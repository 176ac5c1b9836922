"""Where each field sits on an rfi.fr article page: one class per version of RFI's article template.

A layout is a table of queries, one per field, compiled once. When rfi.fr is redesigned, the new
template gets a layout of its own: a subclass of the one before that overrides the queries that
changed and the markers that tell its pages apart, put first in LAYOUTS. JSON-LD and meta tags are
the same on every layout; the page object (crawler.extract.rfi_page) reads them before these.
"""

from crawler.extract.text import compiled_css


class RfiLayout2020:
    """rfi.fr's article template as shared/rfi-markup.md describes it: t-content__* blocks inside
    article[data-article-content]."""

    markers = compiled_css("article[data-article-content]")

    title = compiled_css("h1.t-content__title, article h1")
    lede = compiled_css(".t-content__chapo")
    body = compiled_css("div.t-content__body, [itemprop=articleBody], article[data-article-content] .t-content__body")
    # Published first, then modified.
    dates = compiled_css(".t-content__dates time::attr(datetime), .m-pub-dates time::attr(datetime), "
                         "time[pubdate]::attr(datetime)")
    authors = compiled_css(".m-from-author__name, .t-content__authors a")
    tags = compiled_css("ul.m-tags-list li a")
    main_media = compiled_css(".t-content__main-media")
    # Inside the main media. A figcaption without caption or credit classes holds them as spans, in that order.
    image = compiled_css("img")
    caption = compiled_css(".m-figure__caption-text, .m-figure__legend")
    credit = compiled_css(".m-figure__caption-credit, .m-figure__credit")
    caption_spans = compiled_css("figcaption span")


# Newest first.
LAYOUTS = (RfiLayout2020,)


def layout_of(root):
    """The first layout of LAYOUTS whose markers are on the page (an lxml root); a page that shows
    none is read with the newest, as the site is written today."""
    return next((layout for layout in LAYOUTS if layout.markers(root)), LAYOUTS[0])
