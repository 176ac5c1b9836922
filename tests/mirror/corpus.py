"""The real feedx items under $RFI_CORPUS, read independently of the crawler's code.

Expectations computed here (title, date, lede, paragraphs) are compared with what
the crawler extracts, so this reader shares no code with it: regexes for the
header, lxml for the item. It reads the item as feedx lays it out, not by RFI's
class names, which feedx strips:

    <div>DD/MM/YYYY - HH:MM</div> <img> <p><strong>LEDE</strong></p> <div>BODY</div> TRAILERS

The body's text is its own paragraphs, headings and list items; what else RFI
puts in a body (figures, cards, ads, promo slots, players) sits in elements of
its own. The trailers (share block, author box, feedx's footer) follow the body.
The text itself is never copied into the repository.

The same items as RFI's Traditional edition would publish them are made at test time with
OpenCC (load_traditional_corpus); the converted text is not kept either.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import unquote, urlsplit

import lxml.html

from .render import RFI_BASE, ArticleSpec, absolute, paris_tz

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = Path("..") / "shared" / "corpus" / "feedx-rfi"

HEADER = re.compile(r"<!--(\d+)-->\n\[(.*)\]\((\S*)\)\n-{3,}\n\n", re.S)
DATE = re.compile(r"(\d\d)/(\d\d)/(\d{4}) - (\d\d):(\d\d)")
TEXT_BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6"}
LISTS = {"ul", "ol"}
AUTHOR_BOX_LINKS = "descendant-or-self::div[span[normalize-space()='作者：']]/a"


@dataclass
class CorpusItem:
    file: str
    link: str
    path: str
    title: str
    published_utc: str
    fetched_at_ms: int
    image_url: Optional[str]
    lede: Optional[str]
    paragraphs: list
    body_html: str
    authors: list = field(default_factory=list)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def corpus_dir() -> Path:
    """$RFI_CORPUS (relative to the repository root when relative), or ../shared/corpus/feedx-rfi beside it."""
    configured = Path(os.environ.get("RFI_CORPUS") or DEFAULT_CORPUS)
    return (configured if configured.is_absolute() else REPO / configured).resolve()


# ---------------------------------------------------------------- markup repair

GLUED_NAMES = ((re.compile(r"<sourcetype="), "<source type="), (re.compile(r"<imgsrc="), "<img src="),
               (re.compile(r"<divdata-"), "<div data-"))
TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")


def repair_feedx_markup(markup: str) -> str:
    """Undo feedx's whitespace stripping inside tags (`<imgsrc="a"alt="b"/>`) so the HTML parses as RFI wrote it."""
    for pattern, replacement in GLUED_NAMES:
        markup = pattern.sub(replacement, markup)

    def respace(match: re.Match) -> str:
        name, rest = match.group(1), match.group(2)
        if not re.search(r"[\"'][^\s>/]", rest):
            return match.group(0)
        closing = " /" if rest.rstrip().endswith("/") else ""
        attrs = " ".join(m.group(0) for m in ATTR.finditer(rest.rstrip().rstrip("/")))
        return f"<{name} {attrs}{closing}>"

    return TAG.sub(respace, markup)


# ---------------------------------------------------------------- paragraphs

def block_text(el) -> str:
    """Text of a block: entities decoded, nested tags flattened without added spaces, whitespace collapsed."""
    return collapse("".join(el.itertext()))


def extract_paragraphs(body) -> list:
    """The body's own text blocks in order, empty ones dropped: its child paragraphs and headings, and
    the items of its child lists."""
    blocks = []
    for child in body:
        if child.tag in LISTS:
            blocks += [block_text(item) for item in child.iterchildren("li")]
        elif child.tag in TEXT_BLOCKS:
            blocks.append(block_text(child))
    return [text for text in blocks if text]


def parse_fragment(markup: str):
    return lxml.html.fragment_fromstring(markup or "<p></p>", create_parent="div")


def inner_html(element) -> str:
    return html.escape(element.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in element)


# ---------------------------------------------------------------- items

def read_item(path: Path) -> CorpusItem:
    return parse_item(path.read_text(encoding="utf-8"), path.name)


def parse_item(raw: str, file: str) -> CorpusItem:
    """The item in a saved file's text; `file` names it."""
    header = HEADER.match(raw)
    if not header:
        raise Skip("bad_header", file)
    fetched, title, link = header.groups()
    if not link:
        raise Skip("no_link", file)

    # Top-level elements in feedx's order; all but the date may be missing.
    nodes = [node for node in parse_fragment(repair_feedx_markup(raw[header.end():].strip()))
             if isinstance(node.tag, str)]
    date = DATE.fullmatch(collapse(nodes[0].text_content())) if nodes and nodes[0].tag == "div" else None
    if not date:
        raise Skip("no_date", file)
    day, month, year, hour, minute = map(int, date.groups())
    local = datetime(year, month, day, hour, minute, tzinfo=paris_tz())
    nodes.pop(0)
    image = nodes.pop(0) if nodes and nodes[0].tag == "img" else None
    lede = nodes.pop(0) if nodes and nodes[0].tag == "p" and nodes[0].find("strong") is not None else None
    body = nodes.pop(0) if nodes and nodes[0].tag == "div" else lxml.html.Element("div")
    trailers = nodes

    image_url = image.get("src") if image is not None else None
    lede_text = block_text(lede) if lede is not None else ""
    authors = [collapse(a.text_content()) for trailer in trailers for a in trailer.xpath(AUTHOR_BOX_LINKS)]
    return CorpusItem(
        file=file,
        link=link,
        path=unquote(urlsplit(link).path),
        title=collapse(html.unescape(title)),
        published_utc=local.astimezone(timezone.utc).isoformat(),
        fetched_at_ms=int(fetched),
        image_url=image_url or None,
        lede=lede_text or None,
        paragraphs=extract_paragraphs(body),
        body_html=inner_html(body),
        authors=[name for name in authors if name],
    )


class Skip(ValueError):
    """An item file that yields no article; `reason` is one of the skip reasons of fixtures/feedx/EXPECTED.json."""

    def __init__(self, reason: str, file: str):
        super().__init__(f"{file}: {reason}")
        self.reason = reason


def classify(path: Path):
    """(item, None) for a usable file, else (None, reason): not_utf8, bad_header, no_link, outside_edition,
    no_date, no_paragraphs."""
    try:
        item = read_item(path)
    except UnicodeDecodeError:
        return None, "not_utf8"
    except Skip as skip:
        return None, skip.reason
    if not item.path.startswith("/cn/"):
        return None, "outside_edition"
    if not item.paragraphs:
        return None, "no_paragraphs"
    return item, None


def item_files(folder: Path) -> list:
    return sorted(p for p in folder.iterdir() if p.suffix in (".md", ".txt") and p.is_file())


def load_corpus(path=None) -> list:
    """Every *.md (corpus) or *.txt (seed) item under path, sorted by file name."""
    return [read_item(p) for p in item_files(Path(path) if path else corpus_dir())]


# ---------------------------------------------------------------- the Traditional edition

# RFI's /tw/ text reads as /cn/'s in Taiwan's standard characters (為, 裡, 著; s2t would give 爲, 裏, 着)
# with the words unchanged: s2twp would also swap mainland words for Taiwan's (信息→資訊, 網絡→網路).
TRADITIONAL_CONFIG = "s2tw.json"
# Sections /tw/ spells otherwise than OpenCC: rfi.fr/tw/港澳台 (s2tw gives 港澳臺).
TW_SECTION_SPELLINGS = {"港澳臺": "港澳台"}


@functools.lru_cache(maxsize=None)
def to_traditional():
    """OpenCC's conversion to Traditional (a test dependency, imported only by the tests that convert)."""
    import opencc

    return opencc.OpenCC(TRADITIONAL_CONFIG).convert


def traditional_path(path: str) -> str:
    """A decoded /cn/ article path as /tw/ would publish it: each segment converted, the section as rfi.fr spells it."""
    convert = to_traditional()
    _, _edition, section, *rest = path.split("/")
    section = convert(section)
    return "/".join(["", "tw", TW_SECTION_SPELLINGS.get(section, section), *(convert(part) for part in rest)])


def load_traditional_corpus(path=None) -> list:
    """The corpus's items as RFI's Traditional edition would publish them, under /tw/ on rfi.fr.

    Each saved file is converted whole, then read like the originals: OpenCC converts a phrase by its
    context, so a paragraph converted alone can differ from the same paragraph converted in its page
    (基金發起 in the page, 基金髮起 alone), and the expectation must be what the converted page shows.
    """
    convert = to_traditional()
    items = []
    for file in item_files(Path(path) if path else corpus_dir()):
        raw = file.read_text(encoding="utf-8")
        original = parse_item(raw, file.name)  # the link is read unconverted: its path is converted on its own
        converted = parse_item(convert(raw), file.name)
        tw_path = traditional_path(original.path)
        items.append(dataclasses.replace(converted, path=tw_path, link=absolute(RFI_BASE, tw_path)))
    return items


def corpus_spec(item: CorpusItem) -> ArticleSpec:
    """A page spec that shows the item on the mirror as rfi.fr would (caption and credit invented)."""
    published = datetime.fromisoformat(item.published_utc)
    image = {"url": item.image_url, "caption": "示意图", "credit": "© RFI"} if item.image_url else None
    return ArticleSpec(path=item.path, title=item.title, published=published, lede=item.lede,
                       body_html=item.body_html, image=image, authors=list(item.authors), tags=[])


def problems(items: Iterable[CorpusItem]) -> list:
    """What would make these items useless as expectations: no paragraphs, or boilerplate in them."""
    bad = []
    for item in items:
        if not item.paragraphs:
            bad.append(f"{item.file}: no paragraphs")
        for text in item.paragraphs:
            for needle in ("分享 :", "获取更多RSS", "Array", "<", "&amp;", "继续浏览后续"):
                if needle in text:
                    bad.append(f"{item.file}: {needle!r} in {text[:40]!r}")
        if not item.title or not item.path.startswith("/cn/"):
            bad.append(f"{item.file}: title or path")
    return bad


def main(argv: list) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else corpus_dir()
    items = load_corpus(folder)
    counts = [len(i.paragraphs) for i in items]
    print(f"{folder}: {len(items)} items, paragraphs min {min(counts)} max {max(counts)} "
          f"total {sum(counts)}; no image {sum(1 for i in items if not i.image_url)}; "
          f"no lede {sum(1 for i in items if not i.lede)}; with authors {sum(1 for i in items if i.authors)}")
    bad = problems(items)
    for line in bad:
        print("PROBLEM", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
