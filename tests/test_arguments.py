"""Spider arguments, decided in-process: what is accepted, and the one line for what is not."""

import argparse
from pathlib import Path

import pytest
from scrapy.crawler import CrawlerRunner
from scrapy.settings import Settings

from crawler.arguments import ArgumentError, parse_arguments
from crawler.commands.crawl import Command
from crawler.editions import CN
from crawler.settings import RFI_BASE_URL, RFI_DEFAULT_FEED
from crawler.urls import ArticleURLs

URLS = ArticleURLs(RFI_BASE_URL, "cn")
FEEDX = Path(__file__).parent / "fixtures" / "feedx"


def parse(**arguments):
    return parse_arguments(URLS, CN, **arguments)


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
    ({"source": "twitter"}, "unknown source=twitter; sources: rfi, feedx, wayback, commoncrawl, archive (with archive=PATH), warc (with warc=PATH)"),
    ({"until": "2024-01-01"}, "until= needs since= (a backfill window is since..until)"),
    ({"refresh": "maybe"}, "refresh=maybe: use refresh=1 or refresh=0"),
    ({"since": "2024-01-01", "sections": "中国"},
     "since and sections cannot be combined: each picks its own way to discover articles"),
    ({"source": "feedx", "sections": "中国"}, "sections= applies to source=rfi only"),
    ({"archive": str(FEEDX), "source": "feedx"},
     "archive= reads saved feedx items; it cannot be combined with source=feedx"),
    ({"colour": "red"}, "unknown argument colour; known: since, until, sections, urls, source, archive, warc, refresh"),
    ({"urls": "https://[::1/cn/x"}, "urls=: not a URL (Invalid IPv6 URL): https://[::1/cn/x"),
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
    assert parse(refresh="no").refresh is False
    assert parse(archive=str(FEEDX), source="archive").source == "archive"
    assert parse(urls="https://www.rfi.fr/cn/中国/20240101-x,").urls == [
        "https://www.rfi.fr/cn/%E4%B8%AD%E5%9B%BD/20240101-x"]


def crawl_command(*argv):
    """`scrapy crawl ARGV`, parsed as Scrapy's command line parses it: (the command, its arguments, options)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    command = Command()
    command.settings = settings
    parser = argparse.ArgumentParser(conflict_handler="resolve")
    command.add_options(parser)
    options, args = parser.parse_known_args(list(argv))
    command.process_options(args, options)
    command.crawler_process = CrawlerRunner(settings)
    return command, args, options


def test_an_unknown_spider_is_one_line(capsys):
    command, args, options = crawl_command("rfi_xx")
    command.run(args, options)
    assert command.exitcode == 2
    assert capsys.readouterr().err == "rfi_xx: bad argument: no spider of that name; spiders: rfi_cn, rfi_tw\n"


def test_a_run_without_an_output_writes_a_file_of_its_own():
    command, _, _ = crawl_command("rfi_cn")
    assert command.settings.getdict("FEEDS") == {RFI_DEFAULT_FEED: {"format": "jsonlines"}}
    command, _, _ = crawl_command("rfi_cn", "-o", "run.jsonl")
    assert list(command.settings.getdict("FEEDS")) == ["run.jsonl"]
