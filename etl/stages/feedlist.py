"""Reading feed lists: YAML (newsmon's own format) and OPML (how feed readers exchange lists).

YAML::

    feeds:
      - url: https://feeds.bbci.co.uk/news/world/rss.xml
        title: BBC News - World        # optional
        language: en                   # optional
        tags: [world, uk]              # optional

OPML: every ``<outline>`` with an ``xmlUrl`` is a feed; the titles of enclosing outlines
become tags (that is how readers express folders).
A bad entry is skipped with a warning (kept in ``FeedList.problems``); an unreadable file is a
:class:`etl.errors.ConfigError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from lxml import etree

from etl.errors import ConfigError
from etl.store import values

log = logging.getLogger(__name__)
MAX_TEXT = 1000  # a feed title, language or tag


@dataclass(frozen=True)
class FeedSpec:
    """One feed as configured by the operator."""

    url: str
    title: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()


@dataclass
class FeedList:
    feeds: list[FeedSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _clean_feed_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValueError("missing url")
    url = url.strip()
    values.check_url(url, "url")  # a NUL, a lone surrogate, or too long to index: refused
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url[:120]!r}")
    # Feeds are trusted as configured: keep path and query exactly, normalise only what is
    # case-insensitive, so that the same feed written twice is one feed.
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    return parts._replace(scheme=parts.scheme.lower(), netloc=netloc, fragment="").geturl()


def _storable(value: str, what: str) -> str:
    reason = values.unstorable_reason(value)
    if reason:
        raise ValueError(f"{what} {reason}")
    return value


def _text(value: object, what: str = "value") -> str | None:
    if value is None:
        return None
    value = _storable(str(value).strip(), what)
    if len(value) > MAX_TEXT:
        raise ValueError(f"{what} longer than {MAX_TEXT:,} characters")
    return value or None


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",")]
    if not isinstance(value, list | tuple):
        raise ValueError("tags must be a list")
    tags = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
    for tag in tags:
        _text(tag, "tag")
    return tags


def _add(result: FeedList, seen: set[str], where: str, **raw: object) -> None:
    try:
        spec = FeedSpec(
            url=_clean_feed_url(raw.get("url")),
            title=_text(raw.get("title"), "title"),
            language=_text(raw.get("language"), "language"),
            tags=_tags(raw.get("tags")),
        )
    except ValueError as exc:
        message = f"{where}: skipped ({exc})"
        log.warning("feed list %s", message)
        result.problems.append(message)
        return
    if spec.url in seen:
        return
    seen.add(spec.url)
    result.feeds.append(spec)


def parse_yaml(data: bytes | str, name: str = "feed list") -> FeedList:
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("feeds"), list):
        raise ConfigError(f"{name}: expected a top-level 'feeds:' list")
    result, seen = FeedList(), set()
    for i, entry in enumerate(doc["feeds"], 1):
        if isinstance(entry, str):
            entry = {"url": entry}
        if not isinstance(entry, dict):
            result.problems.append(f"{name} entry {i}: skipped (not a mapping)")
            continue
        _add(result, seen, f"{name} entry {i}", **entry)
    return result


def parse_opml(data: bytes, name: str = "feed list") -> FeedList:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"{name}: not valid OPML/XML: {exc}") from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ConfigError(f"{name}: expected an <opml> document with a <body>")
    result, seen = FeedList(), set()

    def walk(node: etree._Element, folders: tuple[str, ...]) -> None:
        for outline in node.iterchildren("outline"):
            label = outline.get("title") or outline.get("text")
            if outline.get("xmlUrl") is not None or (outline.get("type") or "").lower() in (
                "rss", "atom"
            ):
                _add(
                    result,
                    seen,
                    f"{name} line {outline.sourceline}",
                    url=outline.get("xmlUrl"),
                    title=label,
                    language=outline.get("language"),
                    tags=list(folders) + (outline.get("category") or "").split(","),
                )
            else:
                walk(outline, folders + ((label.strip(),) if label and label.strip() else ()))

    walk(body, ())
    return result


def load_feed_list(path: str | Path) -> FeedList:
    """Read a YAML or OPML feed list; the format is told by the extension, else the content."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read feed list {path}: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix in (".opml", ".xml") or (
        suffix not in (".yaml", ".yml") and data.lstrip().startswith(b"<")
    ):
        return parse_opml(data, str(path))
    return parse_yaml(data, str(path))
