"""The private-network guard: which addresses a fetch may reach, checked where it connects.

Links found in feeds (and every redirect hop, including those of configured feeds) must not
reach loopback, private, link-local or reserved addresses, or an attacker's feed could make
newsmon read an internal service and store its answer where analysts can read it.

Two rules make the check hold:

- the address checked is the address connected to: :class:`PinnedBackend` resolves the host
  once, checks every address, and opens the TCP connection to a checked address (TLS SNI and
  the Host header keep the name), so DNS rebinding cannot swap the address after the check;
- IPv6 forms that embed an IPv4 address (``::ffff:a.b.c.d``, ``::a.b.c.d``, NAT64
  ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by the IPv4 address they carry.

Proxies: newsmon connects directly and never through a proxy; ``HTTP_PROXY``, ``HTTPS_PROXY``
and ``ALL_PROXY`` are ignored (the client does not trust the environment). Through a proxy the
name would be resolved twice, once by the check and once by the proxy, and the address the
proxy connects to could not be checked (issue 20). A site that must go through a proxy has to
make that proxy refuse private addresses itself (docs/reliability.md).

``NEWSMON_ALLOW_PRIVATE_NETWORKS=1`` lifts the check for everything;
``NEWSMON_ALLOWED_PRIVATE_HOSTS`` (``host:port`` entries) lifts it for those hosts only (the
demo site on loopback).
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpcore
import httpx

from etl.errors import BlockedAddress, NetworkError
from etl.settings import Settings
from etl.web.deadline import time_left

# a host name and port to the addresses to try, in order
Resolver = Callable[[str, int], list[str]]

NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: last 32 bits are IPv4
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: embedding varies; refused

_guarded: contextvars.ContextVar[bool] = contextvars.ContextVar("newsmon_guarded", default=False)


def system_resolve(host: str, port: int) -> list[str]:
    """Addresses of ``host`` from the system resolver, without duplicates, in its order.

    Inside an exchange the lookup gets only the time left before its total deadline: a name
    server that answers slowly must not hold the worker past it (getaddrinfo has no timeout of
    its own, so it runs on a daemon thread that is abandoned when the time is up).
    """
    left = time_left()
    if left is None:
        infos = _getaddrinfo(host, port)
    else:
        outcome: list = []
        lookup = threading.Thread(target=lambda: outcome.append(_lookup(host, port)),
                                  name="newsmon-dns", daemon=True)
        lookup.start()
        lookup.join(max(left, 0.0))
        if not outcome:
            raise NetworkError(f"DNS lookup for {host} did not answer within the total deadline")
        infos = outcome[0]
        if isinstance(infos, NetworkError):
            raise infos
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _getaddrinfo(host: str, port: int) -> list:
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NetworkError(f"DNS lookup failed for {host}: {exc}") from exc


def _lookup(host: str, port: int) -> list | NetworkError:
    """:func:`_getaddrinfo` for a thread: its error is returned, not raised."""
    try:
        return _getaddrinfo(host, port)
    except NetworkError as exc:
        return exc


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    elif ip.packed[:12] == bytes(12) and int(ip) > 1:
        found.append(ipaddress.IPv4Address(ip.packed[12:]))  # deprecated ::a.b.c.d
    if ip in NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(ip.packed[12:]))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _public_v4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def is_public_ip(address: str) -> bool:
    """True if ``address`` is a public unicast address (embedded IPv4 judged on its own)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        return _public_v4(ip)
    if ip in NAT64_LOCAL or ip.teredo is not None:
        return False  # the embedded address cannot be known (local NAT64) or is obfuscated
    embedded = embedded_ipv4(ip)
    if embedded:
        # on an IPv6-only network with DNS64 public hosts resolve to 64:ff9b::a.b.c.d
        return all(_public_v4(v4) for v4 in embedded)
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public destinations are allowed anyway."""

    allow_private: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)  # "host:port", lower-case

    def allows(self, host: str, port: int) -> bool:
        """True if connections to ``host``:``port`` need no address check."""
        if self.allow_private:
            return True
        host = host.lower().strip("[]")
        return f"{host}:{port}" in self.allowed_hosts or f"[{host}]:{port}" in self.allowed_hosts


def address_policy(settings: Settings) -> AddressPolicy:
    """The guard's policy: ``NEWSMON_ALLOW_PRIVATE_NETWORKS``, ``..._ALLOWED_PRIVATE_HOSTS``."""
    return AddressPolicy(
        allow_private=settings.allow_private_networks,
        allowed_hosts=frozenset(h.lower() for h in settings.allowed_private_hosts),
    )


def resolve_checked(host: str, port: int, policy: AddressPolicy, resolver: Resolver) -> list[str]:
    """Resolve ``host`` once; every address must pass the guard unless the policy allows it."""
    addresses = resolver(host, port)
    if not addresses:
        raise NetworkError(f"DNS lookup for {host} returned no address")
    if policy.allows(host, port):
        return addresses
    for address in addresses:
        try:
            public = is_public_ip(address)
        except ValueError:
            public = False
        if not public:
            raise BlockedAddress(
                f"{host} resolves to non-public address {address}; set "
                "NEWSMON_ALLOW_PRIVATE_NETWORKS=1 (or NEWSMON_ALLOWED_PRIVATE_HOSTS=host:port) "
                "to allow"
            )
    return addresses


class PinnedBackend(httpcore.SyncBackend):
    """Connects to an address it resolved and checked itself, never to the name."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = system_resolve) -> None:
        self.policy = policy
        self.resolver = resolver

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = resolve_checked(host, port, self.policy, self.resolver)
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error  # type: ignore[misc] - addresses is never empty here


@contextmanager
def guarded(on: bool) -> Iterator[None]:
    """Within this block, requests of a :class:`GuardedTransport` go through the guard if ``on``."""
    token = _guarded.set(on)
    try:
        yield
    finally:
        _guarded.reset(token)


class GuardedTransport(httpx.BaseTransport):
    """Two connection pools: one through the guard, one for trusted URLs (configured feeds).

    Separate pools so that a connection opened to a trusted URL is never reused by a guarded
    request to the same host.
    """

    def __init__(
        self, policy: AddressPolicy, limits: httpx.Limits, resolver: Resolver = system_resolve
    ) -> None:
        self._trusted = httpx.HTTPTransport(limits=limits)
        self._guarded = httpx.HTTPTransport(limits=limits)
        # httpx does not take a network backend; its pool does (same settings as httpx's own)
        self._guarded._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(policy, resolver),
        )

    def inner_transports(self) -> list[httpx.HTTPTransport]:
        """The two pools' transports (the total deadline wraps their network backends)."""
        return [self._trusted, self._guarded]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._guarded if _guarded.get() else self._trusted
        return transport.handle_request(request)

    def close(self) -> None:
        self._trusted.close()
        self._guarded.close()
