"""PAGES_ARCHIVE=DIR: the pages a live crawl reads, kept as WARC files that pywb and `-a warc=DIR` read.

What goes into the files, their rotation and a file cut short are decided in-process, by handing the
extension the responses Scrapy would; one live crawl of the mirror is then indexed by pywb's
`wb-manager` and re-extracted with `-a warc=`, and one crawl is killed with SIGKILL.
"""

import io
import json
import os
import random
import signal
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.archives.pages_archive import PagesArchive
from crawler.verdict import run_failure
from crawler.run_checks import RunRefused
from crawler.spiders.rfi_cn import RfiCnSpider
from tests.archive_servers import pywb_collection
from tests.conftest import run_crawl, start_crawl
from tests.fixtures.articles import ARTICLES
from tests.inprocess import PROJECT_SETTINGS
from tests.mirror.server import Mirror
from tests.mirror.site import build_site

BASE_URL = "http://127.0.0.1:8000"
SPECS = [fixture.spec for fixture in ARTICLES]
ARTICLE_URL = BASE_URL + "/cn/%E4%B8%AD%E5%9B%BD/20240301-%E6%96%87%E7%AB%A0"
# What a live run gives and a re-extraction cannot: where and when the copy was read.
PROVENANCE_FIELDS = ("source", "crawled_at", "fetched_at", "via")


# -- in-process ------------------------------------------------------------------------


class Archive:
    """The extension of one run, handed responses as the engine's response_received signal hands them."""

    def __init__(self, folder, **settings):
        self.crawler = crawler_with({"PAGES_ARCHIVE": str(folder), **settings})
        self.extension = PagesArchive.from_crawler(self.crawler)
        self.crawler.stats.open_spider()
        self.extension.spider_opened(spider=None)
        self.folder = Path(folder)

    def receive(self, response):
        self.extension.response_received(response=response, request=response.request, spider=None)

    def close(self):
        self.extension.spider_closed(spider=None)
        return self

    def stat(self, name):
        return self.crawler.stats.get_value(name)

    def files(self):
        return sorted(self.folder.iterdir())


def crawler_with(settings):
    # Without the project's extensions: this test makes the one it tests.
    return get_crawler(RfiCnSpider, {**PROJECT_SETTINGS, "RFI_BASE_URL": BASE_URL, "INCREMENTAL": False,
                                     "EXTENSIONS_BASE": {}, "EXTENSIONS": {}, **settings})


def page(url, body, cls=HtmlResponse, status=200, headers=None):
    request = Request(url, headers={"User-Agent": "rfi-crawler/1.0"})
    return cls(url=url, status=status, body=body, request=request, ip_address=None, protocol="HTTP/1.1",
               headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def records(path_or_bytes):
    """Every record of a WARC as (type, target URI, WARC headers, HTTP headers, payload)."""
    stream = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb")
    with stream:
        return [(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), record.rec_headers,
                 record.http_headers, record.content_stream().read()) for record in ArchiveIterator(stream)]


def test_not_configured_without_pages_archive():
    crawler = crawler_with({"PAGES_ARCHIVE": None})
    with pytest.raises(NotConfigured):
        PagesArchive.from_crawler(crawler)


def test_a_run_from_a_web_archive_keeps_no_pages_and_asks_nothing_of_the_folder(tmp_path):
    taken = tmp_path / "a-file"  # a folder it could not write
    taken.write_text("x")
    crawler = crawler_with({"PAGES_ARCHIVE": str(taken)})
    crawler.spider = RfiCnSpider.from_crawler(crawler, source="wayback")
    with pytest.raises(NotConfigured) as off:
        PagesArchive.from_crawler(crawler)
    assert str(off.value) == "PAGES_ARCHIVE keeps the pages of live crawls of the site; source=wayback writes none"


def test_a_folder_that_cannot_be_written_refuses_the_run_with_one_line(tmp_path):
    taken = tmp_path / "a-file"
    taken.write_text("x")
    with pytest.raises(RunRefused) as refused:
        Archive(taken)
    assert (refused.value.exitcode, str(refused.value)) == (2, f"PAGES_ARCHIVE={taken} is not a folder")
    with pytest.raises(RunRefused) as refused:
        Archive(taken / "pages")
    assert (refused.value.exitcode, str(refused.value)) == (
        1, f"PAGES_ARCHIVE={taken / 'pages'} cannot be written: {taken} is not a writable folder")


def test_each_page_read_is_a_request_and_a_response_record(tmp_path):
    folder = tmp_path / "not" / "yet" / "made"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    archive = Archive(folder)
    assert not folder.exists(), "nothing is made before a page is read"
    article = page(ARTICLE_URL, "<html><body>文章</body></html>".encode("utf-8"))
    feed = page(BASE_URL + "/cn/rss", b"<rss/>", cls=XmlResponse, headers={"Content-Type": "application/rss+xml"})
    missing = page(BASE_URL + "/cn/gone", b"not found\n", cls=TextResponse, status=404,
                   headers={"Content-Type": "text/plain"})
    local = page((tmp_path / "saved.md").as_uri(), b"saved", cls=Response)
    for response in (article, feed, missing, local):
        archive.receive(response)
    archive.close()
    after = datetime.now(timezone.utc)

    [file] = archive.files()
    assert file.name == f"rfi_cn-{archive.extension.run_time}-00000.warc.gz"
    assert before <= datetime.strptime(archive.extension.run_time, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc) <= after
    read = records(file)
    assert [(kind, uri) for kind, uri, *_ in read] == [
        ("warcinfo", None),
        ("response", ARTICLE_URL), ("request", ARTICLE_URL),
        ("response", BASE_URL + "/cn/rss"), ("request", BASE_URL + "/cn/rss"),
        ("response", BASE_URL + "/cn/gone"), ("request", BASE_URL + "/cn/gone"),
    ]
    assert (archive.stat("pages_archive/records"), archive.stat("pages_archive/files")) == (7, 1)

    _, _, warc, http, payload = read[1]
    assert payload == article.body
    assert http.protocol == "HTTP/1.1" and http.statusline == "200 OK"
    assert http.headers == [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(article.body)))]
    fetched = datetime.strptime(warc.get_header("WARC-Date"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= fetched <= after
    _, _, request_warc, request_http, request_body = read[2]
    assert request_warc.get_header("WARC-Concurrent-To") == warc.get_header("WARC-Record-ID")
    assert request_warc.get_header("WARC-Date") == warc.get_header("WARC-Date")
    assert request_http.protocol == "GET" and request_http.statusline == (
        "/cn/%E4%B8%AD%E5%9B%BD/20240301-%E6%96%87%E7%AB%A0 HTTP/1.1")
    assert request_http.headers == [("Host", "127.0.0.1:8000"), ("User-Agent", "rfi-crawler/1.0")]
    assert request_body == b""
    assert read[5][3].statusline == "404 Not Found" and read[5][4] == b"not found\n"


def test_the_body_is_kept_as_read_and_headers_about_the_bytes_sent_are_renamed(tmp_path):
    """Scrapy hands the spider the body dechunked and decompressed: the record holds those bytes, with a
    Content-Length that fits them, and says how they were sent as Common Crawl does (X-Crawler-*)."""
    archive = Archive(tmp_path)
    body = "<html><body>文章</body></html>".encode("utf-8")
    archive.receive(page(ARTICLE_URL, body, headers={"Content-Length": "17", "Transfer-Encoding": "chunked",
                                                     "Content-Encoding": "br"}))
    archive.close()
    [file] = archive.files()
    _, _, _, http, payload = records(file)[1]
    assert payload == body
    assert http.headers == [("Content-Type", "text/html; charset=utf-8"), ("X-Crawler-Content-Length", "17"),
                            ("X-Crawler-Transfer-Encoding", "chunked"), ("X-Crawler-Content-Encoding", "br"),
                            ("Content-Length", str(len(body)))]


def test_a_file_is_closed_and_the_next_started_once_it_passes_the_size(tmp_path):
    pages = [page(f"{ARTICLE_URL}-{number}", random.Random(number).randbytes(40_000)) for number in range(5)]
    # 0.1 MiB: a file passes it with its third page (each about 40 kB, incompressible).
    archive = Archive(tmp_path, PAGES_ARCHIVE_MAX_MB=0.1)
    for response in pages:
        archive.receive(response)
    archive.close()
    run_time = archive.extension.run_time
    assert [file.name for file in archive.files()] == [f"rfi_cn-{run_time}-00000.warc.gz",
                                                       f"rfi_cn-{run_time}-00001.warc.gz"]
    first, second = (records(file) for file in archive.files())
    assert [uri for kind, uri, *_ in first if kind == "response"] == [response.url for response in pages[:3]]
    assert [uri for kind, uri, *_ in second if kind == "response"] == [response.url for response in pages[3:]]
    assert first[0][0] == second[0][0] == "warcinfo"
    assert os.path.getsize(archive.files()[0]) > 0.1 * 1024 * 1024
    assert (archive.stat("pages_archive/records"), archive.stat("pages_archive/files")) == (12, 2)


def test_a_file_of_another_run_is_never_written_over(tmp_path):
    archive = Archive(tmp_path)
    taken = tmp_path / f"rfi_cn-{archive.extension.run_time}-00000.warc.gz"
    taken.write_bytes(b"another run's")
    archive.receive(page(ARTICLE_URL, b"<html></html>"))
    archive.close()
    assert taken.read_bytes() == b"another run's"
    assert [file.name for file in archive.files()] == [taken.name, taken.name.replace("-00000", "-00001")]
    assert [uri for kind, uri, *_ in records(archive.files()[1])] == [None, ARTICLE_URL, ARTICLE_URL]


def test_a_disk_that_fills_up_stops_the_archive_and_fails_the_run_at_its_end(tmp_path, monkeypatch, caplog):
    archive = Archive(tmp_path)
    archive.receive(page(ARTICLE_URL, b"<html></html>"))

    def disk_full(descriptor, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("crawler.archives.pages_archive.write_whole", disk_full)
    archive.receive(page(ARTICLE_URL + "-2", b"<html></html>"))
    archive.receive(page(ARTICLE_URL + "-3", b"<html></html>"))
    archive.close()
    failure = f"cannot write to PAGES_ARCHIVE={tmp_path}: [Errno 28] No space left on device"
    assert archive.stat("pages_archive/failure") == failure
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == [
        f"{failure}; the pages fetched from now on are not archived"]
    [file] = archive.files()
    assert [uri for kind, uri, *_ in records(file)] == [None, ARTICLE_URL, ARTICLE_URL]
    assert archive.stat("pages_archive/records") == 3
    assert run_failure(archive.crawler.stats, archive.crawler.settings, "finished") == f"the pages archive stopped: {failure}"


def test_a_file_cut_at_any_byte_reads_up_to_its_last_complete_record(tmp_path):
    """What a run killed mid-write leaves: every record written before the cut reads whole."""
    archive = Archive(tmp_path)
    for number in range(4):
        archive.receive(page(f"{ARTICLE_URL}-{number}", f"<html><body>文章 {number}</body></html>".encode()))
    archive.close()
    [file] = archive.files()
    data = file.read_bytes()
    whole = records(data)
    with open(file, "rb") as stream:
        iterator = ArchiveIterator(stream)
        ends = [iterator.get_record_offset() + iterator.get_record_length() for _ in iterator]
    assert ends[-1] == len(data) and len(ends) == 9
    for cut in range(len(data)):
        complete = sum(end <= cut for end in ends)
        read = read_until_error(data[:cut])
        assert summarise(read[:complete]) == summarise(whole[:complete]), f"cut at byte {cut}"


def summarise(read):
    return [(kind, uri, payload) for kind, uri, _, _, payload in read]


def read_until_error(data):
    read = []
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            read.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), None, None,
                         record.content_stream().read()))
    except Exception:
        pass
    return read


# -- end to end -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_run(tmp_path_factory):
    """One live crawl of the mirror with PAGES_ARCHIVE set: its items, its archive, the mirror."""
    tmp_path = tmp_path_factory.mktemp("live")
    with Mirror() as mirror:
        built = build_site(mirror, SPECS)
        result = run_crawl(tmp_path, settings={"RFI_BASE_URL": mirror.base_url, "PAGES_ARCHIVE": str(tmp_path / "pages")})
        assert result.returncode == 0, result.stderr[-2000:]
        yield result, tmp_path / "pages", mirror, built


def test_the_live_run_keeps_every_page_it_read(live_run):
    result, pages, mirror, built = live_run
    assert len(result.items) == len(SPECS)
    [file] = sorted(pages.iterdir())
    responses = [uri for kind, uri, *_ in records(file) if kind == "response"]
    listings = [mirror.base_url + path for path in ("/robots.txt", "/cn/rss", "/sitemaps/cn/news.xml")]
    assert sorted(responses) == sorted(listings + list(built.articles.values()))


def test_pywb_indexes_the_archive(live_run, tmp_path):
    _, pages, mirror, built = live_run
    [file] = sorted(pages.iterdir())
    # wb-manager writes one CDXJ line per response record: "<SURT> <timestamp> <JSON>".
    lines = pywb_collection(tmp_path, "pages", [file]).read_text().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    articles = sorted(entry["url"] for entry in entries if entry["mime"] == "text/html")
    assert articles == sorted(built.articles.values())
    assert {(entry["status"], entry["filename"]) for entry in entries} == {("200", file.name)}
    assert len(entries) == len(built.articles) + 3  # robots.txt, the feed, the news sitemap


def test_the_archive_re_extracts_to_the_live_articles(live_run, tmp_path):
    """-a warc=DIR over the live run's archive, with a fresh state: every field but where and when it
    was read is the live run's."""
    live, pages, mirror, _ = live_run
    again = run_crawl(tmp_path, f"warc={pages}", settings={"RFI_BASE_URL": mirror.base_url})
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(again.items) == len(live.items) == len(SPECS)
    live_by_id = {item["id"]: item for item in live.items}
    assert sorted(item["id"] for item in again.items) == sorted(live_by_id)
    for item in again.items:
        expected = live_by_id[item["id"]]
        for field in expected.keys() - set(PROVENANCE_FIELDS):
            assert item[field] == expected[field], f"{item['url']}: {field}"
        assert set(item) == set(expected)
        assert item["source"] == "warc"


def test_a_run_killed_with_sigkill_leaves_every_page_it_archived_readable(tmp_path):
    with Mirror() as mirror:
        built = build_site(mirror, SPECS)
        held = SPECS[-1].path
        mirror.add_fault(held, "slow:60")
        pages = tmp_path / "pages"
        process = start_crawl(tmp_path / "out.jsonl", {"RFI_BASE_URL": mirror.base_url, "PAGES_ARCHIVE": str(pages),
                                                        "STATE_DIR": str(tmp_path / "state")})
        try:
            # Every page but the held one: the listings and all other articles.
            expected = 3 + len(SPECS) - 1
            wait_for(lambda: len(archived_responses(pages)) >= expected, process)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
    responses = archived_responses(pages)
    assert sorted(unquote(urlsplit(uri).path) for uri in responses) == sorted(
        ["/robots.txt", "/cn/rss", "/sitemaps/cn/news.xml"] + [path for path in built.articles if path != held])


def archived_responses(folder):
    files = sorted(folder.glob("*.warc.gz")) if folder.exists() else []
    return [uri for file in files for kind, uri, *_ in read_until_error(file.read_bytes()) if kind == "response"]


def wait_for(condition, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        assert process.poll() is None, "the crawl ended before it was killed"
        time.sleep(0.05)
    raise AssertionError(f"not reached in {timeout} s")
