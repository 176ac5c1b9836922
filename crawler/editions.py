"""RFI's Chinese editions, declared: what differs between rfi_cn and rfi_tw is here, and only here.

A new edition is one more declaration and a spider of three lines (crawler/spiders/rfi_tw.py).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    code: str  # the edition's path segment on rfi.fr: /cn/, /tw/
    spider: str  # the name of the spider that crawls it (scrapy crawl rfi_cn), and of its outputs
    language: str  # BCP 47, as its pages declare it (hreflang) and as the articles' `language`
    script: str  # for people: which Chinese script
    # Sections with a feed of their own, /<code>/<section>/rss, as their path segment is written (-a sections=).
    sections: tuple
    # feedx.net's republication of the edition (-a source=feedx, -a archive=), or None when feedx has none.
    feedx_url: str | None
    # What the edition's <title> ends with after " - ", in the spellings seen (the page's own title is
    # what comes before it).
    site_names: tuple


CN = Edition(
    code="cn", spider="rfi_cn", language="zh-Hans", script="Simplified Chinese",
    sections=("中国", "法国", "港澳台", "亚洲", "美洲", "欧洲", "非洲", "中东", "国际", "政治", "滚动新闻", "专栏检索"),
    feedx_url="https://feedx.net/rss/rfi.xml",
    site_names=("RFI - 法国国际广播电台",),
)

TW = Edition(
    code="tw", spider="rfi_tw", language="zh-Hant", script="Traditional Chinese",
    sections=("中國", "法國", "港澳台", "亞洲", "美洲", "歐洲", "非洲", "中東", "國際", "政治", "滾動新聞", "專欄檢索"),
    feedx_url=None,
    site_names=("RFI - 法國國際廣播電台", "RFI - 法國國際廣播電臺"),
)

EDITIONS = (CN, TW)
