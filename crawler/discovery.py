"""Reading the site's listings: RSS feeds and sitemaps, into (link, date) entries.

Parsing recovers from malformed XML as far as lxml can; what cannot be read
raises UnreadableListing so the spider can count and log it with the URL.
"""

import re
from dataclasses import dataclass

from lxml import etree
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from crawler.extract.dates import listing_date

MONTHLY_SITEMAP = re.compile(r"contents_(\d{4})(\d{2})\.xml(?:\.gz)?$")


class UnreadableListing(ValueError):
    """A feed or sitemap that holds no readable list of entries."""


@dataclass(frozen=True)
class Entry:
    link: str | None  # None for a feed item without a link
    lastmod: str | None = None  # UTC ISO, when the listing says


# Where a listing's entries open, counted in the raw bytes: more openings than entries read means
# the parser, recovering from broken XML, gave some up (a cut file, an entity bomb).
_FEED_ITEM_OPENING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_SITEMAP_ENTRY_OPENING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:url|sitemap)[\s/>]")


def given_up(body, opening, read):
    """How many entries the raw listing opens that were not read."""
    return max(0, len(opening.findall(body)) - read)


def xml_body(response, max_size):
    """The XML of a feed or sitemap response, gunzipped when it is a .gz file."""
    body = response.body
    if gzip_magic_number(response):
        try:
            body = gunzip(body, max_size=max_size)
        except Exception as error:  # corrupt gzip or over the size limit
            raise UnreadableListing(f"cannot gunzip: {error}") from error
    if not body.strip():
        raise UnreadableListing("empty body")
    return body


def sitemap_entries(body):
    """("sitemapindex" | "urlset", [Entry], entries given up) from a sitemap body."""
    try:
        sitemap = Sitemap(body)
    except (etree.XMLSyntaxError, StopIteration, ValueError) as error:
        raise UnreadableListing(f"not a sitemap: {error}") from error
    if sitemap.type not in ("sitemapindex", "urlset"):
        raise UnreadableListing(f"not a sitemap: root element <{sitemap.type}>")
    entries = []
    for entry in sitemap:
        modified = entry.get("lastmod") or entry.get("publication_date")
        entries.append(Entry(entry["loc"], listing_date(modified)))
    return sitemap.type, entries, given_up(body, _SITEMAP_ENTRY_OPENING, len(entries))


def feed_entries(body):
    """([(Entry, item element)], items given up) of an RSS 2.0 or Atom feed; the element is for
    callers that need more of an item than its link and date."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    entries = [(Entry(link, lastmod), item) for link, lastmod, item in _feed_items(body, parser)]
    lost = given_up(body, _FEED_ITEM_OPENING, len(entries)) if parser.error_log else 0
    return entries, lost


def _feed_items(body, parser):
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise UnreadableListing(f"not a feed: {error}") from error
    if root is None:
        raise UnreadableListing("not a feed: no XML root")
    items = root.xpath("//*[local-name()='item' or local-name()='entry']")
    if not items and _localname(root) not in ("rss", "feed", "RDF"):
        raise UnreadableListing(f"not a feed: root element <{_localname(root)}>")
    for item in items:
        link = child_text(item, "link") or _atom_link(item) or child_text(item, "guid")
        # The newest date an item gives: modified when it says so, else published.
        dates = [listing_date(child_text(item, name)) for name in ("updated", "modified", "pubDate", "date", "published")]
        yield link.strip() if link else None, max(filter(None, dates), default=None), item


def _localname(element):
    """The tag without its namespace; None for comments and processing instructions."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else None


def child_text(item, name):
    """Text of the item's first child element called `name`, whatever its namespace."""
    for child in item:
        if _localname(child) == name:
            return "".join(child.itertext()).strip() or None
    return None


def _atom_link(item):
    """Atom's <link href>: the alternate one, not an enclosure or the self link."""
    for child in item:
        if (_localname(child) == "link" and child.get("href")
                and child.get("rel", "alternate") == "alternate"):
            return child.get("href")
    return None


def monthly_sitemap_month(url):
    """(year, month) of a contents_YYYYMM.xml map, None for other sitemaps."""
    match = MONTHLY_SITEMAP.search(url)
    return (int(match[1]), int(match[2])) if match else None
