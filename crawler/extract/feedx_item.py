"""An item as feedx republishes it: RFI's body markup without classes, behind a small header.

    <div>DD/MM/YYYY - HH:MM</div><img src=…><p><strong>LEDE</strong></p><div>BODY…</div>[share][footer]

The title and link come from the RSS item or the saved file's header, not from
the HTML; the title is HTML source there (a saved file's is HTML-escaped). The
body goes through the same block extraction as an rfi.fr page.
"""

from parsel import Selector

from crawler.extract.body import body_blocks
from crawler.extract.dates import paris_display_time_to_utc
from crawler.extract.html_tree import html_root
from crawler.extract.image import usable_image_url
from crawler.extract.text import element_text, normalize_space, text_from_html


class FeedxItemPage:
    def __init__(self, html, url, title, source="feedx"):
        self.url = url
        self.source = source
        self._title = title
        self._date = None
        self._image = None
        self._lede = None
        self._body = []
        self._read_parts(Selector(root=html_root(html or "<p></p>"), type="html"))

    def _read_parts(self, selector):
        """Split the top-level nodes into date, image, lede and body."""
        for node in selector.xpath("/html/body/*"):
            tag = node.root.tag
            if self._body:
                self._body.append(node)
            elif self._date is None and tag == "div" and paris_display_time_to_utc(date := element_text(node)):
                self._date = date
            elif self._image is None and tag == "img":
                self._image = node.xpath("@src").get()
            elif self._lede is None and tag == "p" and node.xpath("./strong"):
                self._lede = node
            else:
                self._body.append(node)

    def title(self):
        yield text_from_html(self._title)

    def lede(self):
        if self._lede is not None:
            yield element_text(self._lede)

    def paragraphs(self):
        return body_blocks(node.root for node in self._body)

    def published(self):
        yield paris_display_time_to_utc(self._date)

    def modified(self):
        return []

    def authors(self):
        # The author box, "<span>作者：</span><a title=NAME>NAME</a>", follows the body.
        names = []
        for node in self._body:
            for box in node.xpath("descendant-or-self::div[span[starts-with(normalize-space(), '作者')]]"):
                names += [normalize_space(a.xpath("@title").get()) or element_text(a) for a in box.xpath("a")]
        return names

    def tags(self):
        return []

    def image(self):
        url = usable_image_url(self._image)
        if url:
            yield {"url": url, "caption": None, "credit": None}

    def alternates(self):
        return []  # feedx keeps no <head>
