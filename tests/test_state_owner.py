"""The incremental state's interface, in-process: what to fetch, which version to emit, what is held
once written, and when the file is checked."""

import logging
import sqlite3
import subprocess
import sys

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.incremental import IncrementalState, SkipUnchangedArticles
from crawler.items import Article
from crawler.state import StateError
from tests.conftest import CRAWL_ENV, REPO

PUBLISHED = "2024-03-01T08:00:00+00:00"
MODIFIED = "2024-03-01T10:00:00+00:00"
LATER = "2024-03-02T09:00:00+00:00"


def article(number=1, paragraphs=("第一段。",), modified=MODIFIED):
    return {"id": f"rfi-cn-{number:020x}", "url": f"https://www.rfi.fr/cn/中国/20240301-文章-{number}",
            "title": f"第{number}篇", "lede": None, "paragraphs": list(paragraphs),
            "published": PUBLISHED, "modified": modified}


@pytest.fixture()
def path(tmp_path):
    return tmp_path / "state" / "rfi_cn.sqlite3"


@pytest.fixture()
def stats():
    crawler = get_crawler()
    crawler.stats.open_spider()
    return crawler.stats


@pytest.fixture()
def open_state(path, stats, tmp_path):
    """Opens the state as a run does (the test closes it)."""
    return lambda: IncrementalState(path, stats, outputs=lambda: [str(tmp_path / "run.jsonl")])


def emit(state, item):
    """What VersionArticles and a feed do: version the article, write its line, mark it written."""
    item["version"] = state.version_for(item)
    state.mark_written(item)
    return item["version"]


def held(open_state, *items):
    """The state of a run after one that emitted these articles."""
    first = open_state()
    for item in items:
        emit(first, item)
    first.close()
    return open_state()


def test_an_article_the_state_does_not_hold_is_fetched(open_state):
    state = open_state()
    assert state.should_fetch(article()["id"], None)
    assert state.should_fetch(article()["id"], LATER)
    state.close()


def test_a_held_article_is_fetched_only_when_listed_as_modified_since(open_state):
    state = held(open_state, article())
    article_id = article()["id"]
    assert not state.should_fetch(article_id, None)
    assert not state.should_fetch(article_id, MODIFIED)
    assert state.should_fetch(article_id, LATER)
    state.close()


def test_refresh_and_urls_fetch_a_held_article_anyway(open_state):
    state = held(open_state, article())
    assert state.should_fetch(article()["id"], None, always=True)
    state.close()


def test_held_articles_skipped_are_counted_when_the_state_closes(open_state, stats):
    state = held(open_state, article(1), article(2))
    stats.clear_stats()
    state.should_fetch(article(1)["id"], None)
    state.should_fetch(article(2)["id"], None)
    state.should_fetch(article(2)["id"], LATER)  # another listing shows it modified: requested
    assert stats.get_value("articles/skipped_known") is None
    state.close()
    assert stats.get_value("articles/skipped_known") == 1
    assert stats.get_value("state/articles") == 2


def test_a_new_article_is_version_1(open_state):
    state = open_state()
    assert state.version_for(article()) == 1
    state.close()


def test_the_same_content_again_is_not_emitted(open_state):
    state = held(open_state, article())
    assert state.version_for(article()) is None
    assert state.version_for(article(modified=None)) is None, "a source without the date is no change"
    state.close()


def test_changed_content_is_the_next_version(open_state):
    state = held(open_state, article())
    assert state.version_for(article(paragraphs=("第一段。", "新的一段。"))) == 2
    state.close()


def test_a_later_modified_date_alone_is_the_next_version(open_state):
    state = held(open_state, article())
    assert state.version_for(article(modified=LATER)) == 2
    state.close()


def test_a_version_whose_line_was_not_written_is_not_held(open_state):
    first = open_state()
    assert first.version_for(article()) == 1
    first.close()
    second = open_state()
    assert second.version_for(article()) == 1
    second.close()


def test_a_written_version_is_held_at_once_and_by_the_next_run(open_state):
    first = open_state()
    emit(first, article())
    assert first.version_for(article()) is None
    assert emit(first, article(paragraphs=("改过的一段。",))) == 2
    first.close()
    second = open_state()
    assert second.version_for(article(paragraphs=("改过的一段。",))) is None
    assert second.version_for(article(paragraphs=("又改了。",))) == 3
    assert not second.should_fetch(article()["id"], None)
    second.close()


def test_a_listed_page_without_an_article_is_not_fetched_again_until_listed_as_modified(open_state, stats):
    first = open_state()
    assert first.should_fetch("rfi-cn-video", MODIFIED)
    first.remember_without_article("rfi-cn-video", "https://www.rfi.fr/cn/视频/20240301-视频", MODIFIED)
    first.close()
    second = open_state()
    assert not second.should_fetch("rfi-cn-video", MODIFIED)
    assert second.should_fetch("rfi-cn-video", LATER)
    second.close()
    assert stats.get_value("state/articles") == 0, "not an article"


def listed_page(url, listed_id):
    return Response(url, request=Request(url, meta={"article_id": listed_id, "listed_lastmod": MODIFIED}))


def test_the_middleware_remembers_the_listed_pages_that_gave_no_article_under_their_id(open_state):
    state = open_state()
    middleware = SkipUnchangedArticles(state, refresh=False)
    # A video page, and an old URL redirected to another article: neither gave an article under its id.
    video = listed_page("https://www.rfi.fr/cn/视频/20240302-一段视频", "rfi-cn-video")
    assert list(middleware.process_spider_output(video, iter([]))) == []
    moved = listed_page("https://www.rfi.fr/cn/中国/20240101-旧地址", "rfi-cn-moved")
    redirected_to = Article(**article(2))
    assert list(middleware.process_spider_output(moved, iter([redirected_to]))) == [redirected_to]
    # An article page gave its article (whose line this run never wrote).
    page = listed_page(article(3)["url"], article(3)["id"])
    list(middleware.process_spider_output(page, iter([Article(**article(3))])))
    state.close()

    second = open_state()
    assert not second.should_fetch("rfi-cn-video", MODIFIED)
    assert not second.should_fetch("rfi-cn-moved", MODIFIED)
    assert second.should_fetch(article(3)["id"], MODIFIED)
    second.close()


# -- when the file is checked ------------------------------------------------------


@pytest.fixture()
def statements(monkeypatch):
    """Every SQL statement the state runs."""
    executed = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(executed.append)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    return executed


def killed_while_open(path):
    """A run that opened the state, wrote to it and was killed before closing it."""
    script = ("import os, signal, sys; from crawler.incremental import IncrementalState; "
              "state = IncrementalState(sys.argv[1], None, outputs=list); "
              "state.remember_without_article('rfi-cn-video', 'https://www.rfi.fr/cn/视频/x', None); "
              "os.kill(os.getpid(), signal.SIGKILL)")
    process = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO, env=CRAWL_ENV)
    assert process.returncode == -9


def test_a_state_closed_cleanly_is_not_checked_again(open_state, statements):
    open_state().close()
    statements.clear()
    open_state().close()
    assert "PRAGMA quick_check" not in statements


def test_a_state_its_last_run_did_not_close_is_checked(path, open_state, statements, caplog):
    open_state().close()
    killed_while_open(path)
    statements.clear()
    caplog.set_level(logging.INFO, logger="crawler.state")
    state = open_state()
    assert "PRAGMA quick_check" in statements
    assert f"State file {path} was not closed by its last run: checking it" in caplog.text
    assert not state.should_fetch("rfi-cn-video", None), "what the killed run wrote is kept"
    state.close()
    statements.clear()
    open_state().close()
    assert "PRAGMA quick_check" not in statements


def test_a_file_that_is_not_a_database_is_refused_before_any_check(path, open_state):
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match=r"is corrupt \(file is not a database\); move it away"):
        open_state()
    assert path.read_bytes() == b"this is not a database" * 100
