"""Faults of the web, injected by the mirror: the run ends, good articles arrive once, bad ones are counted."""

import gzip
import re
import time
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.render import render_article_page
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

SPECS = [fixture.spec for fixture in ARTICLES]
ALL_PATHS = sorted(spec.path for spec in SPECS)


@pytest.fixture
def mirror():
    with Mirror() as served:
        build_site(served, SPECS)
        yield served


def crawl(tmp_path, mirror, *arguments, **settings):
    return run_crawl(tmp_path, *arguments, settings={
        "RFI_BASE_URL": mirror.base_url, "DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "2", **settings})


def paths(result):
    emitted = [unquote(urlsplit(item["url"]).path) for item in result.items]
    assert len(emitted) == len(set(emitted)), "an article was emitted twice"
    return sorted(emitted)


def failures(result):
    """{url path: reason} of every 'Article … not fetched: reason' warning."""
    return {unquote(urlsplit(url).path): reason
            for url, reason in re.findall(r"Article (\S+) not fetched: (\S+)", result.stderr)}


@pytest.mark.parametrize("status", ["status:500", "status:502", "status:503"])
def test_server_errors_then_success_are_retried_and_emitted_once(tmp_path, mirror, status):
    for spec in SPECS[:3]:
        mirror.add_fault(spec.path, status, times=2)
    result = crawl(tmp_path, mirror)
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result) == ALL_PATHS
    assert all(mirror.hits(spec.path) == 3 for spec in SPECS[:3])


def test_429_waits_as_long_as_retry_after_asks(tmp_path, mirror):
    spec = SPECS[0]
    mirror.add_fault(spec.path, "status:429", times=1)  # the mirror sends Retry-After: 1
    result = crawl(tmp_path, mirror, f"urls={mirror.base_url}{spec.path}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result) == [spec.path]
    times = [entry.time for entry in mirror.request_log if entry.path == spec.path]
    assert len(times) == 2 and times[1] - times[0] >= 1.0
    assert "waiting 1.0 s as its Retry-After asks" in result.stderr


def test_some_403_pages_are_counted_and_named(tmp_path, mirror):
    blocked = SPECS[:2]
    for spec in blocked:
        mirror.add_fault(spec.path, "status:403", times=10)
    result = crawl(tmp_path, mirror)
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result) == sorted(set(ALL_PATHS) - {spec.path for spec in blocked})
    assert failures(result) == {spec.path: "http_403" for spec in blocked}
    assert "failed 2 {http_403: 2}" in result.stderr


def test_a_site_that_blocks_most_pages_fails_with_the_feedx_hint(tmp_path, mirror):
    for spec in SPECS:
        mirror.add_fault(spec.path, "status:403", times=10)
    result = crawl(tmp_path, mirror)
    assert result.returncode == 1
    assert result.last_line.startswith(f"rfi_cn: failed: blocked: {len(SPECS)} of {len(SPECS)} article pages answered 403/429")
    assert "-a source=feedx" in result.last_line
    assert result.items == []


@pytest.mark.parametrize("fault, reason", [
    ("slow:5", "DownloadTimeoutError"),
    ("drop", "DownloadFailedError"),
    ("truncate", "ResponseDataLossError"),
])
def test_timeouts_drops_and_truncations_are_retried_then_counted(tmp_path, mirror, fault, reason):
    good, bad = SPECS[0], SPECS[1]
    mirror.add_fault(good.path, fault, times=1)
    mirror.add_fault(bad.path, fault, times=10)
    started = time.monotonic()
    result = crawl(tmp_path, mirror, f"urls={mirror.base_url}{good.path},{mirror.base_url}{bad.path}")
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result) == [good.path]
    assert list(failures(result)) == [bad.path]
    assert failures(result)[bad.path] == reason
    assert mirror.hits(bad.path) == 3


def test_redirects_stay_on_the_site_and_the_edition(tmp_path, mirror):
    chained, offsite = SPECS[0], SPECS[1]
    port = urlsplit(mirror.base_url).port
    with Mirror() as other_port:
        build_site(other_port, SPECS)
        elsewhere = {
            # Another port of the same host, the same port under another host name, another scheme:
            # three other origins, each serving a real article.
            "/cn/中国/20240102-别的端口": other_port.url(SPECS[2].path),
            "/cn/中国/20240102-别的主机名": f"http://localhost:{port}{quote(SPECS[2].path)}",
            "/cn/中国/20240102-别的协议": f"https://127.0.0.1:{port}{quote(SPECS[2].path)}",
        }
        for path, target in elsewhere.items():
            mirror.add(path, b"", status=302, headers={"Location": target})
        mirror.add("/cn/中国/20240101-旧地址", b"", status=301,
                   headers={"Location": mirror.url("/cn/中国/20240101-中间地址")})
        mirror.add("/cn/中国/20240101-中间地址", b"", status=302, headers={"Location": mirror.url(chained.path)})
        mirror.add("/cn/中国/20240103-法文版", b"", status=301, headers={"Location": "/fr/france/20240103-version"})
        mirror.add("/fr/france/20240103-version", render_article_page(offsite))
        listed = ["/cn/中国/20240101-旧地址", "/cn/中国/20240103-法文版", *elsewhere]
        mirror.clear_log()
        result = crawl(tmp_path, mirror, "urls=" + ",".join(mirror.base_url + path for path in listed))
        assert other_port.requests == [], "nothing, not even robots.txt, is asked of another origin"
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result) == [chained.path]
    assert re.search(r"Skipped \S+/fr/france/20240103-version: redirected_off_edition", result.stderr)
    assert SPECS[2].path not in mirror.requests
    off_site = re.findall(r"Skipped (\S+): redirected_off_site", result.stderr)
    assert sorted(unquote(urlsplit(url).path) for url in off_site) == sorted(elsewhere)
    assert ("discovered 5, fetched 2, new 1, updated 0, skipped as unchanged 0, "
            "dropped 4 {redirected_off_edition: 1, redirected_off_site: 3}, failed 0 {}") in result.stderr


def test_non_article_pages_at_article_urls_are_skipped(tmp_path, mirror):
    video = '<script type="application/ld+json">{"@type": "VideoObject", "name": "一段视频"}</script>'
    pages = {
        "/cn/视频/20240301-一段视频": f"<html><head>{video}</head><body><h1 class='t-content__title'>一段视频</h1>"
                                  "<div class='t-content__body'><p>视频说明文字。</p></div></body></html>",
        "/cn/节目/20240302-播客": '<html><head><meta property="og:type" content="music.radio_station">'
                               "</head><body><h1>播客</h1><div class='t-content__body'><p>节目介绍。</p></div></body></html>",
        "/cn/中国/20240303-空页面": "<html><body><div id='main-content'></div></body></html>",
    }
    for path, html in pages.items():
        mirror.add(path, html)
    result = crawl(tmp_path, mirror, "urls=" + ",".join(mirror.base_url + path for path in pages))
    assert result.items == []
    reasons = dict(re.findall(r"Skipped \S+/(\d{8}-\S+?): (\w+)", unquote(result.stderr)))
    assert reasons == {"20240301-一段视频": "not_an_article", "20240302-播客": "not_an_article",
                       "20240303-空页面": "no_title"}
    assert result.returncode == 1  # listed, unseen, and nothing came of them


@pytest.mark.parametrize("content_type, encode", [
    ("text/html", lambda html: html.encode("utf-8")),  # no charset at all
    ("text/html; charset=iso-8859-1", lambda html: html.encode("utf-8")),  # a wrong one
    ("text/html; charset=gb18030", lambda html: html.encode("gb18030")),
    ("text/html", lambda html: html.replace('<meta charset="utf-8">', "").encode("gb18030")),
])
def test_charsets_missing_wrong_or_gb18030(tmp_path, mirror, content_type, encode):
    fixture = ARTICLES[0]
    mirror.add(fixture.spec.path, encode(render_article_page(fixture.spec, base_url=mirror.base_url)),
               content_type=content_type)
    result = crawl(tmp_path, mirror, f"urls={mirror.base_url}{fixture.spec.path}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert [item["title"] for item in result.items] == [fixture.expected["title"]]
    assert result.items[0]["paragraphs"] == fixture.expected["paragraphs"]


def test_malformed_html_still_gives_the_article(tmp_path, mirror):
    fixture = ARTICLES[0]
    html = render_article_page(fixture.spec, base_url=mirror.base_url)
    broken = html.replace("</p>", "", 3).replace("</div>", "", 2).replace("</html>", "")
    mirror.add(fixture.spec.path, broken)
    result = crawl(tmp_path, mirror, f"urls={mirror.base_url}{fixture.spec.path}")
    assert [item["title"] for item in result.items] == [fixture.expected["title"]]
    assert result.items[0]["paragraphs"] == fixture.expected["paragraphs"]


def test_a_page_over_the_size_limit_is_counted_not_emitted(tmp_path, mirror):
    big, normal = SPECS[0], SPECS[1]
    page = render_article_page(big, base_url=mirror.base_url)
    mirror.add(big.path, page.replace("</body>", "<!--" + "x" * 300_000 + "--></body>"))
    result = crawl(tmp_path, mirror, f"urls={mirror.base_url}{big.path},{mirror.base_url}{normal.path}",
                   DOWNLOAD_MAXSIZE="200000")
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result) == [normal.path]
    assert big.path in failures(result)


@pytest.mark.parametrize("body", [b"", b"<rss><channel><item><title>broken", b"\x1f\x8b\x08 not gzip",
                                  b"<html><body>not a feed</body></html>"])
def test_malformed_or_empty_listings_are_counted(tmp_path, mirror, body):
    mirror.add("/cn/rss", body, content_type="application/rss+xml")
    result = crawl(tmp_path, mirror)
    assert re.search(r"(Unreadable listing \S+/cn/rss: |Listing \S+/cn/rss gave no article to fetch)", result.stderr)
    # news.xml still lists the recent articles, and they arrive.
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(result)


def test_gzip_and_large_sitemaps(tmp_path, mirror):
    news = mirror.url("/sitemaps/cn/news.xml")
    import urllib.request

    with urllib.request.urlopen(news) as response:
        xml = response.read()
    # 100,000 entries of the French edition: read, then ignored without a request.
    filler = b"".join(b"<url><loc>%s/fr/france/20190101-filler-%d</loc><lastmod>2019-01-01T00:00:00+00:00</lastmod></url>"
                      % (mirror.base_url.encode(), n) for n in range(100_000))
    large = xml.replace(b"</urlset>", filler + b"</urlset>")
    assert len(large) > 10_000_000
    mirror.add("/sitemaps/cn/news.xml.gz", gzip.compress(large), content_type="application/x-gzip")
    mirror.add("/sitemaps/cn/news.xml", gzip.compress(large), content_type="application/x-gzip")
    mirror.add("/cn/rss", b"<rss><channel></channel></rss>", content_type="application/rss+xml")
    result = crawl(tmp_path, mirror)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = sorted(spec.path for spec in SPECS if mirror.url(spec.path).encode() in xml)
    assert listed and paths(result) == listed
    assert not any(path.startswith("/fr/") for path in mirror.requests)


def test_links_to_other_hosts_and_schemes_are_never_followed(tmp_path, mirror):
    with Mirror() as elsewhere:
        elsewhere.add("/cn/中国/20240101-别处的文章", render_article_page(SPECS[0]))
        links = [
            f"http://localhost:{elsewhere.base_url.rsplit(':', 1)[1]}/cn/中国/20240101-别处的文章",
            f"{elsewhere.base_url}/cn/中国/20240101-别处的文章",
            "javascript:alert(1)", "file:///etc/passwd", "ftp://ftp.rfi.fr/cn/中国/20240101-x",
            "data:text/html,<p>x</p>", "//evil.example/cn/中国/20240101-x", "https://rfi.my/abcd.F",
            "https://www.facebook.com/dialog/share?href=x", mirror.url(SPECS[0].path),
        ]
        items = "".join(f"<item><title>t</title><link>{link.replace('&', '&amp;').replace('<', '&lt;')}</link></item>"
                        for link in links)
        mirror.add("/cn/rss", f"<rss><channel>{items}</channel></rss>", content_type="application/rss+xml")
        mirror.add("/sitemaps/cn/news.xml", "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
                   content_type="application/xml")
        result = crawl(tmp_path, mirror)
    assert elsewhere.requests == []
    assert paths(result) == [SPECS[0].path]
    assert all(item["url"].startswith(mirror.base_url + "/") for item in result.items)
    assert "'discovery/ignored_links': 9" in result.stderr
