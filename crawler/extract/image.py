"""The main image: the largest rendition listed in a srcset."""

import re
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::\d+)?$")

# "URL 980w" entries; RFI's URLs contain commas only percent-encoded.
_SRCSET_ENTRY = re.compile(r"\s*(\S+?)(?:\s+(\d+(?:\.\d+)?)([wx]))?\s*(?:,|$)")


def largest_in_srcset(srcset):
    """URL of the widest candidate of a srcset, or None when it lists none."""
    best_url, best_width = None, -1.0
    for match in _SRCSET_ENTRY.finditer(srcset or ""):
        url, size = match.group(1), match.group(2)
        if not url:
            continue
        width = float(size) if size else 0.0
        if width >= best_width:
            best_url, best_width = url, width
    return best_url


def usable_image_url(url, base=None):
    """An http(s) image URL (relative ones resolved against base), percent-encoded; None for
    data: placeholders, other schemes, broken hosts and RFI's default share card."""
    if not url:
        return None
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
    except ValueError:  # "https://[broken"
        return None
    if parts.scheme not in ("http", "https") or not _HOST.match(parts.netloc) or "meta_og_twcards" in url:
        return None
    return safe_url_string(url)
