"""What may cross into PostgreSQL: every stored value is made storable here, or refused.

PostgreSQL refuses a NUL in text, cannot encode a lone UTF-16 surrogate (``&#xD800;`` in a feed
decodes to one), indexes at most about 2.7 KB of a key (a link of 2,000 CJK characters is 18 KB
once percent-encoded), and overflows on intervals and timestamps far out of range. Feeds, pages
and feed lists come from strangers, so each insert path passes its values through this module:

* :func:`text` removes NULs and lone surrogates and bounds the length;
* :func:`check_url` refuses a URL longer than :data:`MAX_URL_BYTES` once UTF-8 encoded;
* :func:`seconds` clamps a delay (``Retry-After``, back-off) to ``[0, cap]``;
* :func:`published` keeps a publication time only between :data:`EARLIEST_PUBLISHED` and
  tomorrow.

:func:`row_error` tells an error caused by one row's data (worth isolating the row) from one
that ends the run (connection lost, disk full).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import psycopg2

# Unique btree keys hold at most 2,704 bytes (a third of a page): stay well under it.
MAX_URL_BYTES = 2048
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)
# A NUL, or a surrogate code point (only reachable in Python strings as a lone half).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A numeric character reference in XML/HTML bytes (``&#0;``, ``&#xD800;``, ``&#55296;``); the
# semicolon is optional because feedparser's lenient parser takes ``&#xD800`` without one.
_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);?")
_CHARREF_TEXT = re.compile(_CHARREF.pattern.decode())
# Byte-order marks of the encodings the ASCII pattern above cannot see into.
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
              (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# SQLSTATE classes that are about the server or the connection, not the row being written:
# connection exception, operator intervention (shutdown, crash), insufficient resources (disk
# full, out of memory), system error (I/O).
_SYSTEMIC_CLASSES = ("08", "57", "53", "58")


class Unstorable(ValueError):
    """A value that cannot be stored even after cleaning (the message says why)."""


def text(value: object, limit: int | None = None) -> str | None:
    """``value`` as storable text: NULs and lone surrogates removed, at most ``limit`` chars.

    ``None`` and empty results stay ``None``.
    """
    if value is None:
        return None
    value = value if isinstance(value, str) else str(value)
    if _UNSTORABLE.search(value):
        value = _UNSTORABLE.sub("", value)
    if limit is not None and len(value) > limit:
        value = value[:limit]
    return value or None


def unstorable_reason(value: str) -> str | None:
    """Why ``value`` cannot be stored as it is (a NUL, a lone surrogate), else ``None``."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    kind = "a NUL character" if found.group() == "\x00" else (
        f"a lone surrogate (U+{ord(found.group()):04X})")
    return f"holds {kind} at position {found.start()}"


def _unstorable_ref(ref: str) -> bool:
    """Whether the character reference ``ref`` (``x41``, ``65``) names an unstorable one."""
    hexadecimal = ref[:1] in ("x", "X")
    digits = (ref[1:] if hexadecimal else ref).lstrip("0")
    if len(digits) > 8:  # beyond U+10FFFF whatever the digits (and too long for int())
        return True
    code = int(digits or "0", 16 if hexadecimal else 10)
    return code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF


def _charref(match: re.Match) -> bytes:
    return b"&#xFFFD;" if _unstorable_ref(match.group(1).decode()) else match.group(0)


def _charref_text(match: re.Match) -> str:
    return "&#xFFFD;" if _unstorable_ref(match.group(1)) else match.group(0)


def storable_charrefs(data: bytes) -> bytes:
    """Feed bytes with references to unstorable characters (NUL, lone surrogates) replaced.

    feedparser's fallback parser turns ``&#xD800;`` into a character it then fails to encode
    (the whole feed fails); ``&#0;`` makes the strict parser give up. U+FFFD takes their place.
    """
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):  # UTF-16/32: "&#" is not ASCII bytes there
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                return data
            return bom + _CHARREF_TEXT.sub(_charref_text, text).encode(codec, "surrogatepass")
    if b"&#" not in data:
        return data
    return _CHARREF.sub(_charref, data)


def check_url(url: str, what: str = "link") -> str:
    """Return ``url`` if it is storable and indexable, else raise :class:`Unstorable`."""
    reason = unstorable_reason(url)
    if reason:
        raise Unstorable(f"{what} {reason}")
    size = len(url.encode("utf-8", "surrogatepass"))
    if size > MAX_URL_BYTES:
        raise Unstorable(f"{what} is {size:,} bytes long (at most {MAX_URL_BYTES:,} bytes, "
                         "counted after encoding)")
    return url


def seconds(value: float | int | None, cap: float) -> float | None:
    """A delay in seconds clamped to ``[0, cap]`` (``None`` stays ``None``; NaN is 0)."""
    if value is None:
        return None
    try:
        value = float(value)
    except (OverflowError, ValueError, TypeError):
        return float(cap)
    if math.isnan(value):
        return 0.0
    return min(max(value, 0.0), float(cap))


def published(when: datetime | None, now: datetime | None = None) -> datetime | None:
    """A publication time, or ``None`` when it is before 1990 or after tomorrow (a broken date)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if when < EARLIEST_PUBLISHED or when > now + timedelta(days=1):
        return None
    return when


def row_error(exc: BaseException) -> bool:
    """Whether ``exc`` is about the data of the rows written (so isolating the bad row helps).

    Python-side refusals (a NUL, an unencodable character) and errors the server reports for a
    statement (value too long, index row too big, out of range) are; a lost connection, a
    server shutdown or crash, and a full disk are not: they end the run.
    """
    if isinstance(exc, ValueError | OverflowError):  # includes UnicodeEncodeError
        return True
    if isinstance(exc, psycopg2.Error):
        code = exc.pgcode
        return bool(code) and not code.startswith(_SYSTEMIC_CLASSES)
    return False


def describe(exc: BaseException) -> str:
    """A one-line account of ``exc`` for ``last_error`` and logs (the server's first line)."""
    if isinstance(exc, psycopg2.Error) and (exc.pgerror or exc.diag.message_primary):
        first = exc.diag.message_primary or exc.pgerror.strip().splitlines()[0]
        return f"{type(exc).__name__}: {first}"[:1000]
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:1000]
