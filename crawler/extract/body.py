"""The article body as a list of text blocks, without the page's boilerplate.

rfi.fr pages and feedx items carry the same body markup; feedx strips the
class attributes. So every rule below recognises a boilerplate block both by
RFI's class names and by what survives without them (data-* attributes, tag
names, link targets, label texts).
"""

import re
from functools import cached_property


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
# The text a label would open is read up to this many non-blank characters: more than any label above
# with its colon.
LEAD_LENGTH = 16
_LEAD = re.compile(rf"(?:\s*\S){{{LEAD_LENGTH}}}")

SHARE_LINK = re.compile(
    r"facebook\.com/(?:dialog/share|sharer)|whatsapp:|(?:twitter|x)\.com/intent/|rfi\.my/|"
    r"t\.me/share|linkedin\.com/share"
)

# feedx squeezes attributes into the tag name (`<divdata-tms-ad-type="box"…>`).
MANGLED_AD_TAG = re.compile(r"data-tms-ad|data-readmore|selfpromo|data-root-share")


class BodyTree:
    """What the rules ask about the descendants of the elements of one body root.

    Each answer is found for every element at once, from the descendants up (all but the blocks only
    once first needed): asked level by level of a deep nest, a walk down each time would cost the
    square of the depth.
    """

    def __init__(self, root):
        self.root = root
        self.holding_blocks = self._holders(root.iterdescendants(*BLOCK_TAGS))
        self._leads = {}

    @cached_property
    def holding_links(self):
        return self._holders(self.root.iterdescendants("a"))

    @cached_property
    def holding_other_links(self):
        return self._holders(a for a in self.root.iterdescendants("a") if not SHARE_LINK.search(a.get("href", "")))

    @cached_property
    def holding_media(self):
        return self._holders(self.root.iterdescendants("figure", "img"))

    def _holders(self, descendants):
        """The root and the elements under it with one of `descendants` inside."""
        holders = set()
        for descendant in descendants:
            ancestor = descendant.getparent()
            while ancestor not in holders:  # once an ancestor is in, so are all of its own
                holders.add(ancestor)
                if ancestor is self.root:
                    break
                ancestor = ancestor.getparent()
        return holders

    def lead(self, element):
        """The start of the element's text (its descendants' text joined), up to LEAD_LENGTH non-blank
        characters: enough to tell a label. Found for its whole subtree, children first."""
        open_elements = [] if element in self._leads else [(element, iter(element))]
        while open_elements:
            parent, children = open_elements[-1]
            for child in children:
                if len(child) and child not in self._leads:
                    open_elements.append((child, iter(child)))
                    break
            else:
                open_elements.pop()
                self._leads[parent] = self._lead_from_children(parent)
        return self._leads[element]

    def _lead_from_children(self, parent):
        pieces = [parent.text or ""]
        for child in parent:
            if isinstance(child.tag, str):  # a comment's text is not the page's
                pieces.append(self._leads[child] if len(child) else child.text or "")
            pieces.append(child.tail or "")
        text = "".join(pieces)
        start = _LEAD.match(text)
        return text[:start.end()] if start else text


def is_boilerplate(element, tree):
    """True when the element (of the BodyTree `tree`) and everything inside it is not article text."""
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
        return len(element) > 0 and element in tree.holding_media
    if tag == "div" and element not in tree.holding_blocks:
        # Share bars, author boxes and feedx's footer hold links and labels, never paragraphs.
        return _opens_with_label(element, tree) or _is_share_links(element, tree)
    return False


def _has_boilerplate_class(classes):
    return any(token.startswith(BOILERPLATE_CLASS_PREFIXES) for token in classes.split())


def _opens_with_label(div, tree):
    first = next(div.iterchildren(), None)
    lead = div.text if div.text and div.text.strip() else None
    if lead is None and first is not None and isinstance(first.tag, str):
        lead = tree.lead(first)
    return bool(lead) and BOILERPLATE_LABELS.match(lead.strip()) is not None


def _is_share_links(div, tree):
    return div in tree.holding_links and div not in tree.holding_other_links


def body_blocks(roots):
    """Text blocks of the body in reading order, whitespace as in the markup (the loader cleans them).

    `roots` are the lxml elements that make up the body: one container on an
    rfi.fr page, the top-level nodes after the lede in a feedx item.
    """
    blocks = []
    for root in roots:
        _collect(BodyTree(root), blocks)
    return blocks


def _collect(tree, blocks):
    # An explicit stack, not recursion: a page may nest elements deeper than Python's recursion limit.
    # Entries hold their elements: lxml, freeing an element's Python object, climbs to the nearest
    # ancestor that still has one, so each level would otherwise cost a climb to the root.
    containers = []  # (element, children left, run of text since the last block) of each open container
    _open(tree.root, tree, blocks, containers)
    while containers:
        _, children, run = containers[-1]
        for child in children:
            if child.tag == "br":
                run.append("\n")
            elif child.tag in INLINE_TAGS and child not in tree.holding_blocks:
                if not is_boilerplate(child, tree):
                    run.extend(_visible_text(child, tree))
            else:
                _add_block(blocks, run)
                run.clear()
                if _open(child, tree, blocks, containers):
                    run.append(child.tail or "")  # the run that resumes once the child's own blocks are read
                    break
            run.append(child.tail or "")
        else:
            containers.pop()
            _add_block(blocks, run)


def _open(element, tree, blocks, containers):
    """Adds a block at once; a container is pushed to be read (True). Boilerplate adds nothing."""
    if is_boilerplate(element, tree):
        return False
    if element.tag in BLOCK_TAGS and element not in tree.holding_blocks:
        _add_block(blocks, _visible_text(element, tree))
        return False
    # A container: its own blocks, and each run of bare text and inline elements between them.
    containers.append((element, iter(element), [element.text or ""]))
    return True


def _add_block(blocks, pieces):
    text = "".join(pieces)
    if text and not text.isspace():  # most runs between blocks are only whitespace
        blocks.append(text)


def _visible_text(element, tree):
    """Text of an inline element or a block, leaving out boilerplate inside it."""
    if len(element) == 0:  # most hold bare text only: no element to walk
        return [element.text or ""]
    pieces = [element.text or ""]
    open_elements = [(element, iter(element))]  # an explicit stack holding its elements, as in _collect
    while open_elements:
        _, children = open_elements[-1]
        for child in children:
            if not is_boilerplate(child, tree):
                if child.tag == "br":
                    pieces.append("\n")
                else:
                    pieces.append(child.text or "")
                    if len(child):
                        open_elements.append((child, iter(child)))
                        break
            pieces.append(child.tail or "")
        else:
            closed, _ = open_elements.pop()
            if open_elements:
                pieces.append(closed.tail or "")
    return pieces
