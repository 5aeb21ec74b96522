"""Bombs at the HTTP layer, against the real local server: stacked gzip, slow headers."""

from __future__ import annotations

import gzip
import random
import time
import tracemalloc
import zlib

import pytest

from bench.bombs import send_encoded, slow_headers, stacked_gzip
from etl.errors import NetworkError, TimeoutError_, TooLarge
from etl.settings import Settings
from etl.web.decoding import STEP, BadEncoding, LayeredDecoder
from etl.web.http import HttpClient
from etl.web.site import Site

CAP = 1_000_000
PAGE = b"<html><body>" + b"".join(b"<p>paragraph %d</p>" % i for i in range(3000)) + b"</body>"


@pytest.fixture(scope="module")
def double_bomb() -> bytes:
    """1 GiB of zeros under two layers of gzip: a few KB on the wire."""
    return stacked_gzip()


def test_decoder_layers_roundtrip_in_any_chunking():
    deflate_raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = deflate_raw.compress(PAGE) + deflate_raw.flush()
    cases = {
        "gzip": gzip.compress(PAGE),
        "x-gzip": gzip.compress(PAGE),
        "gzip, gzip": gzip.compress(gzip.compress(PAGE)),
        "deflate, gzip": gzip.compress(zlib.compress(PAGE)),
        "deflate": raw,
        "identity": PAGE,
        "": PAGE,
        "utf-8": PAGE,  # a misconfigured server: not a coding, the body is used as it is
    }
    rng = random.Random(3)  # noqa: S311 - chunk sizes, not security
    for encoding, body in cases.items():
        decoder = LayeredDecoder(encoding)
        out = []
        i = 0
        while i < len(body):
            step = rng.randint(1, 4000)
            for piece in decoder.feed(body[i:i + step]):
                assert len(piece) <= STEP
                out.append(piece)
            i += step
        assert b"".join(out) == PAGE, encoding


def test_decoder_refuses_unknown_stacked_and_corrupt_encodings():
    with pytest.raises(BadEncoding, match="unsupported content encoding 'br'"):
        LayeredDecoder("br")
    with pytest.raises(BadEncoding, match="4 stacked"):
        LayeredDecoder("gzip, gzip, gzip, gzip")
    with pytest.raises(BadEncoding, match="bad gzip"):
        list(LayeredDecoder("gzip").feed(b"this is not gzip at all"))
    assert issubclass(BadEncoding, NetworkError)  # recorded like any other fetch failure


def test_stacked_gzip_bomb_stops_at_the_cap_in_small_memory(double_bomb):
    assert len(double_bomb) < 10_000  # a few KB on the wire, 1 GiB inside
    settings = Settings(allow_private_networks=True, connect_timeout=2, read_timeout=5,
                        total_timeout=20)
    with Site() as web, HttpClient(settings) as client:
        web.overrides["/bomb.html"] = send_encoded(double_bomb, "gzip, gzip")
        tracemalloc.start()
        try:
            with pytest.raises(TooLarge, match="exceeds the cap"):
                client.get(web.url("/bomb.html"), max_bytes=CAP)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # httpx's own decoding inflated the inner layer whole: about 1 GiB here
    assert peak < 20_000_000, f"peak {peak / 1e6:.0f} MB"


def test_stacked_gzip_page_is_decoded_whole():
    settings = Settings(allow_private_networks=True, total_timeout=10)
    with Site() as web, HttpClient(settings) as client:
        web.overrides["/two.html"] = send_encoded(gzip.compress(gzip.compress(PAGE)), "gzip, gzip")
        web.overrides["/junk.html"] = send_encoded(b"not compressed", "gzip")
        assert client.get(web.url("/two.html"), max_bytes=CAP).content == PAGE
        with pytest.raises(NetworkError, match="bad gzip content encoding"):
            client.get(web.url("/junk.html"), max_bytes=CAP)
        assert web.requests[-1][1]["Accept-Encoding"] == "gzip, deflate"


def test_total_deadline_covers_slow_headers():
    # each byte comes well within the read timeout: only a total deadline can stop this
    settings = Settings(allow_private_networks=True, connect_timeout=2, read_timeout=5,
                        total_timeout=2)
    with Site() as web, HttpClient(settings) as client:
        web.overrides["/slow.html"] = slow_headers(0.5)
        web.files["/fast.html"] = PAGE
        started = time.monotonic()
        with pytest.raises(TimeoutError_, match="total deadline of 2s exceeded"):
            client.get(web.url("/slow.html"), max_bytes=CAP)
        assert time.monotonic() - started < 3
        # the same client goes on working (a pooled connection is reused under a new deadline)
        for _ in range(3):
            assert client.get(web.url("/fast.html"), max_bytes=CAP).content == PAGE


def test_deadline_is_per_exchange_not_per_client():
    settings = Settings(allow_private_networks=True, connect_timeout=2, read_timeout=2,
                        total_timeout=1)
    with Site(files={"/a.html": PAGE}) as web, HttpClient(settings) as client:
        for _ in range(3):
            assert client.get(web.url("/a.html"), max_bytes=CAP).status == 200
            time.sleep(0.5)  # 1.5 s in all: more than one deadline, each exchange is fast


def test_a_slow_name_server_does_not_outlast_the_total_deadline(monkeypatch):
    """getaddrinfo has no timeout: inside an exchange the lookup gets only the time left."""
    import socket
    import time

    from etl.errors import NetworkError
    from etl.web import guard
    from etl.web.deadline import deadline_scope

    real = socket.getaddrinfo

    def slow(host, *args, **kwargs):  # a name server that answers after 3 s
        if host == "slow-dns.example":
            time.sleep(3)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    with deadline_scope(time.monotonic() + 0.5), pytest.raises(NetworkError, match="deadline"):
        guard.system_resolve("slow-dns.example", 80)
    assert time.monotonic() - started < 2
    # outside an exchange, and for a name that answers, the lookup is as before
    assert guard.system_resolve("localhost", 80)
    with deadline_scope(time.monotonic() + 5):
        assert guard.system_resolve("localhost", 80)
