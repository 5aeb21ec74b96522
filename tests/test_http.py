"""The HTTP client against a real local server: validators, redirects, caps, deadlines."""

from __future__ import annotations

import gzip
import socket
import time
from dataclasses import replace

import pytest

from bench.campaign import trickle
from etl.errors import (
    BlockedAddress,
    ClientError,
    NetworkError,
    ServerError,
    TimeoutError_,
    TooLarge,
    TooManyRedirects,
)
from etl.settings import Settings
from etl.web.guard import is_public_ip
from etl.web.http import HttpClient, parse_retry_after
from etl.web.site import HANDLED, Reply, Site

CAP = 1_000_000


@pytest.fixture
def client_settings() -> Settings:
    return Settings(allow_private_networks=True, connect_timeout=2, read_timeout=2,
                    total_timeout=3, max_redirects=3)


@pytest.fixture
def client(client_settings):
    with HttpClient(client_settings) as c:
        yield c


@pytest.fixture
def web():
    with Site(files={"/page.html": b"<html><body>" + b"hello " * 200 + b"</body></html>"}) as s:
        yield s


def test_conditional_get_with_etag_and_last_modified(client, web):
    first = client.get(web.url("/page.html"), max_bytes=CAP)
    assert first.status == 200 and b"hello" in first.content
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(web.url("/page.html"), etag=etag, max_bytes=CAP).status == 304
    again = client.get(web.url("/page.html"), last_modified=modified, max_bytes=CAP)
    assert again.not_modified and again.content == b""
    sent = web.requests[-1][1]
    assert sent["If-Modified-Since"] == modified
    assert sent["User-Agent"].startswith("newsmon/")
    assert "gzip" in sent["Accept-Encoding"]


def test_gzip_is_decoded(client, web):
    # the site gzips bodies over 512 bytes when asked to
    response = client.get(web.url("/page.html"), max_bytes=CAP)
    assert response.content.startswith(b"<html>") and len(response.content) > 1000


def test_redirects_followed_and_permanent_moves_reported(client, web):
    web.overrides["/old"] = Reply(301, headers={"Location": "/older"})
    web.overrides["/older"] = Reply(308, headers={"Location": web.url("/page.html")})
    web.overrides["/temp"] = Reply(302, headers={"Location": "/page.html"})
    moved = client.get(web.url("/old"), max_bytes=CAP)
    assert moved.status == 200 and moved.url == web.url("/page.html")
    assert moved.permanent_redirect == web.url("/page.html")
    assert [code for code, _ in moved.redirects] == [301, 308]
    assert client.get(web.url("/temp"), max_bytes=CAP).permanent_redirect is None


def test_redirect_loop_and_long_chain_stop(client, web):
    web.overrides["/a"] = Reply(302, headers={"Location": "/b"})
    web.overrides["/b"] = Reply(302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="loop"):
        client.get(web.url("/a"), max_bytes=CAP)
    for i in range(10):
        web.overrides[f"/r{i}"] = Reply(302, headers={"Location": f"/r{i + 1}"})
    with pytest.raises(TooManyRedirects, match="more than 3"):
        client.get(web.url("/r0"), max_bytes=CAP)


def test_status_errors(client, web):
    web.overrides["/busy"] = Reply(503, b"later", {"Retry-After": "120"})
    web.overrides["/limited"] = Reply(429, b"slow down")
    with pytest.raises(ServerError) as busy:
        client.get(web.url("/busy"), max_bytes=CAP)
    assert busy.value.status == 503 and busy.value.retry_after == 120
    with pytest.raises(ServerError) as limited:
        client.get(web.url("/limited"), max_bytes=CAP)
    assert limited.value.retry_after is None
    with pytest.raises(ClientError) as missing:
        client.get(web.url("/nothing-here"), max_bytes=CAP)
    assert missing.value.status == 404


def test_body_cap_declared_streamed_and_after_gzip(client, web):
    web.overrides["/big.html"] = Reply(200, b"x" * (CAP + 1), {"Content-Type": "text/html"})
    with pytest.raises(TooLarge, match="Content-Length"):
        client.get(web.url("/big.html"), max_bytes=CAP)
    # 50 MB of zeros in about 50 KB of gzip, without a Content-Length: stopped at the cap
    bomb = gzip.compress(b"\0" * 50_000_000, 9)

    def send_bomb(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(bomb)
        handler.close_connection = True
        return HANDLED

    web.overrides["/bomb.html"] = send_bomb
    with pytest.raises(TooLarge, match="exceeds the cap"):
        client.get(web.url("/bomb.html"), max_bytes=CAP)


def test_total_deadline_against_a_trickling_server(client, web):
    web.overrides["/slow.html"] = trickle
    started = time.monotonic()
    with pytest.raises(TimeoutError_, match="total deadline"):
        client.get(web.url("/slow.html"), max_bytes=CAP)
    assert time.monotonic() - started < 6


def test_connection_refused_is_a_network_error(client):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(NetworkError):
        client.get(f"http://127.0.0.1:{port}/", max_bytes=CAP)


def test_unsupported_scheme(client):
    with pytest.raises(BlockedAddress, match="scheme"):
        client.get("file:///etc/passwd", max_bytes=CAP)


def test_private_network_guard(client_settings, web):
    strict = replace(client_settings, allow_private_networks=False)
    with HttpClient(strict) as client:
        with pytest.raises(BlockedAddress, match="NEWSMON_ALLOW_PRIVATE_NETWORKS"):
            client.get(web.url("/page.html"), max_bytes=CAP, check_address=True)
        # configured feeds are trusted: no check without check_address
        assert client.get(web.url("/page.html"), max_bytes=CAP).status == 200


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2606:4700::1111", True), ("127.0.0.1", False), ("10.1.2.3", False),
     ("192.168.0.1", False), ("172.16.5.5", False), ("169.254.169.254", False), ("::1", False),
     ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.1", False), ("0.0.0.0", False),
     ("100.64.0.1", False), ("224.0.0.1", False)],
)
def test_public_address_classification(address, public):
    assert is_public_ip(address) is public


def test_retry_after_forms():
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
