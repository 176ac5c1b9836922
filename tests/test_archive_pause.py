"""A web-archive run paused while it reads the index goes on where it stopped, as a JOBDIR keeps it.

Scrapy's JOBDIR keeps two things across a pause: the queued requests (as Request.to_dict() makes them)
and spider.state (SpiderState pickles it). Both are rebuilt here in-process, the way Scrapy rebuilds
them, between two runs of source=wayback over an index of three pages.
"""

import pickle
from collections import deque

from scrapy.utils.request import request_from_dict

from tests.fixtures.articles import ARTICLES
from tests.test_wayback_source import archive, article_captures, assert_exact, wayback


def paused_run(site, after):
    """A run stopped once `after` requests were answered: its queue and its state, as a JOBDIR holds them."""
    run = wayback(site)
    run.spider.state = {}  # what SpiderState gives a run with a JOBDIR
    queue = deque(run.start())
    for _ in range(after):
        queue.extend(run.fetch(queue.popleft()))
    kept = [request.to_dict(spider=run.spider) for request in queue]
    return run, kept, pickle.dumps(run.spider.state)


def test_a_run_paused_in_the_middle_of_the_index_resumes_without_losing_a_page():
    site = archive(article_captures(), pages=3)
    # Paused after the page count and the first page of the index: the second page is queued.
    first, queued, state = paused_run(site, after=2)
    assert first.items == []

    resumed = wayback(site)
    resumed.spider.state = pickle.loads(state)
    assert resumed.start() == []  # nothing is asked again: the queue holds the next page
    queue = deque(request_from_dict(request, spider=resumed.spider) for request in queued)
    while queue:
        queue.extend(resumed.fetch(queue.popleft()))
    # The captures of the first page, read before the pause, are fetched too.
    assert_exact(resumed.items, ARTICLES)
    assert resumed.spider.state["archive_index"]["newest"] == {}  # a later run with the JOBDIR starts afresh


def test_a_run_with_a_jobdir_that_was_not_paused_reads_the_whole_index():
    site = archive(article_captures(), pages=3)
    run = wayback(site)
    run.spider.state = {}
    run.crawl()
    assert_exact(run.items, ARTICLES)
    assert run.close() is None
