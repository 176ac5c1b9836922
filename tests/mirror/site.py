"""Register on a Mirror everything rfi.fr serves for a set of articles.

Feeds, sitemaps and listings are derived from the same specs as the pages, so a test
can compute from the specs which articles each entry point should lead to. One site is one
edition's (/cn/ by default, or /tw/), with its specs' paths under it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Sequence

from crawler.editions import CN, Edition

from .render import (
    SITE_NAME, ArticleSpec, absolute, render_article_page, render_monthly_sitemap, render_news_sitemap, render_robots,
    render_rss, render_section_page, render_sitemap_index,
)
from .server import Mirror

XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
NEWS_WINDOW = timedelta(days=2)


@dataclass
class Site:
    """The URLs registered per kind, all absolute and percent-encoded."""

    base_url: str
    robots: str
    rss: str
    section_rss: dict = field(default_factory=dict)  # section -> URL
    news_sitemap: str = ""
    news_paths: list = field(default_factory=list)  # decoded article paths listed in news.xml
    sitemap_index: str = ""
    monthly_sitemaps: dict = field(default_factory=dict)  # "YYYYMM" -> URL
    monthly_paths: dict = field(default_factory=dict)  # "YYYYMM" -> decoded article paths
    tags_sitemap: str = ""
    shows_sitemap: str = ""
    home: str = ""
    section_pages: dict = field(default_factory=dict)  # section -> URL
    listing_pages: dict = field(default_factory=dict)  # tag and column pages: decoded path -> URL
    articles: dict = field(default_factory=dict)  # decoded path -> URL


def url_month(path: str) -> str:
    """YYYYMM from the date in an article URL's last segment."""
    match = re.search(r"/(\d{8})-[^/]*$", path)
    return match.group(1)[:6] if match else ""


def column_of(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[2] if len(parts) > 3 else ""


def build_site(mirror: Mirror, specs: Sequence[ArticleSpec], *, months: bool = True, edition: Edition = CN) -> Site:
    """Robots, RSS, sitemaps, listings and article pages of the edition for specs; months=False leaves out
    monthly maps."""
    base = mirror.base_url
    code = edition.code
    newest_first = sorted(specs, key=lambda s: s.published, reverse=True)
    pairs = [(s, absolute(base, s.path)) for s in newest_first]
    site = Site(base_url=base, robots=base + "/robots.txt", rss=absolute(base, f"/{code}/rss"))

    mirror.add("/robots.txt", render_robots(base, edition), content_type="text/plain; charset=utf-8")
    mirror.add(f"/{code}/rss", render_rss(pairs, SITE_NAME, base_url=base, edition=edition), content_type=RSS)

    by_section = defaultdict(list)
    for spec, url in pairs:
        by_section[spec.section].append((spec, url))
    for section, items in by_section.items():
        path = f"/{code}/{section}/rss"
        mirror.add(path, render_rss(items, f"{section} - {SITE_NAME}", base_url=base, link_path=f"/{code}/{section}/",
                                    edition=edition),
                   content_type=RSS)
        site.section_rss[section] = absolute(base, path)
        page = f"/{code}/{section}/"
        mirror.add(page, render_section_page(section, [s for s, _ in items], base_url=base, edition=edition))
        site.section_pages[section] = absolute(base, page)

    mirror.add(f"/{code}/", render_section_page("RFI 华语", newest_first, base_url=base, edition=edition))
    site.home = absolute(base, f"/{code}/")

    if newest_first:
        newest = newest_first[0].published
        recent = [(s, u) for s, u in pairs if newest - s.published <= NEWS_WINDOW]
    else:
        recent = []
    mirror.add(f"/sitemaps/{code}/news.xml", render_news_sitemap(recent, edition), content_type=XML)
    site.news_sitemap = absolute(base, f"/sitemaps/{code}/news.xml")
    site.news_paths = [s.path for s, _ in recent]

    _listings(mirror, site, newest_first, base, edition)

    children = []
    if months:
        by_month = defaultdict(list)
        for spec, url in pairs:
            by_month[url_month(spec.path)].append((spec, url))
        for month in sorted(by_month, reverse=True):
            path = f"/sitemaps/{code}/contents_{month}.xml"
            entries = [(url, s.modified or s.published) for s, url in by_month[month]]
            mirror.add(path, render_monthly_sitemap(entries), content_type=XML)
            site.monthly_sitemaps[month] = absolute(base, path)
            site.monthly_paths[month] = [s.path for s, _ in by_month[month]]
            children.append((site.monthly_sitemaps[month], max(lastmod for _, lastmod in entries)))
    children += [site.tags_sitemap, site.shows_sitemap]
    mirror.add(f"/sitemaps/{code}/index.xml", render_sitemap_index(children), content_type=XML)
    site.sitemap_index = absolute(base, f"/sitemaps/{code}/index.xml")

    for i, (spec, url) in enumerate(pairs):
        neighbours = [(s.path, s.title) for s, _ in (pairs[i - 1:i] + pairs[i + 1:i + 2])]
        mirror.add(spec.path, render_article_page(spec, base_url=base, others=neighbours))
        site.articles[spec.path] = url
    return site


def _listings(mirror: Mirror, site: Site, specs: Sequence[ArticleSpec], base: str, edition: Edition) -> None:
    """Tag and column pages, and the tags.xml and show maps that list them."""
    code = edition.code
    tag_pages = f"/{code}/关键词/"
    groups = defaultdict(list)
    for spec in specs:
        for tag in spec.tags:
            groups[f"{tag_pages}{tag}/"].append(spec)
        if column_of(spec.path):
            groups[f"/{code}/{spec.section}/{column_of(spec.path)}/"].append(spec)
    for path, members in groups.items():
        name = [p for p in path.split("/") if p][-1]
        mirror.add(path, render_section_page(name, members, base_url=base, edition=edition))
        site.listing_pages[path] = absolute(base, path)
    tags = [(absolute(base, p), None) for p in groups if p.startswith(tag_pages)]
    shows = [(absolute(base, p), None) for p in groups if not p.startswith(tag_pages)]
    mirror.add(f"/sitemaps/{code}/tags.xml", render_monthly_sitemap(tags), content_type=XML)
    mirror.add(f"/sitemaps/{code}/shows.xml", render_monthly_sitemap(shows), content_type=XML)
    site.tags_sitemap = absolute(base, f"/sitemaps/{code}/tags.xml")
    site.shows_sitemap = absolute(base, f"/sitemaps/{code}/shows.xml")
