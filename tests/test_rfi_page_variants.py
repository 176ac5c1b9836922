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
