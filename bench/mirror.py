"""A mirror of N article pages made from the hand-written fixtures, pre-rendered to bytes.

Page i is fixture i % 10 with its own URL (section kept, the URL date and slug changed), its own
title and dates (newest first, one article every 36 minutes going back) and its own length
(the fixture's body repeated 1-8 times). Everything the site lists is rendered once, up front,
with tests/mirror/render.py, so that serving a page is a dictionary look-up.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from tests.fixtures.articles import ARTICLES
from tests.mirror.render import (
    absolute, paris_tz, render_article_page, render_monthly_sitemap, render_news_sitemap, render_robots, render_rss,
    render_sitemap_index,
)
from tests.mirror.site import NEWS_WINDOW, url_month

NEWEST = datetime(2024, 3, 13, 12, 0, 0, tzinfo=timezone.utc)
STEP = timedelta(minutes=36)  # 40 articles a day: 5,000 span 4 months, 50,000 about 3.4 years
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


def article_specs(n: int) -> list:
    """N ArticleSpecs, newest first, each with a unique URL, title, dates and body length."""
    specs = []
    paris = paris_tz()
    for i in range(n):
        base = ARTICLES[i % len(ARTICLES)].spec
        published = NEWEST - i * STEP - timedelta(seconds=(i * 7919) % 1800)
        parts = base.path.split("/")  # ['', 'cn', section, (column,) 'YYYYMMDD-slug']
        slug = parts[-1].split("-", 1)[1]
        parts[-1] = f"{published.astimezone(paris):%Y%m%d}-{slug}-{i}"
        modified = published + (base.modified - base.published) if base.modified else None
        repeats = 1 + (i * 5) % 8
        specs.append(dataclasses.replace(
            base, path="/".join(parts), title=f"{base.title}（{i}）", published=published, modified=modified,
            body_html=base.body_html * repeats, authors=list(base.authors), tags=list(base.tags),
        ))
    return specs


def render_site(base_url: str, n: int) -> dict:
    """{decoded path: (content type, body bytes)} of everything rfi.fr would serve for N articles:
    robots.txt, /cn/rss (all N), the Google-News sitemap (the last two days), the sitemap index
    with monthly maps, and the article pages."""
    specs = article_specs(n)
    pairs = [(s, absolute(base_url, s.path)) for s in specs]
    routes = {
        "/robots.txt": (TEXT, render_robots(base_url)),
        "/cn/rss": (RSS, render_rss(pairs, "RFI - 法国国际广播电台", base_url=base_url)),
    }
    recent = [(s, u) for s, u in pairs if specs[0].published - s.published <= NEWS_WINDOW] if specs else []
    routes["/sitemaps/cn/news.xml"] = (XML, render_news_sitemap(recent))
    by_month = defaultdict(list)
    for spec, url in pairs:
        by_month[url_month(spec.path)].append((url, spec.modified or spec.published))
    children = []
    for month in sorted(by_month, reverse=True):
        path = f"/sitemaps/cn/contents_{month}.xml"
        routes[path] = (XML, render_monthly_sitemap(by_month[month]))
        children.append((absolute(base_url, path), max(lastmod for _, lastmod in by_month[month])))
    routes["/sitemaps/cn/index.xml"] = (XML, render_sitemap_index(children))
    for i, (spec, url) in enumerate(pairs):
        neighbours = [(s.path, s.title) for s, _ in pairs[max(i - 1, 0):i] + pairs[i + 1:i + 2]]
        routes[spec.path] = (HTML, render_article_page(spec, base_url=base_url, others=neighbours))
    return {path: (kind, body.encode("utf-8")) for path, (kind, body) in routes.items()}


def oldest_date(n: int) -> str:
    """The earliest URL date of the N articles, YYYY-MM-DD, for a backfill over all of them."""
    day = article_specs(n)[-1].path.rsplit("/", 1)[1][:8]
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def is_article_path(path: str) -> bool:
    return path.startswith("/cn/") and not path.endswith(("/rss",))
