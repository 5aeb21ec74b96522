"""A total deadline over a whole HTTP exchange: connect, TLS, request, headers and body.

httpx's timeouts are per operation: each socket read may take up to the read timeout, so a
server that sends its headers one byte every few seconds never trips one and holds the worker
for as long as it likes (the total deadline was only checked between body chunks). Here the
network streams httpcore reads and writes through are wrapped: every operation gets at most the
time left before the deadline of the exchange running in this thread, and none starts once it
has passed. The deadline is per thread because a sync httpx client does all of an exchange's
I/O in the calling thread; connections reused from the pool are wrapped too, since the wrapper
is made when the connection is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

_local = threading.local()


class DeadlineExceeded(httpcore.ReadTimeout):
    """The exchange's total deadline passed (httpx reports it as a ``ReadTimeout``)."""


@contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Bound every network operation of this thread to ``deadline`` (``time.monotonic()``)."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = deadline
    try:
        yield
    finally:
        _local.deadline = previous


def time_left() -> float | None:
    """Seconds left before this thread's exchange deadline (None: no exchange running)."""
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def _bounded(timeout: float | None) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("total deadline exceeded")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # a write of many bytes is one sendall: each send is bounded, not their sum, but the
        # request is a few hundred bytes
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Wraps another network backend (the default one, or one that pins addresses)."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options=None):
        # (the name lookup inside is not bounded by a socket timeout)
        return _DeadlineStream(self._inner.connect_tcp(
            host, port, _bounded(timeout), local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(client: httpx.Client) -> None:
    """Route every connection of ``client`` (its transport and any proxy mounts) through
    :class:`DeadlineBackend`.

    httpx has no public hook for httpcore's network backend, so this sets the pool's
    ``_network_backend``; it fails loudly if a new httpx/httpcore moved it.
    """
    transports = [client._transport, *client._mounts.values()]  # noqa: SLF001
    # a transport made of several (the guard's trusted and guarded pools) lists its parts
    transports = [part for t in transports
                  for part in (t.inner_transports() if hasattr(t, "inner_transports") else [t])]
    for transport in transports:
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            raise RuntimeError("httpx/httpcore internals changed: cannot bound the total "
                               "deadline of HTTP exchanges (etl/web/deadline.py)")
        if not isinstance(pool._network_backend, DeadlineBackend):  # noqa: SLF001
            pool._network_backend = DeadlineBackend(pool._network_backend)  # noqa: SLF001
