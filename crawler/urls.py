"""Article URLs of the edition: recognising, normalising and identifying them."""

import functools
import hashlib
import re
import unicodedata
from urllib.parse import unquote, urljoin, urlsplit

from w3lib.url import canonicalize_url, safe_url_string

# Hosts that serve rfi.fr itself; links to them are rebased onto RFI_BASE_URL so
# that a mirror is crawled exactly like the site.
RFI_HOSTS = frozenset({"www.rfi.fr", "rfi.fr"})

# /cn/<section>/<YYYYMMDD>-<slug>, or one level deeper for columns and programmes.
ARTICLE_PATH = re.compile(
    r"^/(?P<edition>[a-z]{2})/(?P<section>[^/]+)/(?:(?P<column>[^/]+)/)?(?P<date>\d{8})-(?P<slug>[^/]+?)/?$"
)


class NotAnArticleURL(ValueError):
    """The URL is not an article of the edition on the configured site."""


def _split(url):
    """urlsplit, with its ValueError on broken URLs ("https://[…") as NotAnArticleURL."""
    try:
        return urlsplit(url)
    except ValueError as error:
        raise NotAnArticleURL(f"not a URL ({error}): {url}") from None


@functools.lru_cache(maxsize=4096)  # asked for several times in a row per URL (id, section, date)
def decoded_path(url):
    """The URL's path, percent-decoded and NFC-normalised: one spelling per article."""
    return unicodedata.normalize("NFC", unquote(_split(url).path))


def article_path_match(path, edition):
    match = ARTICLE_PATH.match(path)
    if match and match["edition"] == edition:
        return match
    return None


# An http(s) URL with a host and no ";": urljoin() would only split and re-join it, the same path in
# the end (it drops an empty ";params", hence the exception).
_ABSOLUTE_HTTP_URL = re.compile(r"https?://[^/?#][^;]*")


class ArticleURLs:
    """Which links are articles of one edition on one site, and their canonical form."""

    def __init__(self, base_url, edition):
        self.base_url = base_url.rstrip("/")
        self.edition = edition
        self.site_host = urlsplit(self.base_url).netloc.lower()

    def is_site_host(self, url):
        host = _split(url).netloc.lower()
        return host == self.site_host or host in RFI_HOSTS

    def canonical(self, url, base=None):
        """The article URL on the configured site, or NotAnArticleURL saying why."""
        absolute = url.strip()
        if not _ABSOLUTE_HTTP_URL.fullmatch(absolute):  # a relative link: resolved against the listing
            try:
                absolute = urljoin(base or self.base_url + "/", absolute)
            except ValueError:
                raise NotAnArticleURL(f"not a URL: {url}") from None
        scheme = _split(absolute).scheme
        if scheme not in ("http", "https"):
            raise NotAnArticleURL(f"not an http(s) URL: {url}")
        if not self.is_site_host(absolute):
            raise NotAnArticleURL(f"not on {self.base_url} or rfi.fr: {url}")
        return _normalised_article_url(self.base_url, decoded_path(absolute), self.edition, url)

    def article_or_none(self, url, base=None):
        try:
            return self.canonical(url, base)
        except NotAnArticleURL:
            return None

    def site_url(self, path):
        return safe_url_string(self.base_url + path)


def article_id(url):
    """Stable id from the edition and the article's path only, never the host.

    rfi.fr, a mirror, feedx's links and saved items all give the same id.
    """
    path = decoded_path(url).rstrip("/")
    match = ARTICLE_PATH.match(path)
    edition = match["edition"] if match else "xx"
    digest = hashlib.sha256(path.encode("utf-8")).hexdigest()[:20]
    return f"rfi-{edition}-{digest}"


def article_date(url):
    """The YYYYMMDD of the article's URL, as a string."""
    match = ARTICLE_PATH.match(decoded_path(url).rstrip("/"))
    return match["date"] if match else None


def section_of(url):
    match = ARTICLE_PATH.match(decoded_path(url).rstrip("/"))
    return match["section"] if match else None


def rfi_article_link(url, edition):
    """A link to an article of the edition on rfi.fr itself (feedx items point there).

    Returns the normalised link, or raises NotAnArticleURL.
    """
    if not url or not url.strip():
        raise NotAnArticleURL("no link")
    parts = _split(url.strip())
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in RFI_HOSTS:
        raise NotAnArticleURL(f"not an rfi.fr link: {url}")
    return _normalised_article_url(f"{parts.scheme}://{parts.netloc}", decoded_path(url), edition, url)


def _normalised_article_url(origin, path, edition, original):
    """origin + path as a percent-encoded, canonical article URL, or NotAnArticleURL."""
    path = path.rstrip("/")
    if article_path_match(path, edition):
        url = canonicalize_url(origin + path)  # it percent-encodes what safe_url_string() would, and more
        # Normalising can change a path ("\\" becomes "/"): the result is checked too.
        if article_path_match(decoded_path(url), edition):
            return url
    raise NotAnArticleURL(f"not an article URL of /{edition}/: {original}")
