"""Faults of the web: the run ends, good articles arrive once, bad ones are counted with their reason.

What the downloader does (retries, timeouts, Retry-After, redirects, charsets, the size limit) is
crawled end to end, in one run of a mirror that serves every fault at once; what the spider makes of
listings and pages is decided in-process.
"""

import dataclasses
import gzip
import logging
import re
import time
from urllib.parse import quote, unquote, urlsplit

import pytest
from scrapy.http import HtmlResponse, Response, XmlResponse

from crawler.middlewares import CharsetMiddleware
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.render import render_article_page
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

SPECS = [fixture.spec for fixture in ARTICLES]
ALL_PATHS = sorted(spec.path for spec in SPECS)
FIXTURE = ARTICLES[0]


def path_of(url):
    return unquote(urlsplit(url).path)


def paths(items):
    emitted = [path_of(item["url"]) for item in items]
    assert len(emitted) == len(set(emitted)), "an article was emitted twice"
    return sorted(emitted)


def failures(log):
    """{url path: reason} of every 'Article … not fetched: reason' warning."""
    return {path_of(url): reason for url, reason in re.findall(r"Article (\S+) not fetched: (\S+)", log)}


def skips(log):
    """{url path: reason} of every 'Skipped …: reason' warning."""
    return {path_of(url): reason for url, reason in re.findall(r"Skipped (\S+): (\w+)", log)}


def scrapy_stat(log, name):
    """A count from the stats Scrapy dumps when the spider closes."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    assert found, f"no {name!r} in the stats dumped: {log[-3000:]}"
    return int(found[1])


def page(slug):
    """The first fixture's article at another URL of its section and day."""
    return dataclasses.replace(FIXTURE.spec, path=f"/cn/中国/20240115-{slug}")


def feed(links):
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return f"<rss><channel>{items}</channel></rss>"


# -- end to end: one mirror, every fault ---------------------------------------------

RETRIED = [(page("服务器错误500"), "status:500"), (page("服务器错误502"), "status:502"),
           (page("服务器错误503"), "status:503")]
TOO_MANY = page("请求过多")
BLOCKED = [page("禁止访问一"), page("禁止访问二")]
# Each fault once on a page that then answers, and on every attempt on another.
LOST = {"slow:2": "DownloadTimeoutError", "drop": "DownloadFailedError", "truncate": "ResponseDataLossError"}
ONCE = {fault: page(f"{reason}一次") for fault, reason in LOST.items()}
ALWAYS = {fault: page(reason) for fault, reason in LOST.items()}
TOO_BIG = page("超过大小上限")
CHARSETS = [  # (the page, served with this Content-Type, in these bytes)
    (page("没有字符集"), "text/html", "utf-8"),
    (page("错误的字符集"), "text/html; charset=iso-8859-1", "utf-8"),
    (page("声明的字符集"), "text/html; charset=gb18030", "gb18030"),
    (page("未声明的字符集"), "text/html", "gb18030"),
]
PLAIN = page("正常")
# Redirects: a chain on the site, one that leaves the edition, one to a page this run lists too, and
# three to other origins (another port, another host name, another scheme).
CHAIN = ["/cn/中国/20240101-旧地址", "/cn/中国/20240101-中间地址"]
CHAIN_END = page("新地址")
OFF_EDITION = "/cn/中国/20240103-法文版"
MOVED = "/cn/中国/20240301-搬家"
OFF_ORIGIN = ["/cn/中国/20240102-别的端口", "/cn/中国/20240102-别的主机名", "/cn/中国/20240102-别的协议"]
# Pages at article URLs that are no article, or not there.
VIDEO, MISSING, TITLE_ONLY = "/cn/中国/20240301-视频", "/cn/中国/20240301-不存在", "/cn/中国/20240301-无正文"


def faulty_mirror(mirror, other_origin):
    specs = [*(spec for spec, _ in RETRIED), TOO_MANY, *BLOCKED, *ONCE.values(), *ALWAYS.values(), TOO_BIG,
             *(spec for spec, _, _ in CHARSETS), PLAIN, CHAIN_END]
    build_site(mirror, specs)
    for spec, fault in RETRIED:
        mirror.add_fault(spec.path, fault, times=2)
    mirror.add_fault(TOO_MANY.path, "status:429", times=1)  # the mirror sends Retry-After: 1
    for spec in BLOCKED:
        mirror.add_fault(spec.path, "status:403", times=10)
    for fault in LOST:
        mirror.add_fault(ONCE[fault].path, fault, times=1)
        mirror.add_fault(ALWAYS[fault].path, fault, times=10)
    html = render_article_page(TOO_BIG, base_url=mirror.base_url)
    mirror.add(TOO_BIG.path, html.replace("</body>", "<!--" + "x" * 300_000 + "--></body>"))
    for spec, content_type, encoding in CHARSETS:
        html = render_article_page(spec, base_url=mirror.base_url)
        if encoding == "gb18030" and "charset" not in content_type:
            html = html.replace('<meta charset="utf-8">', "")
        mirror.add(spec.path, html.encode(encoding), content_type=content_type)

    def redirect(path, location, status=302):
        mirror.add(path, b"", status=status, headers={"Location": location})

    redirect(CHAIN[0], mirror.url(CHAIN[1]), status=301)
    redirect(CHAIN[1], mirror.url(CHAIN_END.path))
    redirect(OFF_EDITION, "/fr/france/20240103-version", status=301)
    mirror.add("/fr/france/20240103-version", render_article_page(SPECS[1]))
    redirect(MOVED, mirror.url(PLAIN.path), status=301)
    port = urlsplit(mirror.base_url).port
    build_site(other_origin, [SPECS[2]])
    elsewhere = [other_origin.url(SPECS[2].path), f"http://localhost:{port}{quote(SPECS[2].path)}",
                 f"https://127.0.0.1:{port}{quote(SPECS[2].path)}"]
    for path, location in zip(OFF_ORIGIN, elsewhere):
        redirect(path, location)
    mirror.add(VIDEO, "<html><head><script type='application/ld+json'>{\"@type\": \"VideoObject\"}</script></head>"
                      "<body><h1>视频</h1></body></html>")
    mirror.add(TITLE_ONLY, "<html><body><h1 class='t-content__title'>只有标题</h1></body></html>")
    listed = [spec.path for spec in specs if spec is not CHAIN_END]
    listed += [CHAIN[0], OFF_EDITION, MOVED, *OFF_ORIGIN, VIDEO, MISSING, TITLE_ONLY]
    mirror.add("/cn/rss", feed(mirror.url(path) for path in listed), content_type="application/rss+xml")
    mirror.add("/sitemaps/cn/news.xml", "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
               content_type="application/xml")
    return listed


def test_one_crawl_through_every_fault(tmp_path):
    with Mirror() as mirror, Mirror() as other_origin:
        listed = faulty_mirror(mirror, other_origin)
        started = time.monotonic()
        result = run_crawl(tmp_path, settings={"RFI_BASE_URL": mirror.base_url, "DOWNLOAD_TIMEOUT": "1",
                                               "RETRY_TIMES": "2", "DOWNLOAD_MAXSIZE": "200000"})
        assert time.monotonic() - started < 60
        log = result.stderr
        assert result.returncode == 0, log[-3000:]
        emitted = {path_of(item["url"]): item for item in result.items}
        assert len(emitted) == len(result.items), "an article was emitted twice"

        # 500, 502 and 503 twice, then the page: retried, emitted once.
        for spec, _ in RETRIED:
            assert spec.path in emitted and mirror.hits(spec.path) == 3, spec.path

        # 429 with Retry-After: 1 is asked again a second later.
        times = [entry.time for entry in mirror.request_log if entry.path == TOO_MANY.path]
        assert len(times) == 2 and times[1] - times[0] >= 1.0
        assert TOO_MANY.path in emitted
        assert "waiting 1.0 s as its Retry-After asks" in log

        # A timeout, a dropped connection and a truncated body once: retried and emitted; on every
        # attempt: asked three times, then counted with its reason, never emitted half downloaded.
        for fault, reason in LOST.items():
            assert ONCE[fault].path in emitted, fault
            assert ALWAYS[fault].path not in emitted and mirror.hits(ALWAYS[fault].path) == 3, fault
            assert failures(log)[ALWAYS[fault].path] == reason

        # 403 is not retried: each page counted and named.
        for spec in BLOCKED:
            assert spec.path not in emitted and failures(log)[spec.path] == "http_403"
            assert mirror.hits(spec.path) == 1

        # A page over DOWNLOAD_MAXSIZE is counted, not emitted.
        assert TOO_BIG.path not in emitted and failures(log)[TOO_BIG.path] == "DownloadCancelledError"

        # A missing, wrong or GB18030 charset: the text as written.
        for spec, _, _ in CHARSETS:
            item = emitted[spec.path]
            assert (item["title"], item["paragraphs"]) == (FIXTURE.expected["title"], FIXTURE.expected["paragraphs"])

        # Redirects stay on the site and the edition; nothing, not even robots.txt, is asked of another origin.
        assert other_origin.requests == []
        assert CHAIN_END.path in emitted
        assert skips(log)["/fr/france/20240103-version"] == "redirected_off_edition"
        off_site = [path for path, reason in skips(log).items() if reason == "redirected_off_site"]
        assert sorted(off_site) == sorted(OFF_ORIGIN)
        assert skips(log)[MOVED] == "redirected_to_a_fetched_url"
        assert SPECS[2].path not in mirror.requests

        # Pages at article URLs that are no article, or not found.
        assert (skips(log)[VIDEO], skips(log)[TITLE_ONLY], failures(log)[MISSING]) == (
            "not_an_article", "no_date", "http_404")

    assert sorted(emitted) == sorted([*(spec.path for spec, _ in RETRIED), TOO_MANY.path,
                                      *(spec.path for spec in ONCE.values()), *(spec.path for spec, _, _ in CHARSETS),
                                      PLAIN.path, CHAIN_END.path])
    # Every article discovered is in one count.
    assert len(listed) == 27
    assert result.summary == (
        "Summary: discovered 27, fetched 16, new 13, updated 0, skipped as unchanged 0, "
        "dropped 7 {no_date: 1, not_an_article: 1, redirected_off_edition: 1, redirected_off_site: 3, "
        "redirected_to_a_fetched_url: 1}, "
        "failed 7 {DownloadCancelledError: 1, DownloadFailedError: 1, DownloadTimeoutError: 1, "
        "ResponseDataLossError: 1, http_403: 2, http_404: 1}")
    # What the count monitors read (test_monitors.py): retries (2 per server error, 1 for the 429, 1 per
    # fault once, 2 per fault always), 403 answers, and one error line per page given up.
    assert scrapy_stat(log, "retry/count") == 16
    assert scrapy_stat(log, "downloader/response_status_count/403") == 2
    assert scrapy_stat(log, "log_count/ERROR") == 3


# -- in-process -----------------------------------------------------------------------


def site_of(specs):
    site = Site()
    build_site(site, specs)
    return site


NEWS = build_site(Site(), SPECS).news_paths  # the articles of the last two days


def test_a_site_that_blocks_most_pages_fails_with_the_feedx_hint():
    site = site_of(SPECS)
    for spec in SPECS:
        site.add(spec.path, "fault\n", content_type="text/plain", status=403)
    run = Run(site).crawl()
    assert run.items == []
    assert run.close() == (f"blocked: {len(SPECS)} of {len(SPECS)} article pages answered 403/429; rfi.fr blocks "
                           "many data-centre addresses, -a source=feedx reads the same articles from feedx")


def test_some_403_pages_do_not_fail_the_run(caplog):
    site = site_of(SPECS)
    for spec in SPECS[:2]:
        site.add(spec.path, "fault\n", content_type="text/plain", status=403)
    run = Run(site).crawl()
    assert paths(run.items) == sorted(set(ALL_PATHS) - {spec.path for spec in SPECS[:2]})
    assert failures(caplog.text) == {spec.path: "http_403" for spec in SPECS[:2]}
    assert run.close() is None
    assert "failed 2 {http_403: 2}" in run.summary


def test_non_article_pages_at_article_urls_are_skipped(caplog):
    video = '<script type="application/ld+json">{"@type": "VideoObject", "name": "一段视频"}</script>'
    pages = {
        "/cn/视频/20240301-一段视频": f"<html><head>{video}</head><body><h1 class='t-content__title'>一段视频</h1>"
                                  "<div class='t-content__body'><p>视频说明文字。</p></div></body></html>",
        "/cn/节目/20240302-播客": '<html><head><meta property="og:type" content="music.radio_station">'
                               "</head><body><h1>播客</h1><div class='t-content__body'><p>节目介绍。</p></div></body></html>",
        "/cn/中国/20240303-空页面": "<html><body><div id='main-content'></div></body></html>",
    }
    site = Site()
    for path, html in pages.items():
        site.add(path, html)
    run = Run(site, urls=",".join(site.url(path) for path in pages)).crawl()
    assert run.items == []
    assert skips(caplog.text) == {"/cn/视频/20240301-一段视频": "not_an_article", "/cn/节目/20240302-播客": "not_an_article",
                                  "/cn/中国/20240303-空页面": "no_title"}
    # Listed, unseen, and nothing came of them: the run fails.
    assert run.close() == ("no article could be extracted from the 3 unseen articles listed "
                           "(skipped: {no_title: 1, not_an_article: 2})")


def test_malformed_html_still_gives_the_article():
    site = Site()
    html = render_article_page(FIXTURE.spec, base_url=site.base_url)
    site.add(FIXTURE.spec.path, html.replace("</p>", "", 3).replace("</div>", "", 2).replace("</html>", ""))
    run = Run(site, urls=site.url(FIXTURE.spec.path)).crawl()
    assert [(item["title"], item["paragraphs"]) for item in run.items] == [
        (FIXTURE.expected["title"], FIXTURE.expected["paragraphs"])]


def test_malformed_or_empty_listings_are_counted_and_the_others_read(caplog):
    bodies = [b"", b"<rss><channel><item><title>broken", b"\x1f\x8b\x08 not gzip",
              b"<html><body>not a feed</body></html>"]
    for body in bodies:
        caplog.clear()
        site = site_of(SPECS)
        site.add("/cn/rss", body, content_type="application/rss+xml")
        run = Run(site).crawl()
        rss = site.url("/cn/rss")
        unreadable, empty = f"Unreadable listing {rss}: ", f"Listing {rss} gave no article to fetch"
        assert (unreadable in caplog.text) != (empty in caplog.text), body
        # news.xml still lists the recent articles, and they arrive.
        assert paths(run.items) == sorted(NEWS), body
        assert run.close() is None, body


def test_gzip_and_large_sitemaps():
    site = site_of(SPECS)
    xml = site.routes["/sitemaps/cn/news.xml"][0]
    # 20,000 entries of the French edition: read, then ignored without a request.
    filler = b"".join(b"<url><loc>%s/fr/france/20190101-filler-%d</loc>"
                      b"<lastmod>2019-01-01T00:00:00+00:00</lastmod></url>" % (site.base_url.encode(), n)
                      for n in range(20_000))
    large = xml.replace(b"</urlset>", filler + b"</urlset>")
    assert len(large) > 2_000_000
    site.add("/sitemaps/cn/news.xml", gzip.compress(large), content_type="application/x-gzip")
    site.add("/cn/rss", b"<rss><channel></channel></rss>", content_type="application/rss+xml")
    run = Run(site).crawl()
    assert paths(run.items) == sorted(NEWS)
    assert not any(path_of(url).startswith("/fr/") for url in run.requested)
    assert run.stat("discovery/ignored_links") == 20_000
    assert run.close() is None


def test_links_to_other_hosts_and_schemes_are_never_followed():
    site = site_of([SPECS[0]])
    links = [
        "http://localhost:8001/cn/中国/20240101-别处的文章", "http://127.0.0.1:8001/cn/中国/20240101-别处的文章",
        "javascript:alert(1)", "file:///etc/passwd", "ftp://ftp.rfi.fr/cn/中国/20240101-x",
        "data:text/html,<p>x</p>", "//evil.example/cn/中国/20240101-x", "https://rfi.my/abcd.F",
        "https://www.facebook.com/dialog/share?href=x", site.url(SPECS[0].path),
    ]
    site.add("/cn/rss", feed(link.replace("&", "&amp;").replace("<", "&lt;") for link in links),
             content_type="application/rss+xml")
    site.add("/sitemaps/cn/news.xml", "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
             content_type="application/xml")
    run = Run(site).crawl()
    assert [path_of(url) for url in run.requested] == ["/cn/rss", "/sitemaps/cn/news.xml", SPECS[0].path]
    assert all(url.startswith(site.base_url + "/") for url in run.requested)
    assert paths(run.items) == [SPECS[0].path]
    assert run.stat("discovery/ignored_links") == 9


def test_a_listing_that_cannot_be_gunzipped_is_unreadable(caplog):
    site = site_of(SPECS)
    site.add("/sitemaps/cn/news.xml", gzip.compress(b"<urlset/>" + b" " * 1000), content_type="application/x-gzip")
    with caplog.at_level(logging.WARNING):
        run = Run(site, settings={"DOWNLOAD_MAXSIZE": 100}).crawl()
    assert "cannot gunzip" in caplog.text
    assert run.stat("discovery/unreadable") == 1


CHINESE = "<html><body><p>海关数据显示出口下滑。</p></body></html>"


@pytest.mark.parametrize("content_type, body, encoding", [
    ("text/html", CHINESE.encode("utf-8"), "utf-8"),
    ("text/html; charset=iso-8859-1", CHINESE.encode("utf-8"), "utf-8"),
    ("text/html; charset=iso-8859-1", CHINESE.encode("gb18030"), "gb18030"),
])
def test_a_page_is_decoded_by_what_its_bytes_are(content_type, body, encoding):
    response = HtmlResponse("http://127.0.0.1:8000/cn/中国/20240115-x", headers={"Content-Type": content_type}, body=body)
    assert CharsetMiddleware().process_response(None, response).encoding == encoding


@pytest.mark.parametrize("kind, content_type, body", [
    (HtmlResponse, "text/html; charset=gb18030", CHINESE.encode("gb18030")),  # declared, and it decodes
    (HtmlResponse, "text/html; charset=big5", CHINESE.replace("关数据显", "關數據顯").encode("big5")),
    (XmlResponse, "application/rss+xml", b"\x1f\x8b\x08 not gzip \xff\xfe"),  # nothing better decodes it
])
def test_a_page_keeps_its_charset_unless_a_better_one_decodes_it(kind, content_type, body):
    response = kind("http://127.0.0.1:8000/cn/rss", headers={"Content-Type": content_type}, body=body)
    assert CharsetMiddleware().process_response(None, response) is response


def test_bodies_that_are_not_text_pass_as_they_are():
    gzipped = Response("http://127.0.0.1:8000/sitemaps/cn/news.xml.gz", body=gzip.compress(b"<urlset/>"))
    empty = HtmlResponse("http://127.0.0.1:8000/cn/rss", body=b"")
    for response in (gzipped, empty):
        assert CharsetMiddleware().process_response(None, response) is response
