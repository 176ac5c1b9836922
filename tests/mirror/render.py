"""Markup like RFI's Chinese editions and feedx's, rendered from plain specs.

Tests need pages whose every field is known in advance, with the boilerplate that
the real site wraps around an article (ads, read-also boxes, share bars, promos,
related cards) so that a leak of that boilerplate into an item can be detected.
Class names and nesting follow shared/rfi-markup.md; all visible text here is
invented for the tests.

A page is of the edition its path names (/cn/ or /tw/: its lang, og:locale, hreflang and
links); listings take their edition. The furniture's text stays Simplified in both: it is
there to be left out.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Iterable, Optional, Sequence
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from crawler.editions import CN, TW, Edition

RFI_BASE = "https://www.rfi.fr"
SITE_NAME = "RFI - 法国国际广播电台"
DEFAULT_OG_IMAGE = "https://static.rfi.fr/meta_og_twcards/RFI_FB.png"
PLACEHOLDER_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
FACEBOOK_APP_ID = "487512360014592"
RENDITIONS = (246, 388, 720, 980)

# Every visible text the renderer adds around an article. None of it may reach an item.
SHARE_LABEL = "分享 :"
SHARE_HINT = "复制下方链接即可把这篇报道转给关心此事的朋友"
NEWSLETTER_TITLE = "订阅RFI华语电子报"
NEWSLETTER_TEXT = "每个工作日清晨，编辑部精选的国际要闻将准时送到您的邮箱。"
NEWSLETTER_BUTTON = "立即免费订阅电子报"
APP_TITLE = "下载RFI法广应用程序"
APP_TEXT = "随时随地收听直播节目，第一时间收到突发新闻推送。"
APP_BUTTON = "前往应用商店下载"
AD_LABEL_FR = "Publicité"
AD_LABEL_CN = "广告"
AD_REPORT = "举报广告"
AD_TEXT = "以下内容由合作伙伴提供，与本台编辑立场无关。"
AD_CONTINUE = "继续浏览后续"
READ_ALSO_LABEL = "延伸阅读"
READ_ALSO_TITLE = "回顾：过去十年间这一议题经历的三次重大转折"
ASIDE_HEADING = "您可能还会感兴趣的内容"
ASIDE_TITLES = (
    "专家解读：全球供应链重组背后的地缘政治考量",
    "图集：一座古城在战火之后的缓慢重建",
    "访谈：一位年轻研究员眼中的气候谈判困局",
)
AUTHOR_LABEL = "作者 :"
PUBLISHED_LABEL = "发表时间："
MODIFIED_LABEL = "更新时间："
VIDEO_LABEL = "点击播放本台记者现场拍摄的视频"
NAV_SKIP = "跳至主要内容"
NAV_LOGO = "RFI 法国国际广播电台 华语网"
NAV_LIVE = "直播收听全天节目"
NAV_TICKER = "最新消息滚动播报"
NAV_HOME = "首页"
NAV_EDITORS = "华语编辑部全体成员"
NAV_EXTERNAL = "France 24 法兰西24电视台"
FOOTER_ABOUT = "法国国际广播电台是法国公共媒体集团旗下面向全球的广播机构，以二十多种语言全天候播报新闻。"
FOOTER_LINKS = ("联系华语编辑部", "网站使用条款", "个人数据与Cookie管理")
FOOTER_COPYRIGHT = "版权所有 © 2024 法国国际广播电台 保留一切权利"

BOILERPLATE = (
    SHARE_LABEL, SHARE_HINT, NEWSLETTER_TITLE, NEWSLETTER_TEXT, NEWSLETTER_BUTTON,
    APP_TITLE, APP_TEXT, APP_BUTTON, AD_LABEL_FR, AD_LABEL_CN, AD_REPORT, AD_TEXT, AD_CONTINUE,
    READ_ALSO_LABEL, READ_ALSO_TITLE, ASIDE_HEADING, *ASIDE_TITLES, AUTHOR_LABEL,
    PUBLISHED_LABEL, MODIFIED_LABEL, VIDEO_LABEL, NAV_SKIP, NAV_LOGO, NAV_LIVE, NAV_TICKER,
    NAV_HOME, NAV_EDITORS, NAV_EXTERNAL, FOOTER_ABOUT, *FOOTER_LINKS, FOOTER_COPYRIGHT,
)

# Article-like links that boilerplate points to; no mirror serves them.
ARCHIVE_LINKS = (
    ("/cn/国际/20190611-专家解读-全球供应链重组背后的地缘政治考量", ASIDE_TITLES[0]),
    ("/cn/欧洲/20190702-图集-一座古城在战火之后的缓慢重建", ASIDE_TITLES[1]),
    ("/cn/国际/20190903-访谈-一位年轻研究员眼中的气候谈判困局", ASIDE_TITLES[2]),
)
READ_ALSO_PATH = "/cn/专题/20190415-回顾-过去十年间这一议题经历的三次重大转折"
NAV_SECTIONS = ("中国", "法国", "港澳台", "亚洲", "美洲", "欧洲", "非洲", "中东", "国际")

EDITIONS = {edition.code: edition for edition in (CN, TW)}
# The locale rfi.fr's pages (og:locale) and, as zh-CN / zh-cn, its feeds and news sitemap give each edition.
LOCALES = {"cn": "zh_CN", "tw": "zh_TW"}


@dataclass
class ArticleSpec:
    """Everything that a rendered article shows; the variant flags add page furniture."""

    path: str
    title: str
    published: datetime
    modified: Optional[datetime] = None
    lede: Optional[str] = None
    body_html: str = ""
    image: Optional[dict] = None
    authors: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    keywords_as: str = "list"
    extra_jsonld_blocks: bool = False
    share_bar: bool = False
    related_aside: bool = False
    self_promo: bool = False
    interstitial_ad: bool = False
    read_also: bool = False
    video_main_media: bool = False
    # The same article in the other script ({"zh-Hant": URL}), linked from <head> as rfi.fr links it.
    alternates: dict = field(default_factory=dict)

    @property
    def section(self) -> str:
        return section_of(self.path)

    @property
    def edition(self) -> Edition:
        return edition_of(self.path)


# ---------------------------------------------------------------- helpers

def paris_tz():
    """Europe/Paris, from the system's zoneinfo or dateutil's bundled copy."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no tzdata on this machine
        from dateutil import tz

        return tz.gettz("Europe/Paris")


def edition_of(path: str) -> Edition:
    """The edition a path is under; /cn/'s for any other path."""
    parts = [p for p in path.split("/") if p]
    return EDITIONS.get(parts[0] if parts else "", CN)


def section_of(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 else ""


def encode_path(path: str) -> str:
    """UTF-8 percent-encoding of a decoded path, as RFI's links and feeds carry it."""
    return quote(path, safe="/")


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + encode_path(path)


def utc_iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def paris_display(dt: datetime) -> str:
    return dt.astimezone(paris_tz()).strftime("%d/%m/%Y - %H:%M")


def rfc822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def rendition(image_url: str, width: int) -> str:
    return re.sub(r"/w:\d+/", f"/w:{width}/", image_url, count=1)


def short_code(path: str) -> str:
    """A stable stand-in for the rfi.my code of an article."""
    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:4]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _jsonld(data) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _insert_blocks(body: str, blocks: Sequence[tuple]) -> str:
    """Put each (fraction, block) after the paragraph at about that fraction of the body.

    Places are counted on the body as written, so one inserted block (which may hold
    a <p> of its own) never shifts or swallows another.
    """
    ends = [m.end() for m in re.finditer(r"</p>", body)]
    cuts = []
    for fraction, block in blocks:
        cut = ends[min(max(int(len(ends) * fraction), 1), len(ends)) - 1] if ends else len(body)
        cuts.append((cut, block))
    for cut, block in sorted(cuts, key=lambda c: c[0], reverse=True):
        body = body[:cut] + block + body[cut:]
    return body


def _strip_classes(markup: str) -> str:
    return re.sub(r'\sclass="[^"]*"', "", markup)


# ---------------------------------------------------------------- page blocks

SVG_ARROW = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'
             '<path d="M1 20h38M20 1l19 19-19 19" fill="none" stroke="currentColor"/></svg>')


def interstitial_ad_html() -> str:
    return (
        '<div class="m-interstitial"><div class="m-interstitial__ad" data-readmore-target>'
        '<div class="m-block-ad" data-tms-ad-type="box" data-tms-ad-status="idle" data-tms-ad-pos="1">'
        f'<div class="m-block-ad__header"><span class="m-block-ad__label">{AD_LABEL_FR}</span>'
        f'<span class="m-block-ad__label-cn">{AD_LABEL_CN}</span>'
        f'<button title="{AD_REPORT}" rel="noopener" data-tms-ad-report>{SVG_ARROW}</button></div>'
        f'<div class="m-block-ad__slot"><p class="m-block-ad__notice">{AD_TEXT}</p></div></div></div>'
        f'<button class="m-interstitial__unlocker" data-readmore-unlocker><span>{AD_CONTINUE}</span>'
        f'<span>{SVG_ARROW}</span></button></div>'
    )


def read_also_html() -> str:
    return (
        '<div class="m-em-flash"><div class="m-em-flash__header">'
        f'<span class="m-em-flash__label">{READ_ALSO_LABEL}</span></div>'
        f'<a class="a-read-more" href="{encode_path(READ_ALSO_PATH)}">'
        f'<p class="a-read-more__title">{READ_ALSO_TITLE}</p></a></div>'
    )


def related_aside_html() -> str:
    cards = "".join(
        '<div class="m-item-list-article" data-article-list>'
        f'<a data-article-item-link href="{esc(path)}"><div class="article__infos">'
        '<div class="article__metadata"><time datetime="2019-06-11T08:00:00+00:00">11/06/2019</time></div>'
        f'<p class="article__title">{esc(title)}</p></div></a></div>'
        for path, title in ARCHIVE_LINKS
    )
    return (
        '<aside class="o-aside-content" data-org-type="aside-content--highlighted">'
        f'<h2 class="o-aside-content__title">{ASIDE_HEADING}</h2>{cards}</aside>'
    )


def self_promo_html(with_text: bool, edition: Edition = CN) -> str:
    """RFI's promo slots; feedx shows them empty, the site fills them."""
    if not with_text:
        return "<div data-selfpromo-newsletter></div><div data-selfpromo-app></div>"
    return (
        '<div class="o-self-promo o-self-promo--nl" data-selfpromo-newsletter>'
        f'<h3 class="o-self-promo__title">{NEWSLETTER_TITLE}</h3><p class="o-self-promo__text">{NEWSLETTER_TEXT}</p>'
        f'<a class="o-self-promo__button" href="/{edition.code}/newsletters/">{NEWSLETTER_BUTTON}</a></div>'
        '<div class="o-self-promo o-self-promo--app" data-selfpromo-app>'
        f'<h3 class="o-self-promo__title">{APP_TITLE}</h3><p class="o-self-promo__text">{APP_TEXT}</p>'
        f'<a class="o-self-promo__button" href="https://www.rfi.fr/{edition.code}/app">{APP_BUTTON}</a></div>'
    )


def share_links_html(spec: ArticleSpec) -> str:
    """The share links as the corpus shows them: rfi.my codes, whatsapp, x.com with via=RFI_Cn."""
    code = short_code(spec.path)
    page = quote(RFI_BASE + encode_path(spec.path), safe="")
    text = quote(spec.title, safe="")
    short = quote(f"https://rfi.my/{code}", safe="")
    return (
        f'<a href="https://www.facebook.com/dialog/share?app_id={FACEBOOK_APP_ID}&amp;href={short}.F'
        f'&amp;redirect_uri={page}&amp;locale=zh_CN" target="_blank" rel="noopener nofollow"><span></span></a>'
        f'<a href="whatsapp://send?text={text}%20-%20{short}.W" target="_blank" rel="noopener nofollow"><span></span></a>'
        f'<a href="https://web.whatsapp.com/send?text={text}%20-%20{short}.W" target="_blank" rel="noopener nofollow"><span></span></a>'
        f'<a href="https://x.com/intent/tweet?url={short}.X&amp;via=RFI_Cn&amp;related=RFI_Cn&amp;text={text}&amp;lang=zh-cn"'
        ' target="_blank" rel="noopener nofollow"><span></span></a>'
        '<span data-root-share><share-button v-on:open="openModal"></share-button>'
        '<share-modal v-if="displayModal" v-on:close="closeModal"></share-modal></span>'
    )


def share_bar_html(spec: ArticleSpec) -> str:
    return (
        '<div class="t-content__shares"><div class="m-share-bar">'
        f'<div class="m-share-bar__label">{SHARE_LABEL}</div>'
        f'<div class="m-share-bar__list">{share_links_html(spec)}</div>'
        f'<p class="m-share-bar__hint">{SHARE_HINT}</p></div></div>'
    )


def figure_html(image: dict, *, main: bool) -> str:
    """A figure with the 1x1 placeholder in src and the real renditions in srcset."""
    url = image["url"]
    widths = list(RENDITIONS) + ([1280] if "/w:1280/" in url else [])
    srcset = ", ".join(f"{rendition(url, w)} {w}w" for w in widths)
    webp = ", ".join(f"{re.sub(r'[.](jpe?g|png)$', '.webp', rendition(url, w), flags=re.I)} {w}w" for w in widths)
    img_class = "m-figure__img" if main else "m-figure__img m-figure__img--inline"
    return (
        f'<figure class="m-figure"><picture class="m-figure__picture">'
        f'<source type="image/webp" srcset="{esc(webp)}" sizes="(min-width: 1024px) 720px, 100vw"/>'
        f'<img class="{img_class}" src="{PLACEHOLDER_GIF}" srcset="{esc(srcset)}" '
        f'sizes="(min-width: 1024px) 720px, 100vw" alt="{esc(image["caption"])}" width="720" height="405" loading="lazy">'
        f'</picture><figcaption class="m-figure__caption"><span class="m-figure__caption__text">{esc(image["caption"])}</span> '
        f'<span class="m-figure__caption__copyright">{esc(image["credit"])}</span></figcaption></figure>'
    )


def video_html(spec: ArticleSpec) -> str:
    video_id = "WB" + short_code(spec.path).upper()
    meta = json.dumps({"id": video_id, "title": spec.title, "duration": 155,
                       "source": f"https://medias.rfi.fr/cn/{video_id}.mp4"}, ensure_ascii=False)
    return (
        '<div class="m-em-video"><video-player source="https://medias.rfi.fr/cn/'
        f'{video_id}.mp4" data-video-id="{video_id}"></video-player>'
        f'<script type="application/json" data-media-video-id="{video_id}">{meta}</script>'
        f'<p class="m-em-video__label">{VIDEO_LABEL}</p></div>'
    )


def header_html(others: Sequence[tuple], edition: Edition = CN) -> str:
    code = edition.code
    menu = edition.sections[:len(NAV_SECTIONS)]  # the regions, in the order of NAV_SECTIONS
    sections = "".join(f'<li><a href="/{code}/{s}/">{s}</a></li>' for s in menu)
    ticker = "".join(f'<li><a href="{esc(path)}">{esc(title)}</a></li>' for path, title in others)
    return (
        '<header class="o-site-header">'
        f'<a class="o-site-header__skip" href="#main-content">{NAV_SKIP}</a>'
        f'<a class="o-site-header__logo" href="/{code}/">{NAV_LOGO}</a>'
        f'<nav class="o-site-nav"><ul class="o-site-nav__list">{sections}</ul></nav>'
        f'<a class="o-site-header__live" href="/{code}/直播/">{NAV_LIVE}</a>'
        f'<div class="o-site-header__ticker"><p class="o-site-header__ticker-label">{NAV_TICKER}</p><ul>{ticker}</ul></div>'
        '<div class="o-site-header__links">'
        f'<a href="/{code}/作者/华语编辑部/">{NAV_EDITORS}</a>'
        '<a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fwww.rfi.fr%2Fcn%2F"><span></span></a>'
        '<a href="https://rfi.my/cn01"><span></span></a>'
        f'<a href="https://www.france24.com/fr/">{NAV_EXTERNAL}</a></div></header>'
    )


def footer_html(edition: Edition = CN) -> str:
    links = "".join(f'<li><a href="/{edition.code}/{quote(t)}/">{t}</a></li>' for t in FOOTER_LINKS)
    return (
        f'<footer class="o-site-footer"><p class="o-site-footer__about">{FOOTER_ABOUT}</p>'
        f'<ul class="o-site-footer__links">{links}</ul>'
        f'<p class="o-site-footer__copyright">{FOOTER_COPYRIGHT}</p></footer>'
    )


def breadcrumb_html(section: str, edition: Edition = CN) -> str:
    code = edition.code
    return (
        '<nav class="m-breadcrumb"><ul class="m-breadcrumb__list">'
        f'<li class="m-breadcrumb__list__item"><a class="m-breadcrumb__list__item__link" href="/{code}/">{NAV_HOME}</a></li>'
        f'<li class="m-breadcrumb__list__item"><a class="m-breadcrumb__list__item__link" href="/{code}/{esc(section)}/">{esc(section)}</a></li>'
        '</ul></nav>'
    )


def _page(head: str, main: str, others: Sequence[tuple], edition: Edition = CN) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{edition.language}" dir="ltr"><head><meta charset="utf-8">'
        f'{head}</head><body>{header_html(others, edition)}'
        f'<main><div id="main-content" class="o-layout">{main}</div></main>{footer_html(edition)}</body></html>\n'
    )


# ---------------------------------------------------------------- article page

def news_article_jsonld(spec: ArticleSpec, url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": url,
        "headline": spec.title,
        "datePublished": utc_iso(spec.published),
        "articleSection": spec.section,
        "inLanguage": spec.edition.language,
        "publisher": {"@type": "Organization", "name": "RFI",
                      "logo": {"@type": "ImageObject", "url": "https://static.rfi.fr/meta_og_twcards/logo.png"}},
    }
    if spec.modified:
        data["dateModified"] = utc_iso(spec.modified)
    if spec.lede:
        data["description"] = spec.lede
    if spec.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in spec.authors]
    if spec.tags:
        data["keywords"] = list(spec.tags) if spec.keywords_as == "list" else ", ".join(spec.tags)
    if spec.image:
        if spec.extra_jsonld_blocks:
            data["image"] = {"@type": "ImageObject", "url": spec.image["url"], "width": 1280, "height": 720}
        else:
            data["image"] = [spec.image["url"]]
    return data


def _jsonld_blocks(spec: ArticleSpec, url: str, base_url: str) -> str:
    article = news_article_jsonld(spec, url)
    if not spec.extra_jsonld_blocks:
        return _jsonld(article)
    code = spec.edition.code
    website = {"@context": "https://schema.org", "@type": "WebSite", "name": SITE_NAME, "url": f"{base_url}/{code}/",
               "potentialAction": {"@type": "SearchAction", "target": f"{base_url}/{code}/search/?term={{q}}",
                                   "query-input": "required name=q"}}
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": NAV_HOME, "item": f"{base_url}/{code}/"},
        {"@type": "ListItem", "position": 2, "name": spec.section, "item": absolute(base_url, f"/{code}/{spec.section}/")},
    ]}
    return _jsonld(website) + _jsonld(crumbs) + _jsonld([article])


def _article_head(spec: ArticleSpec, url: str, base_url: str) -> str:
    image = spec.image["url"] if spec.image else DEFAULT_OG_IMAGE
    lines = [
        f"<title>{esc(spec.title)} - {SITE_NAME}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="description" content="{esc(spec.lede or "")}">',
        f'<meta name="keywords" content="{esc(", ".join(spec.tags))}">',
        f'<meta property="og:site_name" content="{SITE_NAME}">',
        f'<meta property="og:locale" content="{LOCALES[spec.edition.code]}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{esc(spec.title)}">',
        f'<meta property="og:description" content="{esc(spec.lede or "")}">',
        f'<meta property="og:url" content="{esc(url)}">',
        f'<meta property="og:image" content="{esc(image)}">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:site" content="@RFI_Cn">',
        f'<meta name="twitter:title" content="{esc(spec.title)}">',
        f'<meta property="article:published_time" content="{utc_iso(spec.published)}">',
    ]
    if spec.modified:
        lines.append(f'<meta property="article:modified_time" content="{utc_iso(spec.modified)}">')
    lines += [f'<meta property="article:tag" content="{esc(tag)}">' for tag in spec.tags]
    lines.append(f'<link rel="alternate" hreflang="{spec.edition.language}" href="{esc(url)}">')
    lines += [f'<link rel="alternate" hreflang="{esc(language)}" href="{esc(other)}">'
              for language, other in spec.alternates.items()]
    lines.append(_jsonld_blocks(spec, url, base_url))
    return "".join(lines)


def _dates_html(spec: ArticleSpec) -> str:
    parts = [f'<span class="m-pub-dates__label">{PUBLISHED_LABEL}</span>'
             f'<span class="m-pub-dates__date"><time datetime="{utc_iso(spec.published)}" pubdate="pubdate">'
             f'{paris_display(spec.published)}</time></span>']
    if spec.modified:
        parts.append(f'<span class="m-pub-dates__label">{MODIFIED_LABEL}</span>'
                     f'<span class="m-pub-dates__date"><time datetime="{utc_iso(spec.modified)}">'
                     f'{paris_display(spec.modified)}</time></span>')
    return f'<div class="t-content__dates"><p class="m-pub-dates">{"".join(parts)}</p></div>'


def _authors_html(spec: ArticleSpec) -> str:
    if not spec.authors:
        return ""
    names = '<span class="m-from-author__sep">、</span>'.join(
        f'<a class="m-from-author__name" href="/{spec.edition.code}/作者/{esc(name)}/" title="{esc(name)}">{esc(name)}</a>'
        for name in spec.authors
    )
    return f'<div class="m-from-author"><span class="m-from-author__by-label">{AUTHOR_LABEL}</span> {names}</div>'


def article_body_html(spec: ArticleSpec, *, feedx: bool = False) -> str:
    """The body with the in-body furniture (ad, read-also, related cards, promo slots) put in.

    feedx keeps the ad (as the corpus shows) but shows the promo slots empty; read-also
    boxes and related cards, never seen in the corpus, are left out there because once
    feedx strips their classes nothing tells them from article text.
    """
    blocks = []
    if spec.interstitial_ad:
        blocks.append((1 / 3, interstitial_ad_html()))
    if spec.related_aside and not feedx:
        blocks.append((1 / 2, related_aside_html()))
    if spec.read_also and not feedx:
        blocks.append((2 / 3, read_also_html()))
    return _insert_blocks(spec.body_html, blocks) + self_promo_html(spec.self_promo and not feedx, spec.edition)


def render_article_page(spec: ArticleSpec, *, base_url: str = RFI_BASE, others: Sequence[tuple] = ARCHIVE_LINKS) -> str:
    """A whole rfi.fr article page; `others` are (path, title) links shown in the header."""
    url = absolute(base_url, spec.path)
    if spec.video_main_media:
        media = f'<div class="t-content__main-media">{video_html(spec)}</div>'
    elif spec.image:
        media = f'<div class="t-content__main-media">{figure_html(spec.image, main=True)}</div>'
    else:
        media = ""
    tags = "".join(f'<li class="m-tags-list__tag"><a href="/{spec.edition.code}/关键词/{esc(t)}/">{esc(t)}</a></li>'
                   for t in spec.tags)
    article = (
        '<article class="t-content__article" data-article-content>'
        f'<div class="t-content__section a-tag"><span class="a-tag__wrapper">{esc(spec.section)}</span></div>'
        f'<h1 class="t-content__title a-page-title">{esc(spec.title)}</h1>'
        + (f'<p class="t-content__chapo">{esc(spec.lede)}</p>' if spec.lede else "")
        + _dates_html(spec)
        + (share_bar_html(spec) if spec.share_bar else "")
        + media
        + _authors_html(spec)
        + f'<div class="t-content__body u-clearfix">{article_body_html(spec)}</div>'
        + (f'<div class="t-content__tags"><ul class="m-tags-list">{tags}</ul></div>' if tags else "")
        + "</article>"
    )
    main = breadcrumb_html(spec.section, spec.edition) + f'<div class="t-content">{article}</div>'
    return _page(_article_head(spec, url, base_url), main, others, spec.edition)


def render_empty_page(path: str) -> str:
    """The site's shell with no article in it (an emptied or withdrawn page at an article URL)."""
    head = (f"<title>{SITE_NAME}</title>"
            f'<meta property="og:site_name" content="{SITE_NAME}"><meta property="og:image" content="{DEFAULT_OG_IMAGE}">')
    edition = edition_of(path)
    main = (breadcrumb_html(section_of(path), edition)
            + '<div class="t-content"><div class="t-content__body u-clearfix"></div></div>')
    return _page(head, main, ARCHIVE_LINKS, edition)


# ---------------------------------------------------------------- listings

def _card(spec: ArticleSpec) -> str:
    image = f'<figure class="m-figure">{_card_img(spec)}</figure>' if spec.image else ""
    return (
        '<div class="m-item-list-article" data-article-list>'
        f'<a data-article-item-link href="{encode_path(spec.path)}">{image}<div class="article__infos">'
        f'<div class="article__metadata"><time datetime="{utc_iso(spec.published)}">{paris_display(spec.published)}</time></div>'
        f'<p class="article__title">{esc(spec.title)}</p></div></a></div>'
    )


def _card_img(spec: ArticleSpec) -> str:
    return f'<img src="{PLACEHOLDER_GIF}" srcset="{esc(rendition(spec.image["url"], 388))} 388w" alt="">'


def render_section_page(section: str, specs: Iterable[ArticleSpec], *, base_url: str = RFI_BASE,
                        edition: Edition = CN) -> str:
    """A listing page (section, tag, column or home): a masterhead then article cards."""
    specs = sorted(specs, key=lambda s: s.published, reverse=True)
    home = f"{base_url}/{edition.code}/"
    head = (f"<title>{esc(section)} - {SITE_NAME}</title>"
            f'<meta property="og:title" content="{esc(section)}"><meta property="og:type" content="website">'
            + _jsonld({"@context": "https://schema.org", "@type": "WebSite", "name": SITE_NAME, "url": home}))
    main = (f'<div class="o-pb-masterhead"><h1 class="o-pb-masterhead__title">{esc(section)}</h1></div>'
            f'<div class="o-layout-list">{"".join(_card(s) for s in specs)}</div>')
    return _page(head, main, ARCHIVE_LINKS, edition)


def render_rss(items: Iterable[tuple], title: str, *, base_url: str = RFI_BASE, link_path: str = "",
               edition: Edition = CN) -> str:
    """RSS 2.0 like /cn/rss; items are (ArticleSpec, absolute URL) pairs, written in the given order.

    link_path is the channel's page, the edition's home by default."""
    link_path = link_path or f"/{edition.code}/"
    language = LOCALES[edition.code].replace("_", "-")
    out = []
    for spec, url in items:
        parts = [
            f"<title>{xml_escape(spec.title)}</title>",
            f"<description>{xml_escape(spec.lede or '')}</description>",
            f"<link>{xml_escape(url)}</link>",
            f"<category>{xml_escape(spec.section)}</category>",
        ]
        if spec.authors:
            parts.append(f"<dc:creator>{xml_escape(', '.join(spec.authors))}</dc:creator>")
        parts += [f"<pubDate>{rfc822(spec.published)}</pubDate>",
                  f'<guid isPermaLink="false">{xml_escape(url)}</guid>']
        if spec.image:
            thumb = rendition(spec.image["url"], 720)
            parts += [f"<enclosure url={quoteattr(thumb)} type=\"image/jpeg\" length=\"0\"/>",
                      f"<media:thumbnail url={quoteattr(thumb)} width=\"720\" height=\"405\"/>"]
        out.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{xml_escape(title)}</title><link>{xml_escape(absolute(base_url, link_path))}</link>"
        f"<description>{xml_escape(title)}</description><language>{language}</language>"
        + "".join(out) + "</channel></rss>\n"
    )


def render_news_sitemap(entries: Iterable[tuple], edition: Edition = CN) -> str:
    """Google-News sitemap; entries are (ArticleSpec, absolute URL) pairs."""
    language = LOCALES[edition.code].replace("_", "-").lower()
    out = []
    for spec, url in entries:
        lastmod = utc_iso(spec.modified or spec.published)
        image = ""
        if spec.image:
            image = (f"<image:image><image:loc>{xml_escape(spec.image['url'])}</image:loc>"
                     f"<image:caption>{xml_escape(spec.image['caption'])}</image:caption></image:image>")
        out.append(
            f"<url><loc>{xml_escape(url)}</loc><lastmod>{lastmod}</lastmod><news:news>"
            f"<news:publication><news:name>RFI</news:name><news:language>{language}</news:language></news:publication>"
            f"<news:publication_date>{utc_iso(spec.published)}</news:publication_date>"
            f"<news:title>{xml_escape(spec.title)}</news:title>"
            f"<news:keywords>{xml_escape(', '.join(spec.tags))}</news:keywords></news:news>{image}</url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">' + "".join(out) + "</urlset>\n"
    )


def render_sitemap_index(child_urls: Iterable) -> str:
    """Items are URLs or (URL, lastmod datetime) pairs."""
    out = []
    for child in child_urls:
        url, lastmod = child if isinstance(child, tuple) else (child, None)
        mod = f"<lastmod>{utc_iso(lastmod)}</lastmod>" if lastmod else ""
        out.append(f"<sitemap><loc>{xml_escape(url)}</loc>{mod}</sitemap>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(out) + "</sitemapindex>\n")


def render_monthly_sitemap(entries: Iterable[tuple]) -> str:
    """A urlset of loc + lastmod; entries are (URL, lastmod datetime or None) pairs."""
    out = []
    for url, lastmod in entries:
        mod = f"<lastmod>{utc_iso(lastmod)}</lastmod>" if lastmod else ""
        out.append(f"<url><loc>{xml_escape(url)}</loc>{mod}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(out) + "</urlset>\n")


def render_robots(base_url: str, edition: Edition = CN) -> str:
    """robots.txt with the edition's rules and sitemaps."""
    base = base_url.rstrip("/")
    code = edition.code
    return (
        "User-agent: *\n"
        f"Disallow: /{code}/search/\n"
        "Disallow: /fr/recherche/\n"
        "Disallow: /ajax/\n"
        "\n"
        f"Sitemap: {base}/sitemaps/{code}/index.xml\n"
        f"Sitemap: {base}/sitemaps/{code}/news.xml\n"
    )


# ---------------------------------------------------------------- feedx

def feedx_item_html(spec: ArticleSpec, *, share: Optional[bool] = None, footer: bool = False,
                    array_placeholder: bool = False) -> str:
    """The one-line item HTML feedx makes of an article: classes stripped, promo slots empty."""
    if spec.image:
        image = f'<img src="{esc(spec.image["url"])}">'
    else:
        image = "Array" if array_placeholder else ""
    lede = f"<p><strong>{esc(spec.lede or '')}        </strong></p>"
    body = _strip_classes(article_body_html(spec, feedx=True))
    parts = [f"<div>{paris_display(spec.published)}</div>", image, lede, f"<div>{body}</div>"]
    if spec.share_bar if share is None else share:
        parts.append(f"<div><div>{SHARE_LABEL}</div><div>{share_links_html(spec)}</div></div>")
    if footer:
        parts.append('<br><hr><div>获取更多RSS：<br><a href="https://feedx.net" style="color:orange" target="_blank">'
                     'https://feedx.net</a> <br><a href="https://feedx.best" style="color:orange" target="_blank">'
                     "https://feedx.best</a><br></div>")
    return "".join(parts)


def render_feedx_item(spec: ArticleSpec, epoch_ms: int, *, link: Optional[str] = None, base_url: str = RFI_BASE,
                      **html_options) -> str:
    """A saved feedx item file: polling time, [title](link), a rule, a blank line, the item HTML."""
    link = link or absolute(base_url, spec.path)
    title = html.escape(spec.title, quote=False).replace('"', "&quot;")
    return f"<!--{epoch_ms}-->\n[{title}]({link})\n------\n\n{feedx_item_html(spec, **html_options)}\n"


def render_feedx_rss(items: Iterable[tuple], title: str = "法国国际广播电台") -> str:
    """feedx.net's RSS; items are (ArticleSpec, absolute link) pairs, the item HTML in description."""
    out = []
    for spec, link in items:
        body = feedx_item_html(spec).replace("]]>", "]]]]><![CDATA[>")
        out.append(f"<item><title>{xml_escape(spec.title)}</title><link>{xml_escape(link)}</link>"
                   f"<description><![CDATA[{body}]]></description><pubDate>{rfc822(spec.published)}</pubDate>"
                   f'<guid isPermaLink="false">{xml_escape(link)}</guid></item>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{xml_escape(title)}</title><link>https://feedx.net</link>"
            f"<description>{xml_escape(title)}</description>" + "".join(out) + "</channel></rss>\n")
