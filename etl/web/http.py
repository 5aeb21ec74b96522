"""The one HTTP client newsmon uses for feeds and pages.

Why our own and not feedparser's or trafilatura's fetching: we need connect/read/total
deadlines, a real User-Agent, a body cap enforced while streaming (after decompression, every
layer inflated a step at a time, so a gzip bomb, even a stacked one, stops at the cap: see
:mod:`etl.web.decoding`), a total deadline over the whole exchange, headers included (see
:mod:`etl.web.deadline`), a redirect limit with loop detection, and conditional GET with the
validators we keep per feed. Redirects are followed by hand so that each hop can be checked and
a permanent move of a feed can be reported to the operator.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

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
from etl.web.deadline import deadline_scope, install_deadline
from etl.web.decoding import ACCEPT_ENCODING, LayeredDecoder
from etl.web.guard import (
    AddressPolicy,
    GuardedTransport,
    Resolver,
    address_policy,
    guarded,
    resolve_checked,
    system_resolve,
)

REDIRECT_CODES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}


@dataclass(frozen=True)
class Response:
    """A finished HTTP exchange (200-class or 304) with the body read in full."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed_s: float
    redirects: tuple[tuple[int, str], ...] = field(default=())

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'").lower()
        return None

    @property
    def permanent_redirect(self) -> str | None:
        """The final URL if every hop was a permanent redirect (the resource moved for good)."""
        if self.redirects and all(code in PERMANENT_REDIRECTS for code, _ in self.redirects):
            return self.url
        return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def check_public_address(url: str, policy: AddressPolicy | None = None,
                         resolver: Resolver = system_resolve) -> list[str]:
    """Refuse URLs whose host resolves to a private, loopback, link-local or reserved address.

    Every address the name resolves to must be public. Direct connections do not rely on this
    alone (the name could resolve differently a moment later): :class:`etl.web.guard.PinnedBackend`
    checks the address it connects to. Returns the addresses.
    """
    parts = urlsplit(url)
    if not parts.hostname:
        raise BlockedAddress(f"no host in URL: {url[:200]}")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return resolve_checked(parts.hostname, port, policy or AddressPolicy(), resolver)


class HttpClient:
    """A thread-safe client; use one per run and close it (or use it as a context manager)."""

    def __init__(self, settings: Settings, *, resolver: Resolver = system_resolve) -> None:
        self.settings = settings
        self._policy, self._resolver = address_policy(settings), resolver
        limits = httpx.Limits(max_connections=max(10, settings.workers * 2))
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.total_timeout,
            ),
            follow_redirects=False,
            # No proxy, whatever HTTP_PROXY / HTTPS_PROXY / ALL_PROXY say (issue 20): a proxy
            # resolves and connects by itself, where the guard cannot check the address it
            # reaches. (httpx already ignores them beside our own transport; this says so.)
            trust_env=False,
            transport=GuardedTransport(self._policy, limits, resolver),
        )
        install_deadline(self._client)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int,
        accept: str | None = None,
        check_address: bool = False,
    ) -> Response:
        """GET ``url``, following redirects by hand, and return the final 200/304 response.

        Raises a :class:`etl.errors.FetchError` subclass for everything else. ``check_address``
        applies the private-network guard to the first URL (links from feeds); the operator
        trusts a configured feed's URL, not wherever it redirects, so every redirect hop goes
        through the guard either way (see :mod:`etl.web.guard`).
        """
        started = time.monotonic()
        deadline = started + self.settings.total_timeout
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        redirects: list[tuple[int, str]] = []
        seen = {url}
        current = url
        while True:
            scheme = urlsplit(current).scheme.lower()
            if scheme not in ("http", "https"):
                raise BlockedAddress(f"unsupported URL scheme {scheme!r}: {current[:200]}")
            guard = check_address or bool(redirects)
            if guard:
                # the connection is checked where it is made (guard.PinnedBackend); this early
                # check refuses before any connection is tried (no proxy is ever used: see
                # the client's trust_env)
                check_public_address(current, self._policy, self._resolver)
            with guarded(guard):
                status, resp_headers, body = self._exchange(current, headers, deadline, max_bytes)
            if status in REDIRECT_CODES:
                location = resp_headers.get("location")
                if not location:
                    raise ClientError(f"HTTP {status} redirect without Location", status=status)
                target = urljoin(current, location.strip())
                redirects.append((status, target))
                if target in seen:
                    raise TooManyRedirects(f"redirect loop at {target[:200]}", status=status)
                if len(redirects) > self.settings.max_redirects:
                    raise TooManyRedirects(
                        f"more than {self.settings.max_redirects} redirects", status=status
                    )
                seen.add(target)
                current = target
                continue
            if status == 304 or 200 <= status < 300:
                return Response(
                    url=current,
                    status=status,
                    headers=resp_headers,
                    content=body,
                    elapsed_s=time.monotonic() - started,
                    redirects=tuple(redirects),
                )
            if status == 429 or status >= 500:
                raise ServerError(
                    f"HTTP {status}",
                    status=status,
                    retry_after=parse_retry_after(resp_headers.get("retry-after")),
                )
            raise ClientError(f"HTTP {status}", status=status)

    def _exchange(
        self, url: str, headers: dict[str, str], deadline: float, max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        """One request/response; the body is streamed and capped. Redirect bodies are dropped."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError_(f"total deadline of {self.settings.total_timeout:g}s exceeded")
        timeout = httpx.Timeout(
            connect=min(self.settings.connect_timeout, remaining),
            read=min(self.settings.read_timeout, remaining),
            write=min(self.settings.read_timeout, remaining),
            pool=remaining,
        )
        try:
            with deadline_scope(deadline), self._client.stream(
                "GET", url, headers=headers, timeout=timeout
            ) as resp:
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                status = resp.status_code
                if status in REDIRECT_CODES or status == 304 or status >= 300:
                    return status, resp_headers, b""
                declared = resp_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise TooLarge(
                        f"Content-Length {declared} exceeds the cap of {max_bytes} bytes",
                        status=status,
                    )
                return status, resp_headers, self._read_body(resp, deadline, max_bytes)
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline - 0.05:  # a socket timeout set to what was left
                raise TimeoutError_(
                    f"total deadline of {self.settings.total_timeout:g}s exceeded"
                ) from exc
            raise TimeoutError_(f"timeout: {type(exc).__name__}") from exc
        except httpx.DecodingError as exc:
            raise NetworkError(f"bad content encoding: {exc}") from exc
        except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}") from exc

    def _read_body(self, resp: httpx.Response, deadline: float, max_bytes: int) -> bytes:
        """The decoded body, read under the size cap and the total deadline.

        Raw bytes are decoded here, not by httpx (see :mod:`etl.web.decoding`): the cap applies
        to what every layer of the Content-Encoding inflates, a step at a time.
        """
        decoder = LayeredDecoder(resp.headers.get("content-encoding"))
        chunks: list[bytes] = []
        size = 0
        for raw in resp.iter_raw():
            for chunk in decoder.feed(raw):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"body exceeds the cap of {max_bytes} bytes", status=resp.status_code
                    )
                chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError_(
                    f"total deadline of {self.settings.total_timeout:g}s exceeded",
                    status=resp.status_code,
                )
        return b"".join(chunks)
