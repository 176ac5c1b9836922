"""Spider arguments, decided in-process: what is accepted, and the one line for what is not."""

import subprocess
import sys

import pytest

from crawler.arguments import ArgumentError, parse_arguments
from crawler.settings import RFI_BASE_URL, RFI_SECTIONS
from crawler.urls import ArticleURLs
from tests.conftest import CRAWL_ENV, REPO

URLS = ArticleURLs(RFI_BASE_URL, "cn")


def parse(**arguments):
    return parse_arguments(URLS, RFI_SECTIONS, **arguments)


@pytest.mark.parametrize("arguments, message", [
    ({"since": ""}, "since= is empty; give a value or leave the argument out"),
    ({"since": "2024-01-01", "until": " "}, "until= is empty; give a value or leave the argument out"),
    ({"urls": ","}, "urls= is empty; give a value or leave the argument out"),
    ({"sections": " , "}, "sections= is empty; give a value or leave the argument out"),
    ({"source": ""}, "source= is empty; give a value or leave the argument out"),
    ({"refresh": ""}, "refresh= is empty; give a value or leave the argument out"),
    ({"archive": ""}, "archive= is empty; give a value or leave the argument out"),
    ({"since": "2023-W39-1"}, "since=2023-W39-1 is not a date; use YYYY-MM-DD"),
    ({"since": "20230930"}, "since=20230930 is not a date; use YYYY-MM-DD"),
    ({"since": "2023-9-30"}, "since=2023-9-30 is not a date; use YYYY-MM-DD"),
    ({"since": "2024-01-01", "until": "2024-02-30"}, "until=2024-02-30 is not a date; use YYYY-MM-DD"),
    ({"source": "archive"}, "source=archive reads saved feedx items: give them with archive=PATH"),
    ({"source": "twitter"}, "unknown source=twitter; sources: rfi, feedx, archive (with archive=PATH)"),
])
def test_odd_arguments_are_refused_with_one_line(arguments, message):
    with pytest.raises(ArgumentError) as refused:
        parse(**arguments)
    assert str(refused.value) == message


def test_the_documented_forms_are_accepted():
    run = parse(since="2023-09-30", until="2023-10-31")
    assert (str(run.since), str(run.until), run.backfill) == ("2023-09-30", "2023-10-31", True)
    assert parse(sections="中国, 欧洲").sections == ["中国", "欧洲"]
    assert parse(source="feedx").source == "feedx"
    assert parse(refresh="1").refresh is True
    assert parse(urls="https://www.rfi.fr/cn/中国/20240101-x,").urls == [
        "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240101-x"]


def test_an_unknown_spider_is_one_line():
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "rfi_xx"], cwd=REPO, capture_output=True,
                            text=True, timeout=60, env=CRAWL_ENV)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "rfi_xx: bad argument: no spider of that name; spiders: rfi_cn"
    assert "Traceback" not in result.stderr
