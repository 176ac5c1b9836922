"""Parsing a page or a feedx item into an lxml tree, refusing one the parser cut short.

libxml2 keeps about 2,048 levels of nesting and silently drops the rest of the
document; an article read from what is left would lose every paragraph after
the deep block without a word. Such a page raises CutShort instead, and is
skipped with a counted reason.
"""

from lxml import etree
from parsel.selector import create_root_node


class CutShort(ValueError):
    """The parser stopped before the end of the document."""


def html_root(text="", body=b"", encoding="utf-8", base_url=None):
    """The lxml root of an HTML text (or of UTF-8 bytes), parsed as parsel parses it."""
    parsers = []

    def recording_parser(**options):
        parsers.append(etree.HTMLParser(**options))
        return parsers[-1]

    root = create_root_node(text, recording_parser, base_url=base_url, body=body, encoding=encoding)
    for parser in parsers:
        for error in parser.error_log:
            if error.type_name == "ERR_RESOURCE_LIMIT":
                raise CutShort(f"the HTML parser stopped at line {error.line}: {error.message}")
    return root
