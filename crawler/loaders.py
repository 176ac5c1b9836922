"""Filling an Article from a page object, the same way for every source.

A page object (rfi.fr page, feedx item) yields candidate values per field in
order of trust, as plain text it has cleaned for its kind (see crawler.extract.text).
first_usable() and the processors below only normalise whitespace, which body blocks
still need, and keep the first usable value: cleaning text twice would decode it twice.
"""

from urllib.parse import urljoin, urlsplit

from itemloaders.processors import Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader
from w3lib.url import safe_url_string

from crawler.editions import EDITIONS
from crawler.extract.dates import to_utc_iso, utc_now_iso
from crawler.extract.image import usable_image_url
from crawler.extract.text import non_empty_text
from crawler.items import Article
from crawler.urls import RFI_HOSTS, article_id, section_of

# The editions' languages an article is paired across, by hreflang lower-cased (BCP 47 tags ignore case).
SCRIPTS = {edition.language.lower(): edition.language for edition in EDITIONS}


def unique(values):
    """Drop repeats, keep the first occurrence's order."""
    return list(dict.fromkeys(values))


def clean_image(image):
    url = usable_image_url(image.get("url"))
    if url is None:
        return None
    return {
        "url": url,
        "caption": non_empty_text(image.get("caption")),
        "credit": non_empty_text(image.get("credit")),
    }


class ArticleLoader(ItemLoader):
    """The fields read from the page, cleaned; load_article adds the run's own."""

    default_item_class = Article
    default_input_processor = MapCompose(non_empty_text)
    default_output_processor = TakeFirst()

    paragraphs_out = Identity()
    authors_out = unique
    tags_out = unique
    # Cleaned already, by first_usable().
    title_in = lede_in = image_in = published_in = modified_in = Identity()


def other_scripts(links, page_url, language):
    """{"zh-Hant": URL} or {"zh-Hans": URL} from a page's (hreflang, href) links: its version in the
    other Chinese script, the first link per script. The page's own language is left out, and so are
    links off rfi.fr and the page's own site (a mirror's pages link the mirror). Relative links are
    resolved against the page; URLs come out percent-encoded, as `url` does."""
    sites = RFI_HOSTS | {urlsplit(page_url).netloc.lower()}
    found = {}
    for hreflang, href in links:
        script = SCRIPTS.get((hreflang or "").strip().lower())
        if script is None or script == language or script in found or not (href or "").strip():
            continue
        try:
            url = urljoin(page_url, href.strip())
            parts = urlsplit(url)
        except ValueError:  # "https://[broken"
            continue
        if parts.scheme in ("http", "https") and parts.netloc.lower() in sites:
            found[script] = safe_url_string(url)
    return found


def first_usable(candidates, clean):
    """The first candidate that cleans to a value, cleaned; the fallbacks after it are never computed."""
    for candidate in candidates:
        cleaned = clean(candidate)
        if cleaned not in (None, ""):
            return [cleaned]
    return []


def naive_as_utc(candidates):
    """Last resort when no candidate time carries an offset: rfi.fr writes its times in UTC."""
    return next(filter(None, (to_utc_iso(value, naive_as_utc=True) for value in candidates)), None)


def load_article(page, edition, language, fetched_at=None):
    """An Article from a page object; fields the page lacks are null or empty, never absent."""
    loader = ArticleLoader()
    loader.add_value("section", section_of(page.url))
    loader.add_value("title", first_usable(page.title(), non_empty_text))
    loader.add_value("lede", first_usable(page.lede(), non_empty_text))
    loader.add_value("paragraphs", page.paragraphs())
    loader.add_value("published", first_usable(page.published(), to_utc_iso))
    loader.add_value("modified", first_usable(page.modified(), to_utc_iso))
    loader.add_value("authors", list(page.authors()))
    loader.add_value("tags", list(page.tags()))
    loader.add_value("image", first_usable(page.image(), clean_image))
    loaded = loader.load_item()
    # In the order of crawler.items.Article; `version` is the pipelines' to set.
    return Article(
        id=article_id(page.url),
        url=page.url,
        edition=edition,
        language=language,
        section=loaded.get("section"),
        title=loaded.get("title"),
        lede=loaded.get("lede"),
        paragraphs=loaded.get("paragraphs", []),
        published=loaded.get("published") or naive_as_utc(page.published()),
        modified=loaded.get("modified") or naive_as_utc(page.modified()),
        authors=loaded.get("authors", []),
        tags=loaded.get("tags", []),
        image=loaded.get("image"),
        alternates=other_scripts(page.alternates(), page.url, language),
        source=page.source,
        fetched_at=fetched_at,
        crawled_at=utc_now_iso(),
        via=None,
    )
