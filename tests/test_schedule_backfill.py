"""`scrapy schedule_backfill` in-process: the month windows, their split, the arguments, and a job's end.

The end-to-end run on two real scrapyd nodes is in tests/test_scrapyd.py; here a small stand-in
for scrapyd's API (schedule.json, listjobs.json, the job logs) answers on 127.0.0.1, so failed
and refused jobs cost no crawl.
"""

import base64
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from crawler.commands.schedule_backfill import Command, Window, contiguous_blocks, job_outcome, month_windows
from tests.conftest import run_command

SUMMARY = "discovered 2, fetched 2, new 2, updated 0, skipped as unchanged 0, dropped 0 {}, failed 0 {}"
STARTED = "2024-04-01 09:00:00 [scrapy.utils.log] INFO: Scrapy 2.19.0 started (bot: crawler)"
WORKED = f"{STARTED}\n…\n2024-04-01 09:00:09 [crawler.commands.crawl] INFO: Summary: {SUMMARY}\n"
FAILED = (f"{STARTED}\n2024-04-01 09:00:05 [crawler.verdict] ERROR: Run failed: cannot reach the site: "
          f"ConnectionRefusedError\n2024-04-01 09:00:05 [crawler.commands.crawl] INFO: Summary: {SUMMARY}\n")


def test_month_windows_clip_the_first_and_last_month():
    assert [str(window) for window in month_windows(date(2023, 11, 15), date(2024, 2, 10))] == [
        "2023-11-15..2023-11-30", "2023-12-01..2023-12-31", "2024-01-01..2024-01-31", "2024-02-01..2024-02-10"]
    assert month_windows(date(2024, 2, 29), date(2024, 2, 29)) == [Window(date(2024, 2, 29), date(2024, 2, 29))]
    assert month_windows(date(2023, 12, 31), date(2024, 1, 1))[0].month == "2023-12"


def test_nodes_get_contiguous_blocks_the_first_ones_longer():
    months = month_windows(date(2024, 1, 1), date(2024, 5, 31))
    assert [[window.month for window in block] for block in contiguous_blocks(months, 2)] == [
        ["2024-01", "2024-02", "2024-03"], ["2024-04", "2024-05"]]
    assert [len(block) for block in contiguous_blocks(months[:1], 3)] == [1, 0, 0]


def test_a_job_worked_when_its_last_run_ends_with_a_summary_and_no_failure():
    assert job_outcome(WORKED) == (True, SUMMARY)
    assert job_outcome(FAILED) == (False, "cannot reach the site: ConnectionRefusedError")
    assert job_outcome(f"{STARTED}\n")[0] is False  # refused its arguments: no Summary
    # A job id scheduled again appends its run to the same log: only the last run counts.
    assert job_outcome(WORKED + STARTED + "\n")[0] is False
    assert job_outcome(FAILED + WORKED) == (True, SUMMARY)


USAGE = "usage: scrapy schedule_backfill --since YYYY-MM-DD --until YYYY-MM-DD --nodes URL[,URL...]"


@pytest.mark.parametrize("arguments, message", [
    ((), f"missing --since ({USAGE})"),
    (("--since", "2024-01-01", "--until", "2024-02-01"), f"missing --nodes ({USAGE})"),
    (("--since", "2024-1-1", "--until", "2024-02-01", "--nodes", "http://a:6800"),
     "--since 2024-1-1 is not a date; use YYYY-MM-DD"),
    (("--since", "2024-03-01", "--until", "2024-02-01", "--nodes", "http://a:6800"),
     "--since 2024-03-01 is after --until 2024-02-01"),
    (("--since", "2024-01-01", "--until", "2024-02-01", "--nodes", "a:6800"),
     "--nodes: 'a:6800' is not an http(s) URL"),
    (("--since", "2024-01-01", "--until", "2024-02-01", "--nodes", "http://a:6800,http://u:p@a:6800/"),
     "--nodes names a:6800 twice"),
    (("--since", "2024-01-01", "--until", "2024-02-01", "--nodes", "http://a:6800", "-s", "STATE_DIR=/srv"),
     "give the state folder as --state-dir, not -s STATE_DIR="),
    (("--since", "2024-01-01", "--until", "2024-02-01", "--nodes", "http://a:6800", "extra"),
     f"unexpected extra ({USAGE})"),
])
def test_bad_arguments_exit_2_with_one_line(arguments, message):
    assert run_command(Command, *arguments) == (2, "", f"schedule_backfill: {message}\n")


class FakeScrapyd(ThreadingHTTPServer):
    """scrapyd's API as schedule_backfill uses it, with basic authentication: every job scheduled
    has ended at once, with the log `logs` gives its month (WORKED when not given)."""

    def __init__(self, logs=None, spiders=("rfi_cn", "rfi_tw")):
        super().__init__(("127.0.0.1", 0), FakeScrapydHandler)
        self.logs, self.spiders, self.scheduled = logs or {}, list(spiders), []
        self.name = f"127.0.0.1:{self.server_port}"
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, credentials="rfi:secret"):
        return f"http://{credentials}@{self.name}" if credentials else f"http://{self.name}"


class FakeScrapydHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self, head=False):
        if not self._authorized():
            return
        server, parts = self.server, urlsplit(self.path)
        if parts.path == "/listspiders.json":
            return self._send({"status": "ok", "spiders": server.spiders})
        if parts.path == "/listjobs.json":
            finished = [{"id": job["jobid"], "log_url": f"/logs/{job['jobid']}.log"} for job in server.scheduled]
            return self._send({"status": "ok", "pending": [], "running": [], "finished": finished})
        month = parts.path.removeprefix("/logs/rfi_cn-").removesuffix(".log")
        self._send_text(server.logs.get(month, WORKED).encode(), head)

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_POST(self):
        if not self._authorized():
            return
        fields = parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode())
        job = {name: value for name, value in fields if name != "setting"}
        job["settings"] = [value for name, value in fields if name == "setting"]
        self.server.scheduled.append(job)
        self._send({"status": "ok", "jobid": job["jobid"]})

    def _authorized(self):
        if self.headers.get("Authorization") == "Basic " + base64.b64encode(b"rfi:secret").decode():
            return True
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _send(self, answer):
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_text(self, body, head):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


@pytest.fixture
def nodes():
    servers = [FakeScrapyd(logs={"2024-02": FAILED}), FakeScrapyd()]
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def schedule(nodes, *extra):
    return run_command(Command, "--since", "2024-01-15", "--until", "2024-03-10", "--interval", "0.01",
                       "--nodes", ",".join(node.url() for node in nodes), *extra)


def test_each_month_is_scheduled_on_its_node_and_a_failed_one_exits_1_naming_it(nodes):
    a, b = nodes
    exitcode, stdout, stderr = schedule(nodes, "--state-dir", "/srv/state-{node}", "-s", "DOWNLOAD_DELAY=0")
    assert exitcode == 1
    assert stderr == f"schedule_backfill: 1 of 3 jobs failed: rfi_cn-2024-02 on {a.name}\n"
    assert stdout.splitlines() == [
        f"scheduled rfi_cn-2024-01 (2024-01-15..2024-01-31) on {a.name}",
        f"scheduled rfi_cn-2024-02 (2024-02-01..2024-02-29) on {a.name}",
        f"scheduled rfi_cn-2024-03 (2024-03-01..2024-03-10) on {b.name}",
        f"{a.name} 2024-01-15..2024-01-31 finished: {SUMMARY}",
        f"{a.name} 2024-02-01..2024-02-29 failed: cannot reach the site: ConnectionRefusedError",
        f"{b.name} 2024-03-01..2024-03-10 finished: {SUMMARY}",
    ]
    state_a = f"STATE_DIR=/srv/state-127.0.0.1_{a.server_port}"
    assert a.scheduled == [
        {"project": "rfi_crawler", "spider": "rfi_cn", "jobid": "rfi_cn-2024-01", "since": "2024-01-15",
         "until": "2024-01-31", "settings": [state_a, "DOWNLOAD_DELAY=0"]},
        {"project": "rfi_crawler", "spider": "rfi_cn", "jobid": "rfi_cn-2024-02", "since": "2024-02-01",
         "until": "2024-02-29", "settings": [state_a, "DOWNLOAD_DELAY=0"]},
    ]
    assert [job["jobid"] for job in b.scheduled] == ["rfi_cn-2024-03"]


def test_all_jobs_finished_exit_0(nodes):
    nodes[0].logs.clear()
    exitcode, stdout, stderr = schedule(nodes, "--spider", "rfi_tw")
    assert (exitcode, stderr) == (0, "")
    assert stdout.splitlines()[-1] == "all 3 jobs finished"
    assert [job["jobid"] for job in nodes[0].scheduled] == ["rfi_tw-2024-01", "rfi_tw-2024-02"]


def test_a_node_that_refuses_the_credentials_stops_it_before_anything_is_scheduled(nodes):
    a, b = nodes
    exitcode, stdout, stderr = run_command(
        Command, "--since", "2024-01-15", "--until", "2024-03-10",
        "--nodes", f"{a.url()},{b.url('rfi:wrong')}")
    assert (exitcode, stdout) == (1, "")
    assert stderr == f"schedule_backfill: {b.name} refused the credentials (401); nothing scheduled\n"
    exitcode, _, stderr = run_command(Command, "--since", "2024-01-15", "--until", "2024-03-10",
                                      "--nodes", b.url(None))
    assert stderr == (f"schedule_backfill: {b.name} asks for credentials (user:password@ in the URL) (401); "
                      "nothing scheduled\n")
    exitcode, _, stderr = run_command(Command, "--since", "2024-01-15", "--until", "2024-03-10",
                                      "--nodes", a.url(), "--spider", "rfi_fr")
    assert stderr == f"schedule_backfill: {a.name} has no spider rfi_fr in project rfi_crawler; nothing scheduled\n"
    assert a.scheduled == b.scheduled == []
