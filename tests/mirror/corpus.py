"""The real feedx items under $RFI_CORPUS, read independently of the crawler's code.

Expectations computed here (title, date, lede, paragraphs) are compared with what
the crawler extracts, so this reader shares no code with it: regexes for the
header, lxml for the body. The text itself is never copied into the repository.
"""

from __future__ import annotations

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

from .render import ArticleSpec, paris_tz

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = Path("..") / "shared" / "corpus" / "feedx-rfi"

HEADER = re.compile(r"<!--(\d+)-->\n\[(.*)\]\((\S*)\)\n-{3,}\n\n", re.S)
DATE = re.compile(r"\s*<div>\s*(\d\d)/(\d\d)/(\d{4}) - (\d\d):(\d\d)\s*</div>")
IMAGE = re.compile(r'\s*(?:<img\s+src="([^"]*)"[^>]*>|Array)')
LEDE = re.compile(r"\s*<p>\s*<strong>(.*?)</strong>\s*</p>", re.S)
# Where the article body ends in a feedx item: share block, author box, feedx footer.
TRAILERS = (re.compile(r"<div>\s*<div>\s*分享\s*:"), re.compile(r"(?:<div>\s*)+<span>作者："),
            re.compile(r"<br>\s*<hr>\s*<div>\s*获取更多RSS"))

BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "li"}
SKIP_TAGS = {"figure", "figcaption", "aside", "button", "script", "style", "svg", "iframe", "header", "footer", "nav"}
SKIP_ATTRS = ("data-selfpromo-newsletter", "data-selfpromo-app", "data-readmore-target", "data-readmore-unlocker",
              "data-tms-ad-type", "data-root-share")
SKIP_CLASSES = {"m-interstitial", "m-block-ad", "m-em-flash", "a-read-more", "o-self-promo", "o-aside-content",
                "m-share-bar", "t-content__shares", "m-from-author", "m-item-list-article"}
FEEDX_LABELS = ("分享 :", "分享:", "作者：")  # first child of feedx's share block and author box


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

def _classes(el) -> set:
    return set((el.get("class") or "").split())


def _excluded(el) -> bool:
    """Is this element boilerplate (figure, card, ad, promo, share, author box, feedx footer)?"""
    if not isinstance(el.tag, str):
        return True
    if el.tag in SKIP_TAGS or any(a in el.attrib for a in SKIP_ATTRS) or _classes(el) & SKIP_CLASSES:
        return True
    if el.tag == "a" and el.find(".//figure") is not None:
        return True
    if el.tag == "div":
        first = next((c for c in el if isinstance(c.tag, str)), None)
        labelled = first is not None and first.tag in ("div", "span") and collapse(first.text_content()) in FEEDX_LABELS
        return labelled or collapse(el.text or "").startswith("获取更多RSS")
    return False


def block_text(el) -> str:
    """Text of a block: entities decoded, nested tags flattened without added spaces, whitespace collapsed."""
    return collapse("".join(el.itertext()))


def extract_paragraphs(root) -> list:
    """Text blocks (p, h2-h6, li) in document order under root, boilerplate excluded, empty ones dropped."""
    out = []

    def walk(el):
        for child in el:
            if _excluded(child):
                continue
            if child.tag in BLOCKS and not any(d.tag in BLOCKS for d in child.iterdescendants() if isinstance(d.tag, str)):
                text = block_text(child)
                if text:
                    out.append(text)
            else:
                walk(child)

    walk(root)
    return out


def parse_fragment(markup: str):
    return lxml.html.fragment_fromstring(markup or "<p></p>", create_parent="div")


# ---------------------------------------------------------------- items

def read_item(path: Path) -> CorpusItem:
    raw = path.read_text(encoding="utf-8")
    header = HEADER.match(raw)
    if not header:
        raise Skip("bad_header", path.name)
    fetched, title, link = header.groups()
    if not link:
        raise Skip("no_link", path.name)
    rest = raw[header.end():]

    date = DATE.match(rest)
    if not date:
        raise Skip("no_date", path.name)
    day, month, year, hour, minute = map(int, date.groups())
    local = datetime(year, month, day, hour, minute, tzinfo=paris_tz())
    rest = rest[date.end():]

    image = IMAGE.match(rest)
    image_url = None
    if image:
        image_url = html.unescape(image.group(1)) if image.group(1) else None
        rest = rest[image.end():]

    lede = None
    match = LEDE.match(rest)
    if match:
        lede = block_text(parse_fragment(match.group(0))) or None
        rest = rest[match.end():]

    repaired = repair_feedx_markup(rest.strip())
    authors = [collapse(a.text_content()) for a in parse_fragment(repaired).xpath(
        "//div[span[normalize-space()='作者：']]/a") if collapse(a.text_content())]
    return CorpusItem(
        file=path.name,
        link=link,
        path=unquote(urlsplit(link).path),
        title=collapse(html.unescape(title)),
        published_utc=local.astimezone(timezone.utc).isoformat(),
        fetched_at_ms=int(fetched),
        image_url=image_url,
        lede=lede,
        paragraphs=extract_paragraphs(parse_fragment(repaired)),
        body_html=_body_only(repaired),
        authors=authors,
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


def _body_only(markup: str) -> str:
    """The body's inner HTML: up to the first trailer, without feedx's wrapping <div>."""
    cut = min([m.start() for t in TRAILERS if (m := t.search(markup))] + [len(markup)])
    body = markup[:cut].strip()
    opening = re.match(r"<div\s*>", body)
    if opening and body.endswith("</div>"):
        body = body[opening.end():-len("</div>")]
    return body


def load_corpus(path=None) -> list:
    """Every *.md (corpus) or *.txt (seed) item under path, sorted by file name."""
    folder = Path(path) if path else corpus_dir()
    files = sorted(p for p in folder.iterdir() if p.suffix in (".md", ".txt") and p.is_file())
    return [read_item(p) for p in files]


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
