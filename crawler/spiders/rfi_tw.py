"""RFI's Chinese service in Traditional Chinese, https://www.rfi.fr/tw/ (feedx publishes no Traditional feed)."""

from crawler.editions import TW
from crawler.spiders.rfi import RfiSpider


class RfiTwSpider(RfiSpider):
    name = TW.spider
    edition = TW
