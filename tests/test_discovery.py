"""Discovery, in-process: which listings a run reads, in which order, and what it takes from them."""

from urllib.parse import unquote, urlsplit

from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.site import build_site

SPECS = [fixture.spec for fixture in ARTICLES]


def path_of(url):
    return unquote(urlsplit(url).path)


def site_of(specs):
    site = Site()
    return site, build_site(site, specs)


def maps_read(run):
    return [path_of(url) for url in run.requested if "/sitemaps/" in url]


def test_a_backfill_reads_its_monthly_maps_one_after_another_newest_first():
    site, built = site_of(SPECS)
    run = Run(site, since="2024-01-01").crawl()
    assert maps_read(run) == ["/sitemaps/cn/index.xml", "/sitemaps/cn/contents_202403.xml",
                              "/sitemaps/cn/contents_202402.xml", "/sitemaps/cn/contents_202401.xml"]
    assert sorted(path_of(item["url"]) for item in run.items) == sorted(built.articles)
    # The index asks for the newest map only, behind the articles already queued; it carries the others.
    fresh = Run(site, since="2024-01-01")
    [index] = fresh.start()
    [first_map] = fresh.fetch(index)
    assert (path_of(first_map.url), first_map.priority, first_map.cb_kwargs["next_maps"]) == (
        "/sitemaps/cn/contents_202403.xml", -10,
        [site.url("/sitemaps/cn/contents_202402.xml"), site.url("/sitemaps/cn/contents_202401.xml")])


def test_a_monthly_map_that_fails_does_not_stop_the_next():
    site, built = site_of(SPECS)
    del site.routes["/sitemaps/cn/contents_202402.xml"]
    run = Run(site, since="2024-01-01").crawl()
    assert maps_read(run)[-1] == "/sitemaps/cn/contents_202401.xml"
    assert sorted(path_of(item["url"]) for item in run.items) == sorted(
        path for month in ("202401", "202403") for path in built.monthly_paths[month])
    assert (run.stat("discovery/failed"), run.stat("discovery/first_error")) == (
        1, f"{site.url('/sitemaps/cn/contents_202402.xml')}: http_404 (Ignoring non-200 response)")
    assert run.close() is None


def test_an_atom_feed_gives_its_alternate_links():
    site, _ = site_of(SPECS[:2])
    entries = "".join(
        f"<entry><title>t</title><link rel='enclosure' href='{site.base_url}/media/x.jpg'/>"
        f"<link rel='alternate' href='{site.url(spec.path)}'/><updated>2024-03-01T10:00:00Z</updated></entry>"
        for spec in SPECS[:2])
    site.add("/cn/rss", f"<feed xmlns='http://www.w3.org/2005/Atom'>{entries}</feed>",
             content_type="application/atom+xml")
    run = Run(site).crawl()
    assert sorted(path_of(item["url"]) for item in run.items) == sorted(spec.path for spec in SPECS[:2])
    assert run.stat("discovery/ignored_links") is None


def test_listings_that_are_not_feeds_or_sitemaps_are_unreadable(caplog):
    site, _ = site_of(SPECS)
    site.add("/cn/rss", "<html><body><p>不是订阅源</p></body></html>", content_type="application/rss+xml")
    site.add("/sitemaps/cn/news.xml", "<html><body><p>不是网站地图</p></body></html>", content_type="application/xml")
    run = Run(site).crawl()
    assert run.items == []
    assert f"Unreadable listing {site.url('/cn/rss')}: not a feed: root element <html>" in caplog.text
    assert f"Unreadable listing {site.url('/sitemaps/cn/news.xml')}: not a sitemap: root element <html>" in caplog.text
    assert run.close() == "none of the 2 feeds and sitemaps could be read"


def test_a_page_that_is_not_html_is_skipped(caplog):
    site = Site()
    path = "/cn/中国/20240301-文件"
    site.add(path, b"%PDF-1.7", content_type="application/pdf")
    run = Run(site, urls=site.url(path)).crawl()
    assert run.items == []
    assert f"Skipped {site.url(path)}: not_html" in caplog.text
