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
import re
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


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases (``*name``).

    A few aliases of aliases ("billion laughs") make a 700-byte list whose title or tags
    expand to gigabytes once turned into strings; a feed list never needs them.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in feed lists",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def parse_yaml(data: bytes | str, name: str = "feed list") -> FeedList:
    try:
        doc = yaml.load(data, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML{_yaml_where(exc)}") from exc
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
        # lxml's message quotes tag names and text of the file: give the position and the
        # kind of error only (libxml2's code name, e.g. ERR_TAG_NAME_MISMATCH)
        line, column = exc.position if exc.position else (exc.lineno, 0)
        last = exc.error_log.last_error
        kind = last.type_name.removeprefix("ERR_").lower().replace("_", " ") if last else ""
        raise ConfigError(
            f"{name}: not valid OPML/XML at line {line}, column {column}"
            + (f": {kind}" if kind else "")
        ) from exc
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


_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def _yaml_where(exc: yaml.YAMLError) -> str:
    """Where and what a YAML error is, without the lines of the file PyYAML's message quotes.

    A feed list named by a DAG parameter could be any file the worker can read; its contents
    must not reach the task log. Quoted fragments of the problem (a character, an alias name)
    are dropped too.
    """
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = _QUOTED.sub("…", str(getattr(exc, "problem", "") or ""))[:120]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{where}: {problem}" if problem else where


def feeds_file_in(directory: Path, name: str) -> Path:
    """The feed list ``name`` (relative, or absolute under ``directory``), refused elsewhere.

    For the ``feeds_file`` DAG parameter: whoever triggers a run must not make the worker read
    an arbitrary file. Symbolic links are resolved before the check.
    """
    base = Path(directory).expanduser().resolve()
    candidate = Path(name).expanduser()
    path = (candidate if candidate.is_absolute() else base / candidate).resolve()
    if not path.is_relative_to(base):
        raise ConfigError(
            f"feeds_file must name a file in NEWSMON_FEEDS_DIR ({base}); refused {name[:200]!r}"
        )
    return path
