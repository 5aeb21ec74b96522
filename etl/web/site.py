"""A small static HTTP server for the offline demo, the tests and the benchmarks.

It serves a directory (or in-memory files) on 127.0.0.1 with the behaviour feeds need to be
tested honestly: ETag and Last-Modified validators with real 304 answers, gzip when asked for,
``{{BASE_URL}}`` in text files replaced by the server's own address, and per-path overrides
(status codes, redirects, headers, callables) for failure cases. Every request is logged in
``requests`` so tests can assert what was fetched.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

PLACEHOLDER = b"{{BASE_URL}}"
TEXT_SUFFIXES = {".xml", ".html", ".htm", ".opml", ".yaml", ".yml", ".json", ".txt", ".rss",
                 ".atom"}
TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".opml": "text/x-opml",
    ".pdf": "application/pdf",
}
LAST_MODIFIED = formatdate(1_795_000_000, usegmt=True)  # fixed: same validators every run


@dataclass
class Reply:
    """A canned answer for one path (used by tests to script failures)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


# An override callable may write the whole response itself and return HANDLED.
HANDLED = Reply(status=0)
Override = Reply | Callable[["Handler"], Reply | None]


class Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: requests are recorded in server.requests instead

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        site = self.server.site
        path = urlsplit(self.path).path
        with site.lock:
            site.requests.append((path, dict(self.headers.items())))
            override = site.overrides.get(path)
        if override is not None:
            reply = override(self) if callable(override) else override
            if reply is HANDLED:
                return
            if reply is not None:
                self._send(reply.status, reply.body, reply.headers)
                return
        body, content_type = site.load(path)
        if body is None:
            self._send(404, b"<html><body>not found</body></html>",
                       {"Content-Type": "text/html"})
            return
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag or (
            not self.headers.get("If-None-Match")
            and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self._send(304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        if "gzip" in self.headers.get("Accept-Encoding", "") and len(body) > 512:
            body = site.gzipped(etag, body)
            headers["Content-Encoding"] = "gzip"
        self._send(200, body, headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304 and "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304 and body:
            self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: Site, port: int) -> None:
        self.site = site
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address) -> None:
        # Clients hanging up early (caps, deadlines, killed runs) are expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class Site:
    """Serve ``root`` (a directory) and/or ``files`` (path -> bytes) until ``stop()``."""

    def __init__(self, root: str | Path | None = None, files: dict[str, bytes] | None = None,
                 port: int = 0) -> None:
        self.root = Path(root).resolve() if root else None
        self.files = dict(files or {})
        self.overrides: dict[str, Override] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._gzipped: dict[str, bytes] = {}
        self._server = SiteServer(self, port)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    def gzipped(self, etag: str, body: bytes) -> bytes:
        """The body gzip-compressed, once per distinct body (as servers cache static files)."""
        with self.lock:
            cached = self._gzipped.get(etag)
        if cached is None:
            cached = gzip.compress(body, 5)
            with self.lock:
                self._gzipped[etag] = cached
        return cached

    def load(self, path: str) -> tuple[bytes | None, str]:
        suffix = Path(path).suffix.lower()
        content_type = (
            TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
        )
        if path in self.files:
            body = self.files[path]
        elif self.root is not None:
            candidate = (self.root / path.lstrip("/")).resolve()
            if candidate.is_dir():
                candidate = candidate / "index.html"
                content_type = TYPES[".html"]
            if not candidate.is_relative_to(self.root) or not candidate.is_file():
                return None, content_type
            body = candidate.read_bytes()
        else:
            return None, content_type
        if suffix in TEXT_SUFFIXES or path.endswith("/"):
            body = body.replace(PLACEHOLDER, self.base_url.encode())
        if suffix in (".html", ".htm"):
            # Honour a page's own <meta charset> so Latin-1 pages are labelled as such.
            head = body[:2048].lower()
            if b'charset="iso-8859-1"' in head or b"charset=iso-8859-1" in head:
                content_type = "text/html; charset=iso-8859-1"
        return body, content_type
