"""Canonical article URLs: the identity of an article.

courlan (shipped with trafilatura) lower-cases scheme and host, drops default ports, sorts the
query and removes tracking parameters (utm_*, fbclid, at_medium, ...). We add what news links
need on top: fragments dropped, dot segments resolved, and only absolute http(s) links accepted.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url

MAX_URL_LENGTH = 2048


class BadURL(ValueError):
    """A link that cannot identify an article (wrong scheme, no host, absurd length)."""


def canonical_url(link: str, base: str | None = None) -> str:
    """Return the canonical form of ``link`` (resolved against ``base`` if relative)."""
    if link is None:
        raise BadURL("missing link")
    link = link.strip()
    if not link:
        raise BadURL("empty link")
    if len(link) > MAX_URL_LENGTH:
        raise BadURL(f"link longer than {MAX_URL_LENGTH} characters")
    if base and not urlsplit(link).scheme:
        link = urljoin(base, link)
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https"):
        raise BadURL(f"not an http(s) link: {link[:80]!r}")
    if not parts.hostname:
        raise BadURL(f"no host in link: {link[:80]!r}")
    path = parts.path or "/"
    if "/." in path:
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        if trailing and not path.endswith("/"):
            path += "/"
    link = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    try:
        normalized = normalize_url(link, strict=False)
    except (ValueError, TypeError) as exc:
        raise BadURL(f"cannot normalise link: {exc}") from exc
    parts = urlsplit(normalized)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """Lower-case host name of a URL ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()
