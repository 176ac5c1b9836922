"""`scrapy schedule_backfill --since … --until … --nodes URL,URL`: a backfill as month jobs on scrapyd nodes.

The window is cut into one job per calendar month (the first and last clipped to --since and
--until), and the months are dealt to the nodes in contiguous blocks: node 1 the oldest, the last
node the newest. Each node's STATE_DIR then holds one unbroken range of months, so it is plain
which node holds (and reruns) a month, and the same command line always gives each month to the
same node. Each job is scheduled with schedule.json (since/until as spider arguments, STATE_DIR as
a setting, the job id naming the window: rfi_cn-2024-03); then listjobs.json is polled until every
job has ended.

listjobs.json lists an ended job under `finished` whatever its exit status, so the job's own log
(its `log_url`) tells: a run that worked ends with the `Summary:` line, a failed one logs
`Run failed: <reason>` before it, and one that could not start has no Summary at all.

Credentials go in the node's URL (http://user:password@host:6800, percent-encoded), sent as HTTP
basic authentication and never printed.

Exit codes: 0 every job worked; 1 a job failed (each named), a node could not be reached, refused
the credentials or has not the project or spider (checked before any job is scheduled), or the
timeout passed with jobs still running (they run on); 2 bad arguments. Errors are one line on
stderr.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import date
from email.message import Message
from typing import NamedTuple
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from scrapy.commands import ScrapyCommand

from crawler.arguments import iso_date, next_month
from crawler.wording import one_line

USAGE = "scrapy schedule_backfill --since YYYY-MM-DD --until YYYY-MM-DD --nodes URL[,URL...]"
DEFAULT_STATE_DIR = "/var/lib/rfi-crawler/state"
# Enough of a job's log to hold its `Run failed:` line, Scrapy's stats dump and the Summary after it.
LOG_TAIL_BYTES = 64 * 1024
# Scrapy's first line in a log; a job id scheduled again appends its run to the same log file.
RUN_START = re.compile(r"Scrapy \S+ started \(bot: ")


class NodeError(Exception):
    """A scrapyd node that could not be reached or that refused a request; the message is one line."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status, when the node answered


@dataclass(frozen=True)
class Window:
    """One month of the backfill, clipped to the backfill's ends."""

    since: date
    until: date

    @property
    def month(self) -> str:
        return self.since.strftime("%Y-%m")

    def __str__(self) -> str:
        return f"{self.since}..{self.until}"


def month_windows(since: date, until: date) -> list[Window]:
    windows = []
    first = since
    while first <= until:
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        windows.append(Window(first, min(last, until)))
        first = next_month(first)
    return windows


def contiguous_blocks(windows: list[Window], count: int) -> list[list[Window]]:
    """The windows in `count` runs of consecutive months, the first runs one longer when they do not divide."""
    size, extra = divmod(len(windows), count)
    blocks, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        blocks.append(windows[start:end])
        start = end
    return blocks


class _Answer(NamedTuple):
    headers: Message
    body: bytes


class Node:
    """A scrapyd's JSON API, with the credentials its URL carries."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
        self.name = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.base = urlunsplit((parts.scheme, self.name, parts.path.rstrip("/") + "/", "", ""))
        self.authorization = None
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self.authorization = "Basic " + base64.b64encode(credentials.encode()).decode()

    def get(self, endpoint: str, **query) -> dict:
        return self._json(self._request(endpoint + ("?" + urlencode(query) if query else "")).body)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        return self._json(self._request(endpoint, data=urlencode(fields).encode()).body)

    def log_tail(self, path: str) -> str:
        """The last LOG_TAIL_BYTES of a file scrapyd serves (a job's log_url), from its first whole line."""
        # twisted's static File, which serves the logs, fails (500) on a suffix Range longer than
        # the file: ask for the size, then for the bytes from an offset.
        size = int(self._request(path.lstrip("/"), method="HEAD").headers["Content-Length"])
        offset = max(0, size - LOG_TAIL_BYTES)
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        text = self._request(path.lstrip("/"), headers=headers).body.decode("utf-8", errors="replace")
        return text.split("\n", 1)[1] if offset and "\n" in text else text

    def _request(self, endpoint: str, data: bytes | None = None, headers: dict | None = None,
                 method: str | None = None) -> _Answer:
        request = Request(self.base + endpoint, data=data, headers=headers or {}, method=method)
        if self.authorization:
            request.add_header("Authorization", self.authorization)
        try:
            with urlopen(request, timeout=30) as response:
                return _Answer(response.headers, response.read())
        except HTTPError as error:
            if error.code == 401:
                reason = ("refused the credentials" if self.authorization
                          else "asks for credentials (user:password@ in the URL)")
                raise NodeError(f"{self.name} {reason} (401)", 401) from None
            raise NodeError(f"{self.name} answered {error.code} to {endpoint.split('?')[0]}", error.code) from None
        except (URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise NodeError(f"cannot reach {self.name}: {one_line(reason)}") from None

    def _json(self, body: bytes) -> dict:
        try:
            answer = json.loads(body)
        except ValueError:
            raise NodeError(f"{self.name} answered something else than JSON: is it scrapyd?") from None
        if answer.get("status") != "ok":
            raise NodeError(f"{self.name}: {one_line(answer.get('message', answer))}")
        return answer


@dataclass
class Job:
    node: Node
    window: Window
    id: str
    outcome: str | None = None  # "finished: <Summary>" or "failed: <reason>" once it has ended
    ok: bool = False


def job_outcome(log: str) -> tuple[bool, str]:
    """Whether a job worked, and its Summary or why it failed, from the end of its log."""
    starts = list(RUN_START.finditer(log))
    if starts:
        log = log[starts[-1].start():]
    summary = failure = None
    for line in log.splitlines():
        if "Summary: " in line:
            summary = line.split("Summary: ", 1)[1]
        elif "Run failed: " in line:
            failure = line.split("Run failed: ", 1)[1]
        elif "forcing unclean shutdown" in line:
            failure = "forced to stop before it finished"
    if failure:
        return False, failure
    if summary is None:
        return False, "no Summary line in its log: the run did not start or was killed (see the node's scrapyd log)"
    return True, summary


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "--since YYYY-MM-DD --until YYYY-MM-DD --nodes URL[,URL...]"

    def short_desc(self) -> str:
        return "Split a backfill into month jobs over scrapyd nodes, schedule them and report each job's end"

    def long_desc(self) -> str:
        return (
            "Cut since..until into one job per month (the first and last clipped), give the nodes contiguous "
            "blocks of months (the first node the oldest), schedule each with scrapyd's schedule.json (job id "
            "SPIDER-YYYY-MM, since/until as spider arguments, STATE_DIR and every -s as settings), then poll "
            "listjobs.json until every job has ended and print one line per job: node, window, finished or "
            "failed, as the job's log tells. Credentials go in the URL: http://user:password@host:6800. "
            "Exit 0 when every job worked, 1 when one failed or a node refused, 2 on bad arguments."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="the backfill's first day (required)")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="the backfill's last day (required)")
        parser.add_argument("--nodes", metavar="URL,URL", help="the scrapyd nodes, comma-separated (required)")
        parser.add_argument("--spider", default="rfi_cn", help="the spider to run (default rfi_cn)")
        parser.add_argument("--project", default="rfi_crawler", help="the deployed project (default rfi_crawler)")
        parser.add_argument(
            "--state-dir", metavar="PATH", default=DEFAULT_STATE_DIR,
            help=f"STATE_DIR on every node (default {DEFAULT_STATE_DIR}); {{node}} in it becomes the node's "
                 "host_port, for several nodes on one machine",
        )
        parser.add_argument("--interval", metavar="SECONDS", type=float, default=10.0,
                            help="seconds between two looks at listjobs.json (default 10)")
        parser.add_argument("--timeout", metavar="SECONDS", type=float, default=0.0,
                            help="stop waiting after this long, exit 1, the jobs running on (default 0: wait)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Scrapy parses with parse_known_args: an unknown option or a stray word lands in args.
        if args:
            return self._fail(2, f"unexpected {args[0]} (usage: {USAGE})")
        for name in ("since", "until", "nodes"):
            if not getattr(opts, name):
                return self._fail(2, f"missing --{name} (usage: {USAGE})")
        try:
            since = iso_date(opts.since, written_as=f"--since {opts.since}")
            until = iso_date(opts.until, written_as=f"--until {opts.until}")
        except ValueError as error:
            return self._fail(2, str(error))
        if since > until:
            return self._fail(2, f"--since {since} is after --until {until}")
        if opts.interval <= 0 or opts.timeout < 0:
            return self._fail(2, "--interval must be above 0 and --timeout at least 0")
        try:
            nodes = [Node(url.strip()) for url in opts.nodes.split(",")]
        except ValueError as error:
            return self._fail(2, f"--nodes: {error}")
        names = [node.name for node in nodes]
        if len(set(names)) < len(names):
            return self._fail(2, f"--nodes names {next(name for name in names if names.count(name) > 1)} twice")
        if any(setting.partition("=")[0] == "STATE_DIR" for setting in opts.set):
            return self._fail(2, "give the state folder as --state-dir, not -s STATE_DIR=")
        windows = month_windows(since, until)

        try:
            for node in nodes:
                spiders = node.get("listspiders.json", project=opts.project)["spiders"]
                if opts.spider not in spiders:
                    raise NodeError(f"{node.name} has no spider {opts.spider} in project {opts.project}")
        except NodeError as error:
            return self._fail(1, f"{error}; nothing scheduled")

        jobs = []
        for node, block in zip(nodes, contiguous_blocks(windows, len(nodes))):
            state_dir = opts.state_dir.replace("{node}", node.name.replace(":", "_"))
            for window in block:
                job = Job(node, window, f"{opts.spider}-{window.month}")
                fields = [("project", opts.project), ("spider", opts.spider), ("jobid", job.id),
                          ("since", str(window.since)), ("until", str(window.until)),
                          ("setting", f"STATE_DIR={state_dir}")]
                fields += [("setting", setting) for setting in opts.set]
                try:
                    node.post("schedule.json", fields)
                except NodeError as error:
                    scheduled = ", ".join(f"{job.id} on {job.node.name}" for job in jobs) or "none"
                    return self._fail(1, f"cannot schedule {job.id}: {error}; already scheduled: {scheduled}")
                jobs.append(job)
                print(f"scheduled {job.id} ({window}) on {node.name}", flush=True)

        self._wait(jobs, opts)
        failed = [job for job in jobs if job.outcome and not job.ok]
        running = [job for job in jobs if not job.outcome]
        if running:
            return self._fail(1, f"timed out after {opts.timeout:g} s; still running: "
                                 + ", ".join(f"{job.id} on {job.node.name}" for job in running))
        if failed:
            return self._fail(1, f"{len(failed)} of {len(jobs)} jobs failed: "
                                 + ", ".join(f"{job.id} on {job.node.name}" for job in failed))
        print(f"all {len(jobs)} jobs finished")

    def _wait(self, jobs: list[Job], opts: argparse.Namespace) -> None:
        """Poll each node's listjobs.json until every job has ended or the timeout passes."""
        deadline = time.monotonic() + opts.timeout if opts.timeout else None
        while True:
            for node in {job.node.name: job.node for job in jobs if not job.outcome}.values():
                try:
                    self._look(node, [job for job in jobs if job.node is node and not job.outcome], opts.project)
                except NodeError as error:
                    # A node out of reach for a moment is looked at again next time; the timeout bounds it.
                    print(f"schedule_backfill: warning: {error}", file=sys.stderr, flush=True)
            if all(job.outcome for job in jobs) or (deadline and time.monotonic() >= deadline):
                return
            time.sleep(opts.interval)

    def _look(self, node: Node, waiting: list[Job], project: str) -> None:
        listed = node.get("listjobs.json", project=project)
        finished = {entry["id"]: entry for entry in listed["finished"]}
        queued = {entry["id"] for entry in listed["pending"] + listed["running"]}
        for job in waiting:
            if job.id in queued:
                continue
            if job.id not in finished:
                # Gone from every list: scrapyd restarted (its finished list lives in memory) or
                # more than finished_to_keep jobs ended since the last look.
                job.outcome = "failed: no longer listed by the node; see its scrapyd log"
            elif not finished[job.id].get("log_url"):
                job.outcome = "failed: the node keeps no job logs (logs_dir unset), so its end cannot be told"
            else:
                try:
                    job.ok, said = job_outcome(node.log_tail(finished[job.id]["log_url"]))
                except NodeError as error:
                    if error.status != 404:
                        raise
                    job.ok, said = False, "its log is gone (deleted past jobs_to_keep?), so its end cannot be told"
                job.outcome = f"{'finished' if job.ok else 'failed'}: {said}"
            print(f"{node.name} {job.window} {job.outcome}", flush=True)

    def _fail(self, exitcode: int, message: str) -> None:
        print(f"schedule_backfill: {message}", file=sys.stderr)
        self.exitcode = exitcode
