"""Data-quality monitors: a redesigned site fails the run with a report; a healthy one passes."""

import re

import pytest

from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.render import render_article_page
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

SPECS = [fixture.spec for fixture in ARTICLES]


def redesigned(mirror, renames):
    """Every article page again, with RFI's class names replaced as a redesign would."""
    for spec in SPECS:
        html = render_article_page(spec, base_url=mirror.base_url)
        for old, new in renames.items():
            html = html.replace(old, new)
        mirror.add(spec.path, html)


def crawl(tmp_path, mirror, **settings):
    return run_crawl(tmp_path, settings={"RFI_BASE_URL": mirror.base_url, **settings})


def test_a_healthy_site_passes_every_monitor(tmp_path):
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        result = crawl(tmp_path, mirror)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "[Spidermon] Field coverage/Fields are found on enough article pages... OK" in result.stderr
    assert "[Spidermon] Item validation/Items match the JSON Schema... OK" in result.stderr
    assert "SKIPPED (SPIDERMON_MAX_ERRORS is not set)" in result.stderr


def test_a_redesign_that_loses_lede_and_image_fails_with_a_report(tmp_path):
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        redesigned(mirror, {"t-content__chapo": "article__standfirst", "t-content__main-media": "article__hero"})
        result = crawl(tmp_path, mirror)
    assert result.returncode == 1
    line = result.last_line
    assert line.startswith("rfi_cn: failed: data quality: Field coverage/Fields are found on enough article pages: "
                           f"field coverage dropped over {len(SPECS)} article pages: ")
    assert re.search(r"lede 0% < 30% \(e\.g\. http://127\.0\.0\.1:\d+/cn/\S+, \S+, \S+\)", line)
    assert "image 0% < 30%" in line
    assert "title" not in line.split("pages: ", 1)[1]
    assert len(result.items) == len(SPECS)  # the articles are still written, and the run says what is wrong


def test_a_redesign_that_loses_the_body_fails(tmp_path):
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        redesigned(mirror, {"t-content__body": "article__text"})
        result = crawl(tmp_path, mirror)
    assert result.returncode == 1
    assert result.items == []
    assert result.last_line.startswith("rfi_cn: failed: ")
    assert f"no_paragraphs: {len(SPECS)}" in result.stderr
    assert re.search(r"paragraphs 0% < 50%", result.stderr)


@pytest.mark.parametrize("setting, message, reason", [
    ("RFI_MAX_403", "403 answers", "1 pages answered 403 (at most 0)"),
    ("SPIDERMON_MAX_RETRIES", "Retries", "3 retries (at most 0)"),
    ("SPIDERMON_MAX_ERRORS", "Error log lines", "1 errors logged (at most 0)"),
])
def test_count_thresholds_fail_the_run_once_set(tmp_path, setting, message, reason):
    with Mirror() as mirror:
        build_site(mirror, SPECS)
        mirror.add_fault(SPECS[0].path, "status:403", times=1)
        mirror.add_fault(SPECS[1].path, "status:503", times=1)
        mirror.add_fault(SPECS[2].path, "drop", times=3)  # retried twice, then given up with an error
        result = crawl(tmp_path, mirror, **{setting: "0"})
    assert result.returncode == 1
    assert result.last_line == f"rfi_cn: failed: data quality: Errors and blocking/{message}: {reason}"
    assert len(result.items) == len(SPECS) - 2
