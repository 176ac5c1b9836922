"""The verdict on a run, from its stats alone (crawler.verdict): each documented failure, the runs that
work, and what the crawl command says of a run stopped before its spider closed."""

import pytest
from scrapy import signals
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.verdict import forced_stop_failure, run_failure
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.site import build_site

FEEDX_HINT = "rfi.fr blocks many data-centre addresses, -a source=feedx reads the same articles from feedx"


def stats_of(counts):
    crawler = get_crawler()
    crawler.stats.open_spider()
    for name, value in counts.items():
        crawler.stats.set_value(name, value)
    return crawler.stats


def verdict(counts, reason="finished", **settings):
    return run_failure(stats_of(counts), Settings(settings), reason)


@pytest.mark.parametrize("counts, failure", [
    ({"articles/discovered": 2, "articles/not_written": 2, "articles/new": 0},
     "2 articles could not be written to the output"),
    ({"archive/files": 3, "articles/discovered": 3, "articles/skipped/no_title": 3},
     "no article could be read from the 3 archive files"),
    ({"feedx/items": 5, "discovery/ok": 1, "articles/discovered": 5, "articles/skipped/outside_edition": 5},
     "no article could be read from the 5 feedx items"),
    ({"discovery/failed": 2, "discovery/first_error": "http://127.0.0.1:9/cn/rss: ConnectionRefusedError (refused)"},
     "cannot reach the site: http://127.0.0.1:9/cn/rss: ConnectionRefusedError (refused)"),
    ({"discovery/unreadable": 2}, "none of the 2 feeds and sitemaps could be read"),
    ({"discovery/ok": 1, "articles/discovered": 9, "articles/fetched": 4, "articles/new": 4,
      "articles/failed/http_403": 3, "articles/failed/http_429": 2},
     f"blocked: 5 of 9 article pages answered 403/429; {FEEDX_HINT}"),
    ({"discovery/ok": 1, "articles/discovered": 2, "articles/failed/DownloadTimeoutError": 2},
     "none of the 2 article pages could be fetched ({DownloadTimeoutError: 2})"),
    ({"discovery/ok": 1, "articles/discovered": 3, "articles/fetched": 3, "articles/skipped/no_title": 2,
      "articles/skipped/not_an_article": 1},
     "no article could be extracted from the 3 unseen articles listed (skipped: {no_title: 2, not_an_article: 1})"),
])
def test_a_finished_run_fails_for_its_first_reason(counts, failure):
    assert verdict(counts) == failure


@pytest.mark.parametrize("counts", [
    {"discovery/ok": 2, "articles/discovered": 4, "articles/fetched": 4, "articles/new": 3, "articles/updated": 1},
    {"discovery/ok": 2, "articles/discovered": 4, "articles/skipped_known": 4},  # nothing new
    {"discovery/ok": 1, "discovery/failed": 1, "articles/discovered": 1, "articles/fetched": 1,
     "articles/unchanged": 1},
    {"discovery/ok": 1, "articles/discovered": 4, "articles/fetched": 2, "articles/new": 2,
     "articles/failed/http_403": 2},  # half blocked is not most
    {"discovery/ok": 1},  # a listing with nothing in it
])
def test_a_finished_run_that_produced_or_had_nothing_new_works(counts):
    assert verdict(counts) is None


def test_a_run_that_did_not_finish_fails():
    counts = {"discovery/ok": 1, "articles/discovered": 4, "articles/new": 4}
    assert verdict(counts, "shutdown") == "the run ended before it finished (shutdown)"
    assert verdict(counts, "shutdown", JOBDIR="/jobs/rfi") == (
        "paused before it finished (shutdown); run it again with JOBDIR=/jobs/rfi to resume")
    assert verdict(counts, "closespider_timeout", JOBDIR="/jobs/rfi") == (
        "the run ended before it finished (closespider_timeout)")


def test_a_forced_stop_says_how_to_go_on():
    assert forced_stop_failure(Settings()) == (
        "forced to stop before it finished; the articles written so far are kept, run it again to fetch the rest")
    assert forced_stop_failure(Settings({"JOBDIR": "/jobs/rfi"})) == (
        "forced to stop before it finished; the articles written so far are kept, "
        "run it again with JOBDIR=/jobs/rfi to resume")


def one_article_run():
    site = Site()
    build_site(site, [ARTICLES[0].spec])
    return Run(site).crawl()


def test_an_article_no_feed_wrote_is_failed_and_fails_the_run():
    run = one_article_run()
    run.crawler.signals.send_catch_log(signals.item_scraped, item=run.items[0], response=None, spider=run.spider)
    assert run.close() == "1 articles could not be written to the output"
    assert run.summary == ("Summary: discovered 1, fetched 1, new 0, updated 0, skipped as unchanged 0, "
                           "dropped 0 {}, failed 1 {not_written: 1}")


def test_an_article_a_pipeline_lost_is_failed_not_new():
    run = one_article_run()
    run.crawler.signals.send_catch_log(signals.item_error, item=run.items[0], response=None, spider=run.spider,
                                       failure=Failure(OSError("No space left on device")))
    run.close()
    assert run.summary == ("Summary: discovered 1, fetched 1, new 0, updated 0, skipped as unchanged 0, "
                           "dropped 0 {}, failed 1 {pipeline_OSError: 1}")
