"""The one item this project produces; its JSON Schema is crawler/schemas/article.json."""

import scrapy


class Article(scrapy.Item):
    id = scrapy.Field()  # "rfi-<edition>-<hash of the URL path>", the same from every source
    url = scrapy.Field()  # article URL as crawled, percent-encoded
    edition = scrapy.Field()  # "cn"
    language = scrapy.Field()  # "zh-Hans"
    section = scrapy.Field()  # first path segment after the edition, e.g. "中国"
    title = scrapy.Field()
    lede = scrapy.Field()  # the chapo, or None
    paragraphs = scrapy.Field()  # body text blocks in reading order
    published = scrapy.Field()  # ISO 8601 in UTC, "+00:00"
    modified = scrapy.Field()  # ISO 8601 in UTC, or None
    authors = scrapy.Field()
    tags = scrapy.Field()
    image = scrapy.Field()  # {"url", "caption", "credit"} or None
    alternates = scrapy.Field()  # {"zh-Hant": URL}: the page's version in the other script, as it links it; or {}
    version = scrapy.Field()  # 1 when first emitted, +1 each time its content changes
    source = scrapy.Field()  # "rfi", "feedx", "archive", "wayback", "commoncrawl" or "warc"
    fetched_at = scrapy.Field()  # when feedx polled the item, or the web archive's capture time; else None
    crawled_at = scrapy.Field()  # when this run produced the item, UTC
    via = scrapy.Field()  # the archived copy read: replay URL, "filename#offset"; None for rfi.fr and feedx
