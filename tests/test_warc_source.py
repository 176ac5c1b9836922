"""-a warc=PATH: local WARC and WACZ files made with warcio from the fixture pages, read back exactly.

Decided in-process (tests/inprocess.py), on files of .warc, .warc.gz and .wacz records with noise around
the articles; one end-to-end run checks the exit codes and that a second run over the same file, with the
same state, emits nothing.
"""

import dataclasses
import gzip
import io
import zipfile

import pytest
from scrapy.exceptions import CloseSpider
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.urls import article_id
from crawler.verdict import summary
from tests.archives import Capture, noise, write_warc
from tests.conftest import run_crawl
from tests.fixtures.articles import ARTICLES
from tests.inprocess import Run, Site
from tests.mirror.render import absolute, render_article_page

RFI = "https://www.rfi.fr"
CAPTURED = "20240301120000"
CAPTURED_AT = "2024-03-01T12:00:00+00:00"
NOISE_COUNTS = {"other_host": 1, "other_edition": 1, "not_html": 1, "not_200": 1, "old_site": 1}


def page_capture(fixture, timestamp=CAPTURED, base_url=RFI, **changes):
    spec = dataclasses.replace(fixture.spec, **changes)
    return Capture(absolute(base_url, spec.path), render_article_page(spec, base_url=base_url), timestamp)


def article_captures():
    return [page_capture(fixture) for fixture in ARTICLES]


def noisy_captures():
    """Every article, with the noise and a revisit of the first article among them."""
    revisit = Capture(absolute(RFI, ARTICLES[0].spec.path), "", "20240302000000",
                      revisit_of=absolute(RFI, ARTICLES[0].spec.path))
    noisy = [capture for capture, _ in noise()]
    return [*noisy[:2], *article_captures()[:5], revisit, *noisy[2:], *article_captures()[5:]]


def warc_run(path, **arguments):
    """An in-process run over WARC files, as rfi.fr's own pages: its items by id."""
    run = Run(Site(RFI), warc=str(path), **arguments).crawl()
    return run, {item["id"]: item for item in run.items}


def failure(path, **arguments):
    """The one line a run over bad files fails with."""
    run = Run(Site(RFI), warc=str(path), **arguments)
    with pytest.raises(CloseSpider):
        run.crawl()
    return run.close("source_failed")


def passed_over(run):
    prefix = "archive/passed_over/"
    return {key[len(prefix):]: count for key, count in run.stats.get_stats().items() if key.startswith(prefix)}


def offsets(placed):
    """The offset of each article's response record, by article id."""
    return {article_id(capture.url): offset for capture, offset, _ in placed
            if capture.status == 200 and not capture.revisit_of}


def assert_exact(item, fixture, via, fetched_at=CAPTURED_AT):
    url = absolute(RFI, fixture.spec.path)
    expected = {**fixture.expected, "id": article_id(url), "url": Capture(url, "").url, "edition": "cn",
                "language": "zh-Hans", "version": 1, "source": "warc", "fetched_at": fetched_at, "via": via}
    assert {field: value for field, value in item.items() if field != "crawled_at"} == expected, fixture.name


def wacz(path, warc):
    """A WACZ as ReplayWeb.page and pywb read it: the WARC stored under archive/, with its datapackage."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(warc, "archive/data.warc.gz", compress_type=zipfile.ZIP_STORED)
        archive.writestr("datapackage.json", '{"profile": "data-package", "resources": []}')
        archive.writestr("indexes/index.cdxj", "")


# -- end to end ---------------------------------------------------------------------------


def test_a_warc_crawled_twice_with_the_same_state_emits_its_articles_once(tmp_path):
    path = tmp_path / "pages.warc.gz"
    placed = offsets(write_warc(path, noisy_captures()))
    first = run_crawl(tmp_path, f"warc={path}", settings={"RFI_BASE_URL": RFI})
    assert first.returncode == 0, first.stderr[-2000:]
    assert len(first.items) == len(ARTICLES)
    for fixture in ARTICLES:
        item = next(item for item in first.items if item["id"] == article_id(fixture.spec.path))
        assert_exact({**item, "version": 1}, fixture, f"{path}#{placed[item['id']]}")
    n = len(ARTICLES)
    assert first.summary == (f"Summary: discovered {n}, fetched {n}, new {n}, updated 0, skipped as unchanged 0, "
                             "dropped 0 {}, failed 0 {}")
    again = run_crawl(tmp_path, f"warc={path}", settings={"RFI_BASE_URL": RFI}, output_name="again.jsonl")
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.items == []
    assert again.summary == (f"Summary: discovered {n}, fetched 0, new 0, updated 0, skipped as unchanged {n}, "
                             "dropped 0 {}, failed 0 {}")


# -- in-process ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pages.warc", "pages.warc.gz"])
def test_every_article_comes_out_exactly_and_the_noise_is_counted_by_reason(tmp_path, name):
    path = tmp_path / name
    placed = offsets(write_warc(path, noisy_captures()))
    run, items = warc_run(path)
    assert len(items) == len(ARTICLES) == len(run.items)
    for fixture in ARTICLES:
        key = article_id(fixture.spec.path)
        assert_exact(items[key], fixture, f"{path}#{placed[key]}")
    assert passed_over(run) == {**NOISE_COUNTS, "revisit": 1}
    assert run.stat("warc/capture_records") == len(noisy_captures())
    assert run.close() is None
    n = len(ARTICLES)
    assert run.summary == (f"Summary: discovered {n}, fetched {n}, new {n}, updated 0, skipped as unchanged 0, "
                           "dropped 0 {}, failed 0 {}")


def test_the_newest_of_two_captures_of_an_article_is_the_one_read(tmp_path):
    fixture = ARTICLES[0]
    newer = page_capture(fixture, "20240305080000")
    older = page_capture(fixture, "20240301120000", title="旧的标题")
    path = tmp_path / "pages.warc.gz"
    placed = write_warc(path, [newer, older])
    run, items = warc_run(path)
    assert_exact(items[article_id(fixture.spec.path)], fixture, f"{path}#{placed[0][1]}",
                 fetched_at="2024-03-05T08:00:00+00:00")
    assert len(items) == 1
    assert passed_over(run) == {"older_capture": 1}


@pytest.mark.parametrize("name", ["pages.warc", "pages.warc.gz"])
def test_a_last_record_cut_short_is_passed_over_as_truncated(tmp_path, name):
    path = tmp_path / name
    placed = write_warc(path, article_captures())
    _, last_offset, last_length = placed[-1]
    path.write_bytes(path.read_bytes()[:last_offset + last_length // 2])
    run, items = warc_run(path)
    assert sorted(items) == sorted(article_id(fixture.spec.path) for fixture in ARTICLES[:-1])
    assert passed_over(run) == {"truncated": 1}
    assert run.close() is None


def test_a_record_marked_truncated_by_its_crawler_is_passed_over(tmp_path):
    path = tmp_path / "pages.warc.gz"
    write_warc(path, article_captures()[:2])
    with open(path, "ab") as out:
        writer = WARCWriter(out, gzip=True)
        url = absolute(RFI, ARTICLES[2].spec.path)
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(b"<html><body>cut at 1 MB"),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2024-03-01T12:00:00Z", "WARC-Truncated": "length"}))
    run, items = warc_run(path)
    assert len(items) == 2
    assert passed_over(run) == {"truncated": 1}


def test_a_wacz_is_read_through_its_warcs(tmp_path):
    warc = tmp_path / "data.warc.gz"
    placed = offsets(write_warc(warc, noisy_captures()))
    path = tmp_path / "pages.wacz"
    wacz(path, warc)
    run, items = warc_run(path)
    assert len(items) == len(ARTICLES)
    for fixture in ARTICLES:
        key = article_id(fixture.spec.path)
        assert_exact(items[key], fixture, f"{path}/archive/data.warc.gz#{placed[key]}")
    assert passed_over(run) == {**NOISE_COUNTS, "revisit": 1}


def test_a_folder_and_a_glob_take_the_newest_capture_across_files(tmp_path):
    folder = tmp_path / "warcs"
    folder.mkdir()
    first = write_warc(folder / "a.warc.gz", article_captures()[:6])
    later = [page_capture(fixture, "20240310000000") for fixture in ARTICLES[4:]]
    second = write_warc(folder / "b.warc", later)
    (folder / "notes.txt").write_text("not a WARC, not read")
    where = {**{article_id(c.url): f"{folder / 'a.warc.gz'}#{o}" for c, o, _ in first},
             **{article_id(c.url): f"{folder / 'b.warc'}#{o}" for c, o, _ in second}}
    for argument in (folder, f"{folder}/*.warc*"):
        run, items = warc_run(argument)
        assert run.stat("warc/files") == 2
        assert len(items) == len(ARTICLES)
        for fixture in ARTICLES:
            key = article_id(fixture.spec.path)
            fetched_at = "2024-03-10T00:00:00+00:00" if fixture in ARTICLES[4:] else CAPTURED_AT
            assert_exact(items[key], fixture, where[key], fetched_at=fetched_at)
        assert passed_over(run) == {"older_capture": 2}


def test_a_window_gives_exactly_the_articles_whose_url_date_is_inside(tmp_path):
    path = tmp_path / "pages.warc.gz"
    write_warc(path, noisy_captures())
    days = sorted(fixture.spec.path.rsplit("/", 1)[1][:8] for fixture in ARTICLES)
    first, last = days[2], days[-3]
    since, until = (f"{day[:4]}-{day[4:6]}-{day[6:]}" for day in (first, last))
    run, items = warc_run(path, since=since, until=until)
    inside = [fixture for fixture in ARTICLES if first <= fixture.spec.path.rsplit("/", 1)[1][:8] <= last]
    assert sorted(items) == sorted(article_id(fixture.spec.path) for fixture in inside)
    assert 0 < len(inside) < len(ARTICLES)
    assert passed_over(run) == {**NOISE_COUNTS, "revisit": 1, "outside_window": len(ARTICLES) - len(inside)}


def test_either_host_spelling_and_scheme_gives_the_canonical_url(tmp_path):
    spellings = ["http://rfi.fr", "https://rfi.fr", "http://www.rfi.fr"]
    captures = [page_capture(fixture, base_url=base) for fixture, base in zip(ARTICLES, spellings)]
    path = tmp_path / "pages.warc.gz"
    write_warc(path, captures)
    _, items = warc_run(path)
    assert sorted(item["url"] for item in items.values()) == sorted(
        Capture(absolute(RFI, fixture.spec.path), "").url for fixture in ARTICLES[:3])


def test_a_mirror_crawls_pages_are_read_on_its_own_host(tmp_path):
    mirror = "http://127.0.0.1:8000"
    path = tmp_path / "pages.warc.gz"
    write_warc(path, [page_capture(fixture, base_url=mirror) for fixture in ARTICLES[:2]])
    run = Run(Site(mirror), warc=str(path)).crawl()
    assert sorted(item["url"] for item in run.items) == sorted(
        Capture(absolute(mirror, fixture.spec.path), "").url for fixture in ARTICLES[:2])


# -- bad input ----------------------------------------------------------------------------


def test_a_file_that_is_not_a_warc_fails_naming_it(tmp_path):
    path = tmp_path / "page.warc"
    path.write_text("<html><body>a saved page</body></html>\n")
    assert failure(path) == f"{path} is not a WARC file: Invalid WARC header"


def test_a_gzip_member_cut_in_the_middle_fails_naming_the_file(tmp_path):
    path = tmp_path / "pages.warc.gz"
    placed = write_warc(path, article_captures())
    _, offset, length = placed[3]
    data = path.read_bytes()
    path.write_bytes(data[:offset + length // 2] + data[offset + length:])
    assert failure(path) == (f"{path} is damaged (a gzip member is cut or corrupt): "
                             "Gzip decompression error: data error")


def test_a_file_gone_unreadable_fails_naming_it(tmp_path):
    path = tmp_path / "pages.warc.gz"
    write_warc(path, article_captures())
    run = Run(Site(RFI), warc=str(path))
    path.unlink()
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close("source_failed") == f"{path} cannot be read: No such file or directory"


def test_a_warc_gzipped_as_a_whole_fails_saying_so(tmp_path):
    plain = tmp_path / "pages.warc"
    write_warc(plain, article_captures())
    path = tmp_path / "pages.warc.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    assert failure(path) == (f"{path} is gzipped as a whole, not record by record: records cannot be found by "
                             "offset (recompress it with `warcio recompress`)")


def test_a_zip_that_is_not_a_wacz_fails(tmp_path):
    path = tmp_path / "pages.wacz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "no WARC here")
    assert failure(path) == f"{path} is not a WACZ file: no archive/*.warc.gz inside"


def test_files_without_an_article_of_the_edition_fail_with_what_was_passed_over(tmp_path):
    write_warc(tmp_path / "a.warc.gz", [capture for capture, _ in noise()][:3])
    write_warc(tmp_path / "b.warc", [capture for capture, _ in noise()][3:])
    run = Run(Site(RFI), warc=str(tmp_path))
    with pytest.raises(CloseSpider):
        run.crawl()
    assert run.close("source_failed") == (
        "no article of /cn/ in the 2 WARC files (passed over: "
        "{not_200: 1, not_html: 1, old_site: 1, other_edition: 1, other_host: 1})")
    assert summary(run.stats).startswith("discovered 0, fetched 0")
