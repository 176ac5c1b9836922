"""From a page or a feedx item to an Article, or to the reason there is none.

The spider and the tests go through these functions only, so what a test
proves about them holds for every source.
"""

from dataclasses import dataclass

from scrapy.http import HtmlResponse

from crawler.extract.feedx_item import FeedxItemPage
from crawler.extract.html_tree import CutShort
from crawler.extract.rfi_page import RfiArticlePage, page_selector
from crawler.items import Article
from crawler.loaders import load_article
from crawler.urls import NotAnArticleURL, rfi_article_link


@dataclass(frozen=True)
class Skip:
    """No article: `reason` is counted in the stats, `detail` goes to the log; `article`
    is what could be extracted, when the page got that far."""

    reason: str
    detail: str = ""
    article: Article | None = None


def article_from_page(selector, url, edition, language):
    """An Article from an rfi.fr article page, or a Skip."""
    page = RfiArticlePage(selector, url)
    if kind := page.non_article_kind():
        return Skip("not_an_article", kind)
    return complete_or_skip(load_article(page, edition, language))


def article_from_response(response, edition, language):
    """An Article from a downloaded rfi.fr page, or a Skip."""
    try:
        selector = page_selector(response)
    except CutShort as error:
        return Skip("cut_short_by_the_parser", str(error))
    return article_from_page(selector, response.url, edition, language)


def article_from_capture(capture, edition, language):
    """An Article from a web archive's capture of an rfi.fr page (crawler.archives.Capture), or a Skip.

    The page is read as if rfi.fr had just sent it: the same selectors, the same URL; only where the
    copy came from and when it was captured differ.
    """
    response = capture.response()
    if not isinstance(response, HtmlResponse):
        return Skip("not_html", capture.via)
    result = article_from_response(response, edition, language)
    article = result.article if isinstance(result, Skip) else result
    if article is not None:
        article.update(source=capture.source, fetched_at=capture.captured_at, via=capture.via)
    return result


def article_from_feedx(html, link, title, source, edition, language, fetched_at=None):
    """An Article from a feedx item (RSS or saved file), or a Skip."""
    try:
        url = rfi_article_link(link, edition)
    except NotAnArticleURL as error:
        return Skip("no_link" if not (link or "").strip() else "outside_edition", str(error))
    try:
        page = FeedxItemPage(html, url, title, source=source)
    except CutShort as error:
        return Skip("cut_short_by_the_parser", str(error))
    return complete_or_skip(load_article(page, edition, language, fetched_at=fetched_at))


def complete_or_skip(article):
    """Never an empty article: video, live and index pages, broken pages lack one of these."""
    for field, reason in (("title", "no_title"), ("published", "no_date"), ("paragraphs", "no_paragraphs")):
        if not article.get(field):
            return Skip(reason, article=article)
    return article
