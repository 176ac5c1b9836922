"""Saved feedx items (-a archive=) and feedx's RSS (-a source=feedx) on hand-written edge cases.

A folder of saved items and feedx's RSS are each crawled once end to end; what each file or RSS item
becomes, and the arguments, are decided in-process.
"""

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from crawler.arguments import ArgumentError
from crawler.urls import article_id
from crawler.verdict import format_reasons
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.render import absolute, render_feedx_rss
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

FEEDX = Path(__file__).parent / "fixtures" / "feedx"
EXPECTED = json.loads((FEEDX / "EXPECTED.json").read_text(encoding="utf-8"))["files"]
GOOD = {name: spec["fields"] for name, spec in EXPECTED.items() if "fields" in spec}
BAD = {name: spec["skip"] for name, spec in EXPECTED.items() if "skip" in spec}
# The articles that have the fields feedx shows (an image and a lede), as rfi.fr pages and as feedx's RSS.
FEEDX_SPECS = [fixture.spec for fixture in ARTICLES if fixture.spec.image and fixture.spec.lede]


def archive(path):
    """An archive run in-process: its items by id."""
    run = Run(archive=str(path)).crawl()
    return run, {item["id"]: item for item in run.items}


# -- end to end ---------------------------------------------------------------------


def test_an_archive_folder_gives_its_good_files_and_counts_its_bad_ones(tmp_path):
    result = run_crawl(tmp_path, f"archive={FEEDX}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(item["id"] for item in result.items) == sorted(article_id(fields["link"]) for fields in GOOD.values())
    assert {item["source"] for item in result.items} == {"archive"}
    assert result.summary == (f"Summary: discovered {len(EXPECTED)}, fetched 0, new {len(GOOD)}, updated 0, "
                              f"skipped as unchanged 0, dropped {len(BAD)} {format_reasons(Counter(BAD.values()))}, "
                              "failed 0 {}")


def test_feedx_rss_gives_the_articles_rfi_pages_give(tmp_path):
    with Mirror() as mirror:
        links = [(spec, absolute("https://www.rfi.fr", spec.path)) for spec in FEEDX_SPECS]
        mirror.add("/rss/rfi.xml", render_feedx_rss(links), content_type="application/rss+xml; charset=utf-8")
        from_feedx = run_crawl(tmp_path, "source=feedx", settings={"FEEDX_URL": mirror.base_url + "/rss/rfi.xml"})
    assert from_feedx.returncode == 0, from_feedx.stderr[-2000:]
    site = Site()
    build_site(site, FEEDX_SPECS)
    from_site = {item["id"]: item for item in Run(site).crawl().items}
    feedx_items = {item["id"]: item for item in from_feedx.items}
    assert sorted(feedx_items) == sorted(from_site) and len(feedx_items) == len(FEEDX_SPECS)
    for key, item in feedx_items.items():
        assert item["source"] == "feedx"
        assert item["url"].startswith("https://www.rfi.fr/cn/")
        for field in ("title", "lede", "paragraphs"):
            assert item[field] == from_site[key][field], (item["url"], field)
        # feedx shows minutes only, and the image at w:1280.
        assert item["published"][:16] == from_site[key]["published"][:16]


# -- in-process -----------------------------------------------------------------------


def test_every_good_file_becomes_its_article_exactly():
    _, items = archive(FEEDX)
    assert len(items) == len(GOOD)
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


def test_every_bad_file_is_skipped_with_its_reason_and_name(caplog):
    assert len(BAD) >= 6
    run, _ = archive(FEEDX)
    for name, reason in BAD.items():
        assert re.search(rf"Skipped \S*{re.escape(name)}: {reason}\b", caplog.text), (name, reason)
    for reason, count in Counter(BAD.values()).items():
        assert run.stat(f"articles/skipped/{reason}") == count
    assert run.close() is None


def test_winter_and_summer_times_convert_with_their_offsets():
    _, items = archive(FEEDX)
    winter = items[article_id(GOOD["winter_share_footer.md"]["link"])]
    summer = items[article_id(GOOD["summer_column.md"]["link"])]
    assert winter["published"] == "2024-01-15T06:42:00+00:00"  # 07:42 in Paris, UTC+1
    assert summer["published"] == "2023-07-14T20:05:00+00:00"  # 22:05 in Paris, UTC+2


def test_a_glob_and_a_single_file():
    for pattern in (f"{FEEDX}/summer_*.md", f"{FEEDX}/summer_column.md"):
        run, items = archive(pattern)
        assert list(items) == [article_id(GOOD["summer_column.md"]["link"])]
        assert run.stat("archive/files") == 1


def test_an_archive_of_only_bad_files_fails(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in BAD:
        shutil.copy(FEEDX / name, folder / name)
    run, items = archive(folder)
    assert items == {}
    assert run.close() == f"no article could be read from the {len(BAD)} archive files"


def test_an_archive_file_that_cannot_be_read_is_skipped(tmp_path, caplog):
    for name in ("winter_share_footer.md", "summer_column.md"):
        shutil.copy(FEEDX / name, tmp_path / name)
    run = Run(archive=str(tmp_path))
    (tmp_path / "summer_column.md").unlink()  # gone between the listing and the reading
    run.crawl()
    assert [item["id"] for item in run.items] == [article_id(GOOD["winter_share_footer.md"]["link"])]
    assert re.search(r"Skipped \S*summer_column\.md: unreadable_file \(FileNotFoundError\)", caplog.text)
    assert run.close() is None


@pytest.mark.parametrize("argument, message", [
    ("{empty}", "archive={empty}: no feedx item files there"),
    ("{empty}/*.md", "archive={empty}/*.md: no feedx item files there"),
])
def test_an_empty_archive_is_refused(tmp_path, argument, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ArgumentError) as refused:
        Run(archive=argument.format(empty=empty))
    assert str(refused.value) == message.format(empty=empty)


def test_an_unknown_source_is_refused():
    with pytest.raises(ArgumentError) as refused:
        Run(source="feedy")
    assert str(refused.value) == "unknown source=feedy; sources: rfi, feedx, wayback, commoncrawl, archive (with archive=PATH), warc (with warc=PATH)"
