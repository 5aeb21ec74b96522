"""``newsmon tag``: tag raw stdin or JSON lines, where one bad line never costs the others.

Input arrives as bytes. Plain text that is not UTF-8 is decoded with replacement characters
(it is tagged, never a crash). In JSON-lines mode each line is decoded, parsed and checked on
its own: a line that is not UTF-8, not JSON, or whose text is not valid Unicode (a lone
surrogate such as ``"\\ud800"``, which JSON allows) gets an error result ``{"id", "error"}`` in
its place, and every other line gets its tags, in input order. A line's optional ``language``
(ISO 639-1, as ``articles.language`` stores it) routes the tagger (:mod:`etl.tagging.lang`);
without one the language is detected as the pipeline detects it (py3langid).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from etl.stages.extract import detect_language
from etl.store import values
from etl.tagging.core.tagger import Tagger
from etl.tagging.lang.routing import LANGUAGES

log = logging.getLogger(__name__)
BATCH = 64  # lines tagged together (tag_many amortises the model's per-call cost)


def dumps(obj: dict) -> str:
    """JSON for stdout: UTF-8 as is, but escaped where a value is not valid Unicode."""
    line = json.dumps(obj, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in an id: \\ud800 escapes still round-trip
        line = json.dumps(obj, ensure_ascii=True)
    return line


def parse_published(value: str | None) -> datetime | None:
    """An ISO 8601 publication time (``Z`` allowed); raises ValueError when it is not one."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def tag_text(tagger: Tagger, data: bytes, published: datetime | None = None) -> str:
    """The JSON result for one text given as bytes (decoded leniently)."""
    text = values.text(data.decode("utf-8", errors="replace")) or ""
    return dumps(tagger.tag(text, published, _detected(text)).as_dict())


def _item(number: int, raw: bytes
          ) -> tuple[object, str | None, datetime | None, str | None]:
    """(id, text, published, error) of one input line; ``text`` is None when it is blank."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, None, f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start})"
    if not line.strip():
        return None, None, None, None
    try:
        item = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        return None, None, None, f"line {number}: not JSON ({str(exc)[:200]})"
    if not isinstance(item, dict):
        item = {"id": None, "text": str(item)}
    text = item.get("text")
    text = text if isinstance(text, str) else str(text or "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return item.get("id"), None, None, (
            f"line {number}: text is not valid Unicode (lone surrogate "
            f"U+{ord(text[exc.start]):04X} at character {exc.start})")
    try:
        published = parse_published(str(item["published"])) if item.get("published") else None
    except ValueError:
        return item.get("id"), None, None, (
            f"line {number}: published is not an ISO 8601 date or time: "
            f"{str(item['published'])[:100]!r}")
    return item.get("id"), text, published, None


def _detected(text: str) -> str | None:
    """The detected language when newsmon reads it in its own way, else None (English, as
    before: a short English text misread as another language keeps its English tagging)."""
    language = detect_language(text)
    return language if language in LANGUAGES else None


def _language(raw: bytes) -> str | None:
    """The ``language`` of a JSON line already known to parse (None when absent)."""
    item = json.loads(raw.decode("utf-8"))
    value = item.get("language") if isinstance(item, dict) else None
    return str(value) if value else None


def tag_jsonl(tagger: Tagger, lines: Iterable[bytes], emit: Callable[[str], None],
              default_published: datetime | None = None) -> int:
    """Tag JSON lines, emitting one result line per non-blank input line; returns bad lines.

    A line's own ``published`` dates its events, else ``default_published``, else today.
    """
    batch: list[tuple[object, str, datetime | None]] = []
    languages: list[str | None] = []
    bad = 0

    def flush() -> None:
        nonlocal bad
        if not batch:
            return
        try:
            results = tagger.tag_many([text for _, text, _ in batch],
                                      published=[when for _, _, when in batch],
                                      languages=languages)
        except Exception:  # noqa: BLE001 - find the line at fault: tag each on its own
            log.exception("tagging a batch failed; tagging its lines one by one")
            results = None
        for n, (item_id, text, when) in enumerate(batch):
            if results is not None:
                emit(dumps({"id": item_id, **results[n].as_dict()}))
                continue
            try:
                emit(dumps({"id": item_id,
                            **tagger.tag(text, when, languages[n]).as_dict()}))
            except Exception as exc:  # noqa: BLE001 - reported in that line's result
                bad += 1
                emit(dumps({"id": item_id, "error": f"{type(exc).__name__}: {exc}"[:500]}))
        batch.clear()
        languages.clear()

    for number, raw in enumerate(lines, 1):
        item_id, text, published, error = _item(number, raw)
        if error is not None:
            flush()  # results stay in input order
            bad += 1
            emit(dumps({"id": item_id, "error": error}))
        elif text is not None:
            batch.append((item_id, text, published or default_published))
            languages.append(_language(raw) or _detected(text))
            if len(batch) >= BATCH:
                flush()
    if batch:
        flush()
    return bad
