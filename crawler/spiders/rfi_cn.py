"""RFI's Chinese service in Simplified Chinese, https://www.rfi.fr/cn/."""

from crawler.editions import CN
from crawler.spiders.rfi import RfiSpider


class RfiCnSpider(RfiSpider):
    name = CN.spider
    edition = CN
