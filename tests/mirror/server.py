"""An in-memory website on 127.0.0.1, so crawls run offline against known content.

Paths are keyed decoded, because RFI links arrive both percent-encoded and decoded
and both must reach the same page. Faults (error statuses, slowness, dropped or
truncated responses) exercise the crawler's retry and error handling.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, Union
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from .render import encode_path

FAULT_KINDS = ("status:500", "status:502", "status:503", "status:403", "status:429", "drop", "truncate")


@dataclass
class Route:
    body: bytes
    content_type: str
    status: int
    headers: dict


@dataclass
class Request:
    method: str
    path: str  # decoded, without query string
    raw_path: str  # as sent on the request line
    headers: dict
    time: float = field(default_factory=time.monotonic)  # when it arrived


def decode_path(raw: str) -> str:
    """The decoded path of a URL or path given in Python (already text), query string dropped."""
    return unquote(urlsplit(raw).path, encoding="utf-8", errors="replace")


def decode_request_path(request_target: str) -> str:
    """The decoded path of a request line, which http.server hands over as ISO-8859-1 text.

    Raw UTF-8 bytes (a client that sends the path unencoded) and %-escapes both end
    up as the same UTF-8 text.
    """
    path = urlsplit(request_target).path  # ASCII-only parsing, safe on ISO-8859-1 text
    return unquote_to_bytes(path.encode("iso-8859-1", errors="replace")).decode("utf-8", errors="replace")


class Mirror:
    """A site served from memory; `with Mirror() as m:` starts and stops it."""

    def __init__(self, host: str = "127.0.0.1"):
        self._routes: dict[str, Route] = {}
        self._faults: dict[str, deque] = {}
        self._log: list[Request] = []
        self._lock = threading.Lock()
        self._server = _QuietServer((host, 0), _handler_for(self))
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle
    def start(self) -> "Mirror":
        self._thread = threading.Thread(target=self._server.serve_forever, name="mirror", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Mirror":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """The percent-encoded absolute URL of a decoded path."""
        return self.base_url + encode_path(path)

    # -- content
    def add(self, path: str, body: Union[bytes, str], content_type: str = "text/html; charset=utf-8",
            status: int = 200, headers: Optional[dict] = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._routes[decode_path(path)] = Route(data, content_type, status, dict(headers or {}))

    def remove(self, path: str) -> None:
        with self._lock:
            self._routes.pop(decode_path(path), None)

    def paths(self) -> list:
        with self._lock:
            return list(self._routes)

    def add_fault(self, path: str, kind: str, times: int = 1) -> None:
        """Answer the next `times` requests of path with the fault, then normally."""
        if kind not in FAULT_KINDS and not kind.startswith("slow:"):
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._faults.setdefault(decode_path(path), deque()).extend([kind] * times)

    def clear_faults(self) -> None:
        """Every path answers normally from now on."""
        with self._lock:
            self._faults.clear()

    # -- what was asked
    @property
    def requests(self) -> list:
        with self._lock:
            return [r.path for r in self._log]

    @property
    def request_log(self) -> list:
        with self._lock:
            return list(self._log)

    def hits(self, path: str) -> int:
        path = decode_path(path)
        with self._lock:
            return sum(1 for r in self._log if r.path == path)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- used by the handler
    def _take(self, method: str, raw_path: str, headers: dict):
        path = decode_request_path(raw_path)
        with self._lock:
            self._log.append(Request(method, path, raw_path, headers))
            faults = self._faults.get(path)
            fault = faults.popleft() if faults else None
            return fault, self._routes.get(path)


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (timeouts, cancelled requests) are normal in crawl tests: no tracebacks for them."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(mirror: Mirror):
    class Handler(BaseHTTPRequestHandler):
        server_version = "mirror/1"

        def log_message(self, *args):  # keep test output quiet
            pass

        def do_HEAD(self):
            self._answer(head=True)

        def do_GET(self):
            self._answer(head=False)

        def _answer(self, head: bool):
            fault, route = mirror._take(self.command, self.path, dict(self.headers.items()))
            if fault and fault.startswith("slow:"):
                time.sleep(float(fault.split(":", 1)[1]))
            elif fault == "drop":
                self._drop()
                return
            elif fault and fault.startswith("status:"):
                status = int(fault.split(":", 1)[1])
                extra = {"Retry-After": "1"} if status == 429 else {}
                self._send(status, b"fault\n", "text/plain; charset=utf-8", extra, head)
                return
            if route is None:
                self._send(404, b"not found\n", "text/plain; charset=utf-8", {}, head)
            elif fault == "truncate":
                self._send(route.status, route.body[: len(route.body) // 2], route.content_type, route.headers,
                           head, length=len(route.body))
                self._drop()
            else:
                self._send(route.status, route.body, route.content_type, route.headers, head)

        def _send(self, status, body, content_type, headers, head, length=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)
            self.wfile.flush()

        def _drop(self):
            """Close the socket at once, so the client sees no (or no more) response."""
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    return Handler
