"""Turning markup into clean text.

Chinese text has no spaces between words, so whitespace is collapsed but never
inserted: the text of nested inline tags is joined as it stands.
"""

import re

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from w3lib.html import replace_entities

# \s in Python is Unicode-aware: it covers NBSP, ideographic space and friends.
_WHITESPACE = re.compile(r"\s+")
# A line break between two CJK characters is not a space in the rendered text
# (CSS Text 3, segment break transformation), so it is dropped, not collapsed.
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_LINE_BREAK = re.compile(rf"(?<=[{_CJK}])[^\S\u3000]*\n\s*(?=[{_CJK}])")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Only what is written like markup: "<系列报道>" or "a<b 且 c>d" in a sentence is text,
# "<b>", "</p>" or '<img src="x">' is not. The schema refuses the same pattern.
MARKUP_TAG = re.compile(
    r"<!--.*?-->|<![^<>]*>|</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s+[a-zA-Z_:@][\w:.@-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+))?)*\s*/?>",
    re.S,
)


def normalize_space(text):
    """Collapse whitespace runs to one space, strip the ends; None stays None."""
    if text is None:
        return None
    text = _ZERO_WIDTH.sub("", text)
    if "\n" in text:  # a CJK line break needs one
        text = _CJK_LINE_BREAK.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def clean_text(value):
    """Plain text from a string that may still carry entities or stray tags; None when empty.

    Used for values read from attributes, JSON-LD and feeds, where sites put
    HTML-escaped text (RSS titles) or even markup (descriptions).
    """
    if value is None:
        return None
    text = str(value)
    if "&" not in text and "<" not in text:  # nothing to decode or strip: the loop below would not change it
        return normalize_space(text) or None
    # Invisible characters go first: one inside an entity or a tag ("&am\u200bp;") would hide it.
    text = _ZERO_WIDTH.sub("", text)
    # Feeds and JSON-LD are sometimes escaped twice ("&amp;quot;"), and removing a tag can
    # join an entity ("&<b>amp;"): decode and strip until nothing changes. Each round that
    # changes something shortens the text, so this ends.
    while True:
        cleaned = replace_entities(text)
        if "<" in cleaned:
            cleaned = MARKUP_TAG.sub("", cleaned)
        if cleaned == text:
            break
        text = cleaned
    return normalize_space(text) or None


def compiled_css(query):
    """A CSS query compiled once to the XPath parsel runs for it (::text and ::attr() included)."""
    return etree.XPath(HTMLTranslator().css_to_xpath(query), smart_strings=False)


_DESCENDANT_TEXT = etree.XPath(".//text()", smart_strings=False)


def element_text(node):
    """Rendered text of an element (an lxml element or a parsel selector): descendants' text joined
    without separators."""
    return normalize_space("".join(_DESCENDANT_TEXT(getattr(node, "root", node))))
