"""Web archives on 127.0.0.1 for the end-to-end tests, each started and stopped by the test.

    Pywb(folder, [warc]) ........ a real pywb collection (`wb-manager init/add`, then `wayback`)
    ArchiveHost() ............... what Common Crawl and the Internet Archive serve, held in memory: a
                                  collinfo.json, CDX answers (chosen by query parameters), answers queued
                                  before them (503, 429), and files read by byte range like
                                  data.commoncrawl.org
    ArchiveSite() ............... the same for in-process runs (tests.inprocess.Site, answers by query too;
                                  files answered whole to a Range, when whole_file_for_ranges)

Answers are rendered by internet_archive_cdx() (output=json, header row first) and collinfo().
"""

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from tests.conftest import free_port, stop
from tests.inprocess import Site
from tests.mirror.server import decode_path, decode_request_path

BIN = Path(sys.executable).parent
INTERNET_ARCHIVE_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def pywb_collection(folder, collection, warcs):
    """`wb-manager init COLLECTION`, then `add COLLECTION WARC...`, in folder: pywb indexes the WARCs.
    Returns the collection's CDXJ index."""
    for command in (["init", collection], ["add", collection, *map(str, warcs)]):
        done = subprocess.run([str(BIN / "wb-manager"), *command], cwd=folder, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"wb-manager {command[0]}: {done.stderr[-2000:]}"
    return Path(folder) / "collections" / collection / "indexes" / "index.cdxj"


class Pywb:
    """`with Pywb(tmp_path, [warc]) as pywb:` a collection holding the WARCs, served by `wayback` on loopback
    until the block ends; pywb.cdx_url and pywb.replay_url are the settings a source=wayback run takes."""

    def __init__(self, folder, warcs, collection="coll", ready_within=60):
        self.folder = Path(folder)
        self.warcs = [str(path) for path in warcs]
        self.collection = collection
        self.ready_within = ready_within
        self.port = free_port()
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/{self.collection}/"

    @property
    def cdx_url(self):
        return self.base_url + "cdx"

    @property
    def replay_url(self):
        return self.base_url

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        pywb_collection(self.folder, self.collection, self.warcs)
        self.log = open(self.folder / "wayback.log", "wb")
        self.process = subprocess.Popen([str(BIN / "wayback"), "-p", str(self.port), "-b", "127.0.0.1"],
                                        cwd=self.folder, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_until_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def wait_until_ready(self):
        """Until the collection's CDX API answers: the server is up and has read its index."""
        deadline = time.monotonic() + self.ready_within
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"wayback exited with {self.process.returncode}: "
                                   f"{(self.folder / 'wayback.log').read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.cdx_url + "?url=example.com&output=json", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"wayback did not answer on port {self.port} within {self.ready_within} s")
            time.sleep(0.1)  # polling a condition, not waiting for it to happen by itself

    def __exit__(self, *exc):
        stop(self.process)
        self.log.close()


class ArchiveHost:
    """An archive's servers held in memory: `with ArchiveHost() as host:`, then host.url(path) and
    host.requests (path, query, headers) of what was asked."""

    def __init__(self):
        self.routes = {}  # (path, frozenset of query items it must hold) -> (status, headers, body)
        self.queued = {}  # path -> deque of answers given before its routes
        self.files = {}  # path -> bytes, read by byte range
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self.server.daemon_threads = True

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path):
        return self.base_url + path

    def add(self, path, body, content_type="application/json", status=200, headers=None, query=None):
        """Answer requests of path (holding the query parameters given, when given) with body."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.routes[(path, frozenset((query or {}).items()))] = (
                status, {"Content-Type": content_type, **(headers or {})}, data)

    def queue(self, path, status, headers=None, body=b"busy\n", times=1):
        """Answer the next `times` requests of path so (a 503 with Retry-After, a 429), then as added."""
        with self.lock:
            self.queued.setdefault(path, deque()).extend(
                [(status, {"Content-Type": "text/plain", **(headers or {})}, body)] * times)

    def add_file(self, path, data):
        with self.lock:
            self.files[path] = data

    def answer(self, raw_path, headers):
        path = decode_request_path(raw_path)
        query = dict(parse_qsl(urlsplit(raw_path).query))
        with self.lock:
            self.requests.append((path, query, headers))
            if self.queued.get(path):
                return self.queued[path].popleft()
            if path in self.files:
                return self.file_answer(self.files[path], headers.get("Range"))
            matching = [(len(wanted), answer) for (route, wanted), answer in self.routes.items()
                        if route == path and wanted <= set(query.items())]
        if not matching:
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        return max(matching, key=lambda entry: entry[0])[1]

    def file_answer(self, data, wanted):
        headers = {"Content-Type": "application/octet-stream"}
        if not wanted:
            return 200, headers, data
        first, last = map(int, wanted.removeprefix("bytes=").split("-"))
        last = min(last, len(data) - 1)
        return 206, {**headers, "Content-Range": f"bytes {first}-{last}/{len(data)}"}, data[first:last + 1]

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="archive-host", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class ArchiveSite(Site):
    """An in-memory Site whose paths may answer by query parameters (CDX pages) and whose files may answer a
    byte range with the whole file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (decoded path, frozenset of the query items it must hold) -> (body, content type, status, headers)
        self.answers = {}
        self.whole_file_for_ranges = False

    def add_answer(self, path, body, query=None, content_type="application/json", status=200, headers=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.answers[(decode_path(path), frozenset((query or {}).items()))] = (data, content_type, status,
                                                                                dict(headers or {}))

    def response(self, request):
        query = set(parse_qsl(urlsplit(request.url).query))
        matching = [(len(wanted), answer) for (path, wanted), answer in self.answers.items()
                    if path == decode_path(request.url) and wanted <= query]
        if matching:
            body, content_type, status, headers = max(matching, key=lambda entry: entry[0])[1]
            return Site.response(self.holding(request.url, body, content_type, status, headers), request)
        if self.whole_file_for_ranges and request.headers.get("Range"):
            request = request.replace(headers={name: value for name, value in request.headers.items()
                                               if name.lower() != b"range"})
        return super().response(request)

    def holding(self, url, body, content_type, status, headers):
        """A Site that answers url with this (Site answers by path only)."""
        one = Site(self.base_url)
        one.routes[decode_path(url)] = (body, content_type, status, headers)
        return one


def handler_for(host):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            status, headers, body = host.answer(self.path, dict(self.headers.items()))
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def internet_archive_cdx(placed):
    """The Internet Archive's `output=json` answer listing captures (tests.archives.Capture)."""
    rows = [INTERNET_ARCHIVE_HEADER]
    for capture in placed:
        rows.append(["-", capture.timestamp, capture.url, capture.content_type.split(";")[0], str(capture.status),
                     "AAAA", "1000"])
    return json.dumps(rows)


def pywb_cdx(placed, filename):
    """pywb's (and Common Crawl's) JSON lines for captures written at [(capture, offset, length)]."""
    return "".join(json.dumps({"urlkey": "-", "timestamp": capture.timestamp, "url": capture.url,
                               "mime": capture.content_type.split(";")[0], "status": str(capture.status),
                               "digest": "AAAA", "length": str(length), "offset": str(offset),
                               "filename": filename}) + "\n"
                   for capture, offset, length in placed)


def collinfo(crawls):
    """collinfo.json for crawls given as (id, cdx-api URL, from, to)."""
    return json.dumps([{"id": crawl_id, "name": f"{crawl_id} crawl", "timegate": cdx_api.rsplit("-", 1)[0] + "/",
                        "cdx-api": cdx_api, "from": first, "to": last}
                       for crawl_id, cdx_api, first, last in crawls])
