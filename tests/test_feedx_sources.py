"""Saved feedx items (-a archive=) and feedx's RSS (-a source=feedx) on hand-written edge cases."""

import json
import re
import shutil
from pathlib import Path

import pytest

from crawler.urls import article_id
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.mirror.render import absolute, render_feedx_rss
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

FEEDX = Path(__file__).parent / "fixtures" / "feedx"
EXPECTED = json.loads((FEEDX / "EXPECTED.json").read_text(encoding="utf-8"))["files"]
GOOD = {name: spec["fields"] for name, spec in EXPECTED.items() if "fields" in spec}
BAD = {name: spec["skip"] for name, spec in EXPECTED.items() if "skip" in spec}


@pytest.fixture(scope="module")
def archive_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("archive")
    return run_crawl(tmp_path, f"archive={FEEDX}")


def test_every_good_file_becomes_its_article_exactly(archive_run):
    assert archive_run.returncode == 0, archive_run.stderr[-2000:]
    items = {item["id"]: item for item in archive_run.items}
    assert len(items) == len(archive_run.items) == len(GOOD)
    for name, fields in GOOD.items():
        item = items[article_id(fields["link"])]
        assert item["title"] == fields["title"], name
        assert item["published"] == fields["published"], name
        assert item["fetched_at"] == fields["fetched_at"], name
        assert (item["image"] or {}).get("url") == fields["image_url"], name
        assert item["lede"] == fields["lede"], name
        assert item["paragraphs"] == fields["paragraphs"], name
        assert item["authors"] == fields["authors"], name
        assert item["section"] == fields["section"], name
        assert item["source"] == "archive", name


def test_every_bad_file_is_skipped_with_its_reason_and_name(archive_run):
    assert len(BAD) >= 6
    for name, reason in BAD.items():
        assert re.search(rf"Skipped \S*{re.escape(name)}: {reason}\b", archive_run.stderr), (name, reason)
    summary = next(line for line in archive_run.stderr.splitlines() if "Summary:" in line)
    for reason in set(BAD.values()):
        count = sum(1 for r in BAD.values() if r == reason)
        assert f"{reason}: {count}" in summary


def test_winter_and_summer_times_convert_with_their_offsets(archive_run):
    items = {item["id"]: item for item in archive_run.items}
    winter = items[article_id(GOOD["winter_share_footer.md"]["link"])]
    summer = items[article_id(GOOD["summer_column.md"]["link"])]
    assert winter["published"] == "2024-01-15T06:42:00+00:00"  # 07:42 in Paris, UTC+1
    assert summer["published"] == "2023-07-14T20:05:00+00:00"  # 22:05 in Paris, UTC+2


def test_a_glob_and_a_single_file(tmp_path):
    result = run_crawl(tmp_path, f"archive={FEEDX}/summer_*.md")
    assert [item["id"] for item in result.items] == [article_id(GOOD["summer_column.md"]["link"])]


def test_an_archive_of_only_bad_files_fails(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in BAD:
        shutil.copy(FEEDX / name, folder / name)
    result = run_crawl(tmp_path, f"archive={folder}")
    assert result.returncode == 1
    assert result.last_line == f"rfi_cn: failed: no article could be read from the {len(BAD)} archive files"


@pytest.mark.parametrize("argument, message", [
    ("archive={empty}", "no feedx item files there"),
    ("archive={empty}/*.md", "no feedx item files there"),
    ("source=feedy", "unknown source=feedy"),
])
def test_an_empty_archive_or_unknown_source_is_one_line(tmp_path, argument, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_crawl(tmp_path, argument.format(empty=empty))
    assert result.returncode == 2
    assert result.last_line.startswith("rfi_cn: bad argument: ") and message in result.last_line


def test_feedx_rss_and_rfi_pages_agree_on_ids_and_fields(tmp_path):
    specs = [fixture.spec for fixture in ARTICLES if fixture.spec.image and fixture.spec.lede]
    with Mirror() as mirror:
        build_site(mirror, specs)
        links = [(spec, absolute("https://www.rfi.fr", spec.path)) for spec in specs]
        mirror.add("/rss/rfi.xml", render_feedx_rss(links), content_type="application/rss+xml; charset=utf-8")
        from_feedx = run_crawl(tmp_path / "feedx", "source=feedx",
                               settings={"FEEDX_URL": mirror.base_url + "/rss/rfi.xml"}) if (tmp_path / "feedx").mkdir() is None else None
        from_site = run_crawl(tmp_path, settings={"RFI_BASE_URL": mirror.base_url})
    assert from_feedx.returncode == 0, from_feedx.stderr[-2000:]
    feedx_items = {item["id"]: item for item in from_feedx.items}
    site_items = {item["id"]: item for item in from_site.items}
    assert sorted(feedx_items) == sorted(site_items) and len(feedx_items) == len(specs)
    for key, item in feedx_items.items():
        assert item["source"] == "feedx"
        assert item["url"].startswith("https://www.rfi.fr/cn/")
        for field in ("title", "lede", "paragraphs"):
            assert item[field] == site_items[key][field], (item["url"], field)
        # feedx shows minutes only, and the image at w:1280.
        assert item["published"][:16] == site_items[key]["published"][:16]
