"""A local HTTP server on 127.0.0.1 that replays recorded or hand-written responses.

The only fake in the sources tests: it stands at the network edge (arXiv, GitHub) that tests must
not reach. Routes match a path and a subset of the query string; each route answers its
responses in order and repeats the last one. Every request is recorded for assertions.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit


@dataclasses.dataclass
class Reply:
    """One HTTP response to replay."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    hang: threading.Event | None = None  # block until set (simulates a stuck server)
    truncate: int | None = None  # send only this many body bytes, then close

    def payload(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclasses.dataclass
class Request:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclasses.dataclass
class _Route:
    path: str
    query: dict[str, str]
    replies: list[Reply] | None
    handler: Callable[[Request], Reply] | None
    served: int = 0

    def matches(self, request: Request) -> bool:
        return request.path == self.path and all(request.query.get(k) == v for k, v in self.query.items())

    def next_reply(self, request: Request) -> Reply:
        self.served += 1
        if self.handler is not None:
            return self.handler(request)
        assert self.replies
        return self.replies[min(self.served, len(self.replies)) - 1]


class ReplayServer:
    """Serve routes on a free loopback port in a thread; use as a context manager."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                request = Request(
                    method="GET",
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                reply = server._reply_for(request)
                if reply.hang is not None:
                    reply.hang.wait(30)
                body = reply.payload()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if reply.truncate is not None:
                    self.wfile.write(body[: reply.truncate])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        """Answer GET ``path`` (whose query contains ``query``) with ``replies`` in order."""
        self.routes.append(_Route(path, query or {}, list(replies), None))

    def add_handler(self, path: str, handler: Callable[[Request], Reply], *, query: dict | None = None) -> None:
        """Answer GET ``path`` with whatever ``handler(request)`` returns."""
        self.routes.append(_Route(path, query or {}, None, handler))

    def _reply_for(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            # Most specific route first: the one constraining the most query parameters.
            for route in sorted(self.routes, key=lambda r: -len(r.query)):
                if route.matches(request):
                    return route.next_reply(request)
        return Reply(404, f"no route for {request.path}?{request.query}")

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def load_nock(path: Path) -> list[tuple[str, dict[str, str], Reply]]:
    """Read a nock fixture file: ``[(path, query, Reply), …]`` in recorded order."""
    exchanges = []
    for ex in json.loads(path.read_text()):
        parts = urlsplit(ex["path"])
        raw = ex.get("rawHeaders", [])
        headers = dict(zip(raw[::2], raw[1::2], strict=False))
        body = ex["response"] if isinstance(ex["response"], str) else json.dumps(ex["response"])
        exchanges.append((parts.path, dict(parse_qsl(parts.query)), Reply(ex["status"], body, headers)))
    return exchanges


def add_nock(server: ReplayServer, path: Path) -> None:
    """Add every exchange of a nock file; exchanges on the same request are replayed in order."""
    grouped: dict[tuple[str, tuple], tuple[dict, list[Reply]]] = {}
    for req_path, query, reply in load_nock(path):
        key = (req_path, tuple(sorted(query.items())))
        grouped.setdefault(key, (query, []))[1].append(reply)
    for (req_path, _), (query, replies) in grouped.items():
        server.add(req_path, *replies, query=query)
