"""Data-quality monitors: a redesigned site fails the run with a report; a healthy one passes
(tests/test_crawl_site.py, the default run).

The monitors' verdicts are reached in-process, from the stats a crawl leaves (tests/test_faults.py shows
Scrapy's counts they read); the crawl command ends a failed run with its verdict as the last line
(tests/test_crawl_site.py, tests/test_run_safety.py).
"""

import re

import pytest

from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.render import render_article_page
from tests.mirror.site import build_site

SPECS = [fixture.spec for fixture in ARTICLES]


def redesigned(site, renames):
    """Every article page again, with RFI's class names replaced as a redesign would."""
    for spec in SPECS:
        html = render_article_page(spec, base_url=site.base_url)
        for old, new in renames.items():
            html = html.replace(old, new)
        site.add(spec.path, html)


def test_a_redesign_that_loses_lede_and_image_fails_with_a_report():
    site = Site()
    build_site(site, SPECS)
    redesigned(site, {"t-content__chapo": "article__standfirst", "t-content__main-media": "article__hero"})
    run = Run(site).crawl()
    assert len(run.items) == len(SPECS)  # the articles are still written, and the run says what is wrong
    line = run.close()
    assert line.startswith("data quality: Field coverage/Fields are found on enough article pages: "
                           f"field coverage dropped over {len(SPECS)} article pages: ")
    assert re.search(r"lede 0% < 30% \(e\.g\. http://127\.0\.0\.1:\d+/cn/\S+, \S+, \S+\)", line)
    assert "image 0% < 30%" in line
    assert "title" not in line.split("pages: ", 1)[1]


def test_a_redesign_that_loses_the_body_fails():
    site = Site()
    build_site(site, SPECS)
    redesigned(site, {"t-content__body": "article__text"})
    run = Run(site).crawl()
    assert run.items == []
    # The run's own reason is its failure; the monitors' report is kept beside it.
    assert run.close() == (f"no article could be extracted from the {len(SPECS)} unseen articles listed "
                           f"(skipped: {{no_paragraphs: {len(SPECS)}}})")
    report = run.stat("monitors/failure")
    assert report.startswith("data quality: Field coverage/Fields are found on enough article pages: "
                             f"field coverage dropped over {len(SPECS)} article pages: paragraphs 0% < 50% (e.g. ")


def test_too_few_pages_are_not_judged():
    site = Site()
    build_site(site, SPECS[:3])
    redesigned(site, {"t-content__chapo": "article__standfirst"})
    run = Run(site).crawl()
    assert len(run.items) == 3
    assert run.close() is None


@pytest.mark.parametrize("setting, stat, count, message, reason", [
    ("RFI_MAX_403", "downloader/response_status_count/403", 1, "403 answers", "1 pages answered 403 (at most 0)"),
    ("SPIDERMON_MAX_RETRIES", "retry/count", 3, "Retries", "3 retries (at most 0)"),
    ("SPIDERMON_MAX_ERRORS", "log_count/ERROR", 1, "Error log lines", "1 errors logged (at most 0)"),
])
def test_count_thresholds_fail_the_run_once_set(setting, stat, count, message, reason):
    site = Site()
    build_site(site, SPECS)
    unset = Run(site).crawl()
    unset.stats.set_value(stat, count)
    assert unset.close() is None
    run = Run(site, settings={setting: 0}).crawl()
    run.stats.set_value(stat, count)
    assert run.close() == f"data quality: Errors and blocking/{message}: {reason}"
    assert len(run.items) == len(SPECS)


def test_an_unexpected_finish_reason_fails_the_run():
    site = Site()
    build_site(site, SPECS)
    run = Run(site).crawl()
    run.close("closespider_timeout")
    assert run.stat("monitors/failure") == ("data quality: Errors and blocking/Finish reason: the run finished with "
                                            "'closespider_timeout', not one of ['finished', 'shutdown']")
    assert run.stat("run/failure") == "the run ended before it finished (closespider_timeout)"
