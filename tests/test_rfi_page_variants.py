"""Markup variants of an rfi.fr article page, one field each, through the extractor itself."""

from scrapy.http import HtmlResponse

from crawler.articles import Skip, article_from_page

URL = "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240402-%E5%8F%98%E4%BD%93"
BODY = "<div class='t-content__body'><p>第一段正文。</p><p>第二段正文。</p></div>"


def extract(head="", article=""):
    html = f"<html><head>{head}</head><body><article data-article-content>{article}</article></body></html>"
    return article_from_page(HtmlResponse(URL, body=html.encode("utf-8")).selector, URL, "cn", "zh-Hans")


def page(title="变体测试", dates="<div class='t-content__dates'><time datetime='2024-04-02T08:00:00+00:00'></time></div>",
         extra=""):
    return f"<h1 class='t-content__title'>{title}</h1>{dates}{extra}{BODY}"


def test_jsonld_in_a_graph_with_an_unreadable_block_beside_it():
    head = ('<script type="application/ld+json">{not json</script>'
            '<script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle", '
            '"headline": "图谱里的标题", "datePublished": "2024-04-02T10:15:00+02:00", "keywords": "甲, 乙,,丙"}]}'
            "</script>")
    article = extract(head, page(dates=""))
    assert (article["title"], article["published"], article["tags"]) == ("图谱里的标题", "2024-04-02T08:15:00+00:00",
                                                                         ["甲", "乙", "丙"])


def test_dates_block_without_its_wrapper_and_a_modified_time():
    dates = ("<p class='m-pub-dates'><span class='m-pub-dates__date'><time datetime='2024-04-02T06:05:00Z'></time>"
             "</span><span class='m-pub-dates__date'><time datetime='2024-04-02T09:30:00+00:00'></time></span></p>")
    article = extract(article=page(dates=dates))
    assert (article["published"], article["modified"]) == ("2024-04-02T06:05:00+00:00", "2024-04-02T09:30:00+00:00")


def test_times_without_an_offset_are_read_as_utc_when_nothing_better_exists():
    head = '<meta property="article:published_time" content="2024-04-02T06:05:00">'
    assert extract(head, page(dates=""))["published"] == "2024-04-02T06:05:00+00:00"


def test_day_only_dates_are_not_a_publication_time():
    head = '<meta property="article:published_time" content="2024-04-02">'
    assert extract(head, page(dates="")) == Skip("no_date", article=extract(head, page(dates="")).article)


def test_lazy_loaded_main_image_and_a_pull_quote():
    figure = ("<div class='t-content__main-media'><figure class='m-figure'><picture>"
              "<img src='data:image/gif;base64,R0lGOD' data-srcset='https://s.rfi.fr/media/display/u/w:720/p:16x9/a.jpg 720w, "
              "https://s.rfi.fr/media/display/u/w:1280/p:16x9/a.jpg 1280w'></picture>"
              "<figcaption><span>图片说明</span><span>© 作者</span></figcaption></figure></div>")
    quote = ("<div class='t-content__body'><p>引语之前。</p><div class='m-em-quote'><svg><text>“</text></svg>"
             "<blockquote><p>这是一句引语。</p></blockquote></div></div>")
    article = extract(article=page(extra=figure).replace(BODY, quote))
    assert article["image"] == {"url": "https://s.rfi.fr/media/display/u/w:1280/p:16x9/a.jpg",
                                "caption": "图片说明", "credit": "© 作者"}
    assert article["paragraphs"] == ["引语之前。", "这是一句引语。"]


def test_a_video_page_is_not_an_article():
    head = '<script type="application/ld+json">{"@type": "VideoObject", "name": "视频"}</script>'
    assert extract(head, page()) == Skip("not_an_article", "VideoObject")


def test_the_schema_takes_plain_text_as_trimmed_non_empty_strings_the_cleaners_give():
    import json
    import random
    import re
    from pathlib import Path

    from crawler.extract.text import normalize_space, text_from_html

    schema = json.loads((Path(__file__).parent.parent / "crawler" / "schemas" / "article.json").read_text())
    plain_text = re.compile(schema["$defs"]["text"]["pattern"])
    assert schema["$defs"]["text_or_null"]["pattern"] == plain_text.pattern
    pieces = list("<>&;!-/=\"' \n\r\t\x0b\x0c\x1c\x85\xa0\u2028\u3000\u200babX#019:._@`中文") + [
        "<!--", "-->", "<b>", "</p>", "&amp;", "&#12;", "&#x1F;", "<img src=x>", "<script>", "</script>", "&lt;"]
    generator = random.Random(6)
    for _ in range(20000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 12)))
        assert bool(plain_text.search(text)) == (text != "" and text == text.strip()), repr(text)
        for cleaned in (normalize_space(text), text_from_html(text)):
            assert not cleaned or plain_text.search(cleaned), (repr(text), repr(cleaned))


def test_text_that_only_looks_like_markup_is_kept():
    body = "<div class='t-content__body'><p>不等式 a&lt;b 且 c&gt;d 成立，《报告》与&lt;系列报道&gt;。</p></div>"
    article = extract(article=page().replace(BODY, body))
    assert article["paragraphs"] == ["不等式 a<b 且 c>d 成立，《报告》与<系列报道>。"]


def test_an_invisible_character_is_dropped_before_entities_and_tags_are_read():
    # In JSON-LD, HTML source: "&am\u200bp;" is an entity, "<\u200bb>" a tag. In the page the parser
    # has decoded "&amp;" once already and read "<\u200bb>" as text: what is left is shown as it stands.
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "甲&am\u200bp;乙<\u200bb>丙", '
            '"datePublished": "2024-04-02T08:00:00+00:00"}</script>')
    body = "<div class='t-content__body'><p>甲&amp;am\u200bp;乙<\u200bb>丙</p></div>"
    article = extract(head, page().replace(BODY, body))
    assert article["title"] == "甲&乙丙"
    assert article["paragraphs"] == ["甲&amp;乙<b>丙"]


def test_bare_text_lists_and_tables_in_the_body_are_blocks():
    body = ("<div class='t-content__body'>开头没有段落标签的文字，<a href='/cn/x'>带链接</a>。<br>"
            "<ul><li>第一项<ul><li>子项</li></ul></li></ul><table><tr><td>表格单元</td></tr></table>"
            "<div class='m-share-bar'><a href='https://www.facebook.com/dialog/share'>分享</a></div>"
            "<p>最后一段，提到了<a href='https://x.com/intent/tweet'>推特</a>。</p></div>")
    article = extract(article=page().replace(BODY, body))
    assert article["paragraphs"] == ["开头没有段落标签的文字，带链接。", "第一项", "子项", "表格单元",
                                     "最后一段，提到了推特。"]


def test_the_jsonld_about_this_page_wins_over_a_related_one():
    related = ('{"@type": "NewsArticle", "url": "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20200101-%E6%97%A7%E9%97%BB",'
               ' "headline": "相关文章", "datePublished": "2020-01-01T00:00:00+00:00"}')
    this = ('{"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "mainEntityOfPage": {"@id": "' + URL + '"},'
            ' "headline": "本页标题", "datePublished": "2024-04-02T08:00:00+00:00",\n "keywords": "换\nbreak"}}')
    head = "".join(f'<script type="application/ld+json">{block}</script>' for block in (related, this))
    article = extract(head, page(title="本页标题"))
    assert (article["title"], article["published"]) == ("本页标题", "2024-04-02T08:00:00+00:00")
    assert article["tags"] == ["换 break"]


def test_listing_dates_may_be_day_only_or_without_offset():
    from crawler.extract.dates import listing_date

    assert listing_date("2024-01-02") == "2024-01-02T00:00:00+00:00"
    assert listing_date("2024-01-02T10:30:00") == "2024-01-02T10:30:00+00:00"
    assert listing_date("Tue, 02 Jan 2024 10:30:00 +0100") == "2024-01-02T09:30:00+00:00"
    assert listing_date("") is None
