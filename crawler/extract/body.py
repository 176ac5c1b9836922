"""The article body as a list of text blocks, without the page's boilerplate.

rfi.fr pages and feedx items carry the same body markup; feedx strips the
class attributes. So every rule below recognises a boilerplate block both by
RFI's class names and by what survives without them (data-* attributes, tag
names, link targets, label texts).
"""

import re


# Elements whose text is one block of the article.
BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd", "td", "th",
                        "caption"})
# Elements that flow inside a block; a run of them (and of bare text) in a container is a block too.
INLINE_TAGS = frozenset({"a", "span", "strong", "b", "em", "i", "u", "s", "sup", "sub", "small", "mark", "code",
                         "abbr", "cite", "q", "time", "font", "del", "ins", "br", "wbr", "bdi", "bdo", "kbd",
                         "var", "dfn", "label"})

# Never article text, whatever their classes: code, media, forms, widgets,
# figures (their captions describe images) and asides (related articles).
SKIPPED_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "button", "form",
        "input", "select", "textarea", "iframe", "object", "embed", "video", "audio",
        "picture", "figure", "figcaption", "aside", "nav", "footer",
        "share-button", "share-modal", "video-player",
    }
)

# RFI's classes of blocks that sit inside or around the body: a class token that starts with one of these.
BOILERPLATE_CLASS_PREFIXES = (
    "m-interstitial", "m-block-ad", "o-layout-list__item--with-ad",  # ad slots
    "o-self-promo",  # newsletter and app promotion
    "m-em-flash", "a-read-more",  # read-also boxes (a quote's text stays; its svg icon goes)
    "m-share-bar", "t-content__shares",  # share bar
    "o-aside-content", "m-item-list-article",  # related articles
    "m-tags-list", "m-from-author", "t-content__authors",  # tag and author boxes
    "a-media-legend", "m-figure", "m-feed-sub",  # media captions, audio buttons
)

# Attributes that mark the same blocks once feedx has stripped the classes.
BOILERPLATE_ATTRIBUTES = frozenset({
    "data-selfpromo-newsletter",
    "data-selfpromo-app",
    "data-readmore-target",
    "data-readmore-unlocker",
    "data-tms-ad-type",
    "data-root-share",
    "data-article-list",
    "data-article-item-link",
    "data-org-type",
    "data-media-video-id",
})

# Labels that open a block of boilerplate in feedx items: the share bar
# ("分享 :"), the author box ("作者：") and feedx's own footer.
BOILERPLATE_LABELS = re.compile(r"^(?:分享\s*[:：]|作者\s*[:：]|获取更多RSS\s*[:：])")

SHARE_LINK = re.compile(
    r"facebook\.com/(?:dialog/share|sharer)|whatsapp:|(?:twitter|x)\.com/intent/|rfi\.my/|"
    r"t\.me/share|linkedin\.com/share"
)

# feedx squeezes attributes into the tag name (`<divdata-tms-ad-type="box"…>`).
MANGLED_AD_TAG = re.compile(r"data-tms-ad|data-readmore|selfpromo|data-root-share")


def is_boilerplate(element):
    """True when the element and everything inside it is not article text."""
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return True
    if tag in SKIPPED_TAGS:
        return True
    if not tag.isalnum() and MANGLED_AD_TAG.search(tag):
        return True
    names = element.keys()  # most blocks carry no attribute at all
    if names and not BOILERPLATE_ATTRIBUTES.isdisjoint(names):
        return True
    if "class" in names and _has_boilerplate_class(element.get("class")):
        return True
    if tag == "a":
        # A link wrapping a figure is a card for another article.
        return element.find(".//figure") is not None or element.find(".//img") is not None
    if tag == "div" and not _has_block_inside(element):
        # Share bars, author boxes and feedx's footer hold links and labels, never paragraphs.
        return _opens_with_label(element) or _is_share_links(element)
    return False


def _has_boilerplate_class(classes):
    return any(token.startswith(BOILERPLATE_CLASS_PREFIXES) for token in classes.split())


def _opens_with_label(div):
    first = next(div.iterchildren(), None)
    lead = div.text if div.text and div.text.strip() else None
    if lead is None and first is not None and isinstance(first.tag, str):
        lead = "".join(first.itertext())
    return bool(lead) and BOILERPLATE_LABELS.match(lead.strip()) is not None


def _is_share_links(div):
    links = div.findall(".//a")
    return bool(links) and all(SHARE_LINK.search(a.get("href", "")) for a in links)


def body_blocks(roots):
    """Text blocks of the body in reading order, whitespace as in the markup (the loader cleans them).

    `roots` are the lxml elements that make up the body: one container on an
    rfi.fr page, the top-level nodes after the lede in a feedx item.
    """
    blocks = []
    for root in roots:
        _collect(root, blocks)
    return blocks


def _collect(element, blocks):
    if is_boilerplate(element):
        return
    if element.tag in BLOCK_TAGS and not _has_block_inside(element):
        # Most blocks are a bare run of text: no inline element to walk.
        _add_block(blocks, [element.text or ""] if len(element) == 0 else _visible_text(element))
        return
    # A container: its own blocks, and each run of bare text and inline elements between them.
    run = [element.text or ""]
    for child in element:
        if child.tag == "br":
            run.append("\n")
        elif child.tag in INLINE_TAGS and not _has_block_inside(child):
            if not is_boilerplate(child):
                run.extend(_visible_text(child))
        else:
            _add_block(blocks, run)
            run = []
            _collect(child, blocks)
        run.append(child.tail or "")
    _add_block(blocks, run)


def _add_block(blocks, pieces):
    text = "".join(pieces)
    if text and not text.isspace():  # most runs between blocks are only whitespace
        blocks.append(text)


def _has_block_inside(element):
    # Filtered by lxml, not by a Python test of every descendant.
    return len(element) > 0 and next(element.iterdescendants(*BLOCK_TAGS), None) is not None


def _visible_text(element):
    """Text of an inline element, leaving out boilerplate inside it."""
    if element.text:
        yield element.text
    for child in element:
        if not is_boilerplate(child):
            if child.tag == "br":
                yield "\n"
            else:
                yield from _visible_text(child)
        if child.tail:
            yield child.tail
