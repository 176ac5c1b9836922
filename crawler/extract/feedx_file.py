"""Saved feedx items: the header lines around the item HTML.

    <!--EPOCH_MS-->
    [TITLE, HTML-escaped](LINK, percent-encoded)
    ------

    ITEM HTML
"""

import re
from dataclasses import dataclass

HEADER = re.compile(r"\A<!--\s*(\d{10,16})\s*-->\s*\n\[(.*)\]\((.*)\)\s*\n-{3,}\s*\n(.*)\Z", re.S)


class BadFeedxFile(ValueError):
    """A file that is not a readable feedx item; `reason` is the short name counted in the stats."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class FeedxFile:
    fetched_at_ms: int
    title: str
    link: str
    html: str


def read_feedx_file(data):
    """A FeedxFile from the file's bytes, or BadFeedxFile saying what is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFeedxFile("not_utf8", f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    match = HEADER.match(text.replace("\r\n", "\n"))
    if not match:
        raise BadFeedxFile("bad_header", "no <!--EPOCH_MS--> / [TITLE](LINK) / ------ header")
    epoch_ms, title, link, html = match.groups()
    return FeedxFile(int(epoch_ms), title, link.strip(), html.strip())
