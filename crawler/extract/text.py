"""Turning markup into clean text.

Text reaches the extractor in two kinds, each cleaned exactly once:
- DOM text: text nodes and attribute values of a parsed page. The parser has
  decoded its entities already, so it is only whitespace-normalised: decoding
  it again would turn the "&lt;" a reader sees into "<", and stripping tags
  from it would remove text that merely looks like markup.
- HTML strings: values that are HTML source themselves (JSON-LD values, RSS
  titles, saved feedx titles). Their markup is removed, then their entities
  are decoded once.

Chinese text has no spaces between words, so whitespace is collapsed but never
inserted: the text of nested inline tags is joined as it stands.
"""

import html
import re

from lxml import etree
from parsel.csstranslator import HTMLTranslator

# \s in Python is Unicode-aware: it covers NBSP, ideographic space and friends.
_WHITESPACE = re.compile(r"\s+")
# A line break between two CJK characters is not a space in the rendered text
# (CSS Text 3, segment break transformation), so it is dropped, not collapsed.
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_LINE_BREAK = re.compile(rf"(?<=[{_CJK}])[^\S\u3000]*\n\s*(?=[{_CJK}])")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

# Elements whose content is never shown: code, styles, fallbacks, inert templates.
HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})
# Only what is written like markup: "<系列报道>" or "a<b 且 c>d" in a sentence is text,
# "<b>", "</p>", '<img src="x">' or a comment is not.
_ATTRIBUTES = r"""(?:\s+[a-zA-Z_:@][\w:.@-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*\s*"""
# A comment or a hidden element (with its content) runs to its end or, unclosed, to the end of the
# string, as a parser reads it; that also keeps the search for an end from restarting at each "<!--".
_TAG = rf"<!--.*?(?:-->|\Z)|<![^<>]*>|</?[a-zA-Z][a-zA-Z0-9:-]*{_ATTRIBUTES}/?>"
_HIDDEN_ELEMENT = rf"<({'|'.join(sorted(HIDDEN_TAGS))}){_ATTRIBUTES}/?>.*?(?:</\1\s*>|\Z)"
# One left-to-right pass: a comment hides the tags inside it.
_MARKUP = re.compile(rf"{_HIDDEN_ELEMENT}|{_TAG}", re.S | re.I)


def normalize_space(text):
    """Collapse whitespace runs to one space, strip the ends; None stays None. The one cleaning of DOM text."""
    if text is None:
        return None
    text = _ZERO_WIDTH.sub("", text)
    if "\n" in text:  # a CJK line break needs one
        text = _CJK_LINE_BREAK.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def non_empty_text(text):
    """Whitespace-normalised text, None when nothing is left."""
    return normalize_space(text) or None


def text_from_html(value):
    """Plain text of an HTML string: markup removed, then entities decoded once; None when empty.

    For values that are HTML source (JSON-LD values, RSS and saved feedx titles), never for DOM
    text. Decoding once keeps "&lt;script&gt;" as the text "<script>" and "&amp;amp;" as "&amp;".
    """
    if value is None:
        return None
    # Invisible characters go first: one inside an entity or a tag ("&am\u200bp;") would hide it.
    text = _ZERO_WIDTH.sub("", str(value))
    if "<" in text:
        text = _MARKUP.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return non_empty_text(text)


def compiled_css(query):
    """A CSS query compiled once to the XPath parsel runs for it (::text and ::attr() included)."""
    return etree.XPath(HTMLTranslator().css_to_xpath(query), smart_strings=False)


def element_text(node):
    """Rendered text of an element (an lxml element or a parsel selector): its visible descendants'
    text joined without separators, whitespace-normalised."""
    return normalize_space("".join(_visible_text(getattr(node, "root", node))))


def _visible_text(root):
    """Text and tails in document order, without recursion: a page may nest thousands deep."""
    if root.text:
        yield root.text
    pending = [iter(root)]  # iterators over children, and tails due once a child's subtree is done
    while pending:
        top = pending[-1]
        if isinstance(top, str):
            pending.pop()
            yield top
            continue
        child = next(top, None)
        if child is None:
            pending.pop()
            continue
        if child.tail:
            pending.append(child.tail)
        # Comments and processing instructions have no str tag; their tails are text all the same.
        if isinstance(child.tag, str) and child.tag not in HIDDEN_TAGS:
            if child.text:
                yield child.text
            pending.append(iter(child))
