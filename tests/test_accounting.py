"""Every article discovered reaches one count of the Summary, whatever breaks on the way:
discovered = new + updated + unchanged + dropped + failed."""

import dataclasses
import logging
import re

from scrapy.http import HtmlResponse, XmlResponse

from crawler.editions import CN
from crawler.verdict import account_for_every_article, summary
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.render import render_article_page
from tests.mirror.site import build_site

SUMMARY = re.compile(
    r"Summary: discovered (\d+), fetched (\d+), new (\d+), updated (\d+), skipped as unchanged (\d+), "
    r"dropped (\d+) \{(.*?)\}, failed (\d+) \{(.*?)\}"
)


def spider_in_process(**arguments):
    run = Run(**arguments)
    return run.spider, run.stats


def outcomes(stats):
    """(discovered, the sum of new, updated, unchanged, dropped and failed) from the Summary."""
    line = "Summary: " + summary(stats)
    match = SUMMARY.fullmatch(line)
    assert match, f"not a Summary line: {line}"
    discovered, _, new, updated, unchanged, dropped, _, failed, _ = match.groups()
    return int(discovered), int(new) + int(updated) + int(unchanged) + int(dropped) + int(failed)


def test_a_page_that_breaks_the_extractor_is_one_failed_article(monkeypatch, caplog):
    spider, stats = spider_in_process()
    url = spider.article_urls.canonical("https://www.rfi.fr/cn/中国/20240301-坏页面")
    request = spider.article_request(url)

    def breaks(*_):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("crawler.spiders.rfi.article_from_response", breaks)
    response = HtmlResponse(url, body=b"<html><body><p>x</p></body></html>", request=request)
    with caplog.at_level(logging.ERROR):
        assert spider.parse_article(response) == []
    assert stats.get_value("articles/failed/extraction_error") == 1
    assert f"Article {url} could not be extracted" in caplog.text
    assert "RecursionError" in caplog.text
    assert outcomes(stats) == (1, 1)


def test_a_feedx_item_that_breaks_the_extractor_is_one_failed_article(monkeypatch, caplog):
    spider, stats = spider_in_process(source="feedx")

    def breaks(*_):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("crawler.spiders.rfi.article_from_feedx", breaks)
    link = "https://www.rfi.fr/cn/中国/20240301-坏条目"
    body = f"<rss><channel><item><title>坏条目</title><link>{link}</link></item></channel></rss>".encode("utf-8")
    with caplog.at_level(logging.ERROR):
        assert list(spider.parse_feedx_feed(XmlResponse(CN.feedx_url, body=body), body)) == []
    assert stats.get_value("articles/failed/extraction_error") == 1
    assert f"Article {CN.feedx_url} ({link}) could not be extracted" in caplog.text
    assert "RecursionError" in caplog.text
    assert outcomes(stats) == (1, 1)


# An entity bomb: libxml2 stops at its amplification limit, and what follows the bomb is lost.
BILLION_LAUGHS = ("""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol0 "lol">
""" + "".join(f' <!ENTITY lol{level} "' + f"&lol{level - 1};" * 10 + '">\n' for level in range(1, 10)) + """]>
<rss version="2.0"><channel><title>RFI</title>
<item><title>第一篇</title><link>https://www.rfi.fr/cn/中国/20240301-第一篇</link>
<description>&lt;div&gt;01/03/2024 - 10:00&lt;/div&gt;&lt;p&gt;&lt;strong&gt;导语。&lt;/strong&gt;&lt;/p&gt;&lt;div&gt;&lt;p&gt;正文。&lt;/p&gt;&lt;/div&gt;</description></item>
<item><title>&lol9;</title><link>https://www.rfi.fr/cn/中国/20240301-第二篇</link><description>&lol9;</description></item>
<item><title>第三篇</title><link>https://www.rfi.fr/cn/中国/20240301-第三篇</link><description>x</description></item>
</channel></rss>""").encode("utf-8")


def test_feed_items_the_parser_gives_up_are_counted_and_logged(caplog):
    spider, stats = spider_in_process(source="feedx")
    response = XmlResponse(CN.feedx_url, body=BILLION_LAUGHS)
    with caplog.at_level(logging.WARNING):
        read = list(spider.parse_feedx_feed(response, BILLION_LAUGHS))
    assert stats.get_value("feedx/items") == 2
    assert stats.get_value("discovery/entries_given_up") == 1
    assert f"Listing {CN.feedx_url} is broken XML: the parser gave up 1 of its entries" in caplog.text
    assert len(read) == 1


def test_a_cut_sitemap_counts_the_entries_it_lost(caplog):
    spider, stats = spider_in_process()
    url = "https://www.rfi.fr/sitemaps/cn/news.xml"
    body = ("<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            "<url><loc>https://www.rfi.fr/cn/中国/20240301-第一篇</loc></url>"
            "<url><loc>https://www.rfi.fr/cn/中国/20240301-第二篇</loc></url>"
            "<url><lo").encode("utf-8")
    with caplog.at_level(logging.WARNING):
        requests = list(spider.parse_sitemap(XmlResponse(url, body=body), body))
    assert len(requests) == 2
    assert stats.get_value("discovery/entries_given_up") == 1
    assert f"Listing {url} is broken XML: the parser gave up 1 of its entries" in caplog.text


def test_feedx_items_without_a_link_are_discovered_and_dropped():
    spider, stats = spider_in_process(source="feedx")
    body = ("<rss><channel><item><title>没有链接</title><description>&lt;p&gt;x&lt;/p&gt;</description></item>"
            "<item><title>站外</title><link>https://example.com/cn/中国/20240301-x</link></item>"
            "</channel></rss>").encode("utf-8")
    assert list(spider.parse_feedx_feed(XmlResponse(CN.feedx_url, body=body), body)) == []
    assert stats.get_value("articles/skipped/no_link") == 1
    assert stats.get_value("articles/skipped/outside_edition") == 1
    assert outcomes(stats) == (2, 2)


def test_an_article_with_no_outcome_is_shown_as_failed_not_left_out(caplog):
    _, stats = spider_in_process()
    stats.set_value("articles/discovered", 5)
    stats.set_value("articles/new", 3)
    with caplog.at_level(logging.ERROR):
        account_for_every_article(stats, finished=True)
    assert stats.get_value("articles/failed/unaccounted") == 2
    assert "2 discovered articles reached no outcome" in caplog.text
    assert outcomes(stats) == (5, 5)
    _, stats = spider_in_process()
    stats.set_value("articles/discovered", 5)
    stats.set_value("articles/new", 3)
    account_for_every_article(stats, finished=False)
    assert stats.get_value("articles/failed/interrupted") == 2


def test_the_summary_adds_up_on_a_crawl_where_everything_goes_wrong():
    specs = [fixture.spec for fixture in ARTICLES[:4]]
    site = Site()
    build_site(site, specs)
    troubles = {
        "/cn/中国/20240301-视频": "<html><head><script type='application/ld+json'>{\"@type\": \"VideoObject\"}"
                                "</script></head><body><h1>视频</h1></body></html>",
        "/cn/中国/20240301-无正文": "<html><body><h1 class='t-content__title'>只有标题</h1></body></html>",
        "/cn/中国/20240301-深层": render_article_page(dataclasses.replace(
            specs[0], path="/cn/中国/20240301-深层", body_html="<div>" * 1000 + "<p>藏得很深的一段。</p>" + "</div>" * 1000)),
    }
    for path, html in troubles.items():
        site.add(path, html)
    missing = "/cn/中国/20240301-不存在"
    items = "".join(f"<item><title>t</title><link>{site.url(path)}</link></item>"
                    for path in [*troubles, missing, *(spec.path for spec in specs)])
    site.add("/cn/rss", f"<rss><channel>{items}<item><title>没有链接</title></item></channel></rss>",
             content_type="application/rss+xml")
    run = Run(site).crawl()
    assert run.close() is None
    assert run.summary == ("Summary: discovered 8, fetched 7, new 5, updated 0, skipped as unchanged 0, "
                           "dropped 2 {no_date: 1, not_an_article: 1}, failed 1 {http_404: 1}")
    assert len(run.items) == len(specs) + 1  # the deep page is an article too
    assert outcomes(run.stats) == (8, 8)


def test_a_listing_that_breaks_the_parser_is_unreadable_not_silent(monkeypatch, caplog):
    spider, stats = spider_in_process()

    def breaks(body):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("crawler.spiders.rfi.feed_entries", breaks)
    url = "https://www.rfi.fr/cn/rss"
    with caplog.at_level(logging.ERROR):
        assert list(spider.read_listing(XmlResponse(url, body=b"<rss/>"), "parse_feed")) == []
    assert stats.get_value("discovery/unreadable") == 1
    assert f"Unreadable listing {url}" in caplog.text and "RecursionError" in caplog.text
