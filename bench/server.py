"""The mirror's HTTP server: pre-rendered responses from memory, in a process of its own.

    python -m bench.server --n 5000 [--port 0]

prints `ready http://127.0.0.1:PORT` once every page is rendered, then serves until killed
(SIGTERM/SIGINT). A bare asyncio protocol with HTTP/1.1 keep-alive: a request is one dict
look-up and one write of bytes prepared in advance, so the server needs a small fraction of
one core at the rates Scrapy reaches (`GET /__bench/stats` tells what it served).

`GET /__bench/stats` returns {"requests": N, "articles": N} since the last `GET /__bench/reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
from urllib.parse import unquote_to_bytes

from bench.mirror import is_article_path, render_site

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n"


def response_bytes(content_type: str, body: bytes) -> tuple:
    head = (f"HTTP/1.1 200 OK\r\nServer: bench-mirror\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
    return head, head + body


def decode_target(target: bytes) -> str:
    path = target.split(b"?", 1)[0].split(b"#", 1)[0]
    if path.startswith(b"http://") or path.startswith(b"https://"):
        path = b"/" + path.split(b"/", 3)[3] if path.count(b"/") >= 3 else b"/"
    return unquote_to_bytes(path).decode("utf-8", errors="replace")


class Site:
    def __init__(self, routes: dict):
        self.responses = {}
        self.articles = set()
        for path, (content_type, body) in routes.items():
            self.responses[path] = response_bytes(content_type, body)
            if is_article_path(path):
                self.articles.add(path)
        self.requests = 0
        self.article_requests = 0

    def answer(self, method: bytes, target: bytes) -> bytes:
        path = decode_target(target)
        if path.startswith("/__bench/"):
            if path == "/__bench/reset":
                self.requests = self.article_requests = 0
            body = json.dumps({"requests": self.requests, "articles": self.article_requests,
                               "pid": os.getpid()}).encode()
            head, full = response_bytes("application/json", body)
            return full
        self.requests += 1
        found = self.responses.get(path)
        if found is None:
            return NOT_FOUND
        if path in self.articles:
            self.article_requests += 1
        head, full = found
        return head if method == b"HEAD" else full


class HttpProtocol(asyncio.Protocol):
    site: Site = None

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            line, _, headers = head.partition(b"\r\n")
            parts = line.split(b" ")
            if len(parts) != 3:
                self.transport.close()
                return
            self.transport.write(self.site.answer(parts[0], parts[1]))
            if parts[2] == b"HTTP/1.0" or b"connection: close" in headers.lower():
                self.transport.close()
                return


async def serve(sock: socket.socket, site: Site):
    HttpProtocol.site = site
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, sock=sock, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="number of article pages")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    site = Site(render_site(base_url, args.n))
    print(f"ready {base_url} {len(site.articles)}", flush=True)
    asyncio.run(serve(sock, site))


if __name__ == "__main__":
    sys.exit(main())
