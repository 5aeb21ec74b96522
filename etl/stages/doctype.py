"""Empty DTD internal subsets of feeds before parsing, wherever they are.

An internal DTD subset is how entity-expansion attacks arrive ("billion laughs", or one flat
entity referenced thousands of times, which feedparser keeps as "safe" and expands to
gigabytes in both of its parsers). Real feeds do not need one. feedparser itself only looks for
entity declarations before the first element, and the first version of this guard only in the
first 64 KiB, so a 70 KB comment in front of the DOCTYPE brought expansion back. Here the whole
document is scanned, in time linear in its size:

- every ``<!DOCTYPE ... [ subset ]>`` has its subset replaced by empty declarations of the
  same general entities (``<!ENTITY big "">``), so references expand to nothing and the
  document stays well-formed; the subset is scanned with its quoted strings and comments, so a
  ``]>`` inside an entity value does not end it early;
- any ``<!ENTITY`` left over (an unterminated subset, a declaration outside any DOCTYPE) is
  defused into text, so no parser can see a declaration;
- UTF-16 and UTF-32 documents (where ``<!DOCTYPE`` is not these ASCII bytes) are decoded,
  cleaned and encoded back.
"""

from __future__ import annotations

import codecs
import re

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY = re.compile(rb"<!ENTITY", re.I)
_HEADER_STOP = re.compile(rb"[\[>\"']")
_SUBSET_STOP = re.compile(rb"\][ \t\r\n]*>|[\"']|<!--")
_DEFUSED = b"&lt;!ENTITY"
# a general entity's name (a parameter entity, "<!ENTITY % name", has a "%" there instead)
_ENTITY_NAME = re.compile(rb"<!ENTITY\s+([A-Za-z_:][\w.:-]{0,200})\s", re.I)
MAX_SUBSET_SCAN = 1 << 20  # bytes of a subset searched for entity names
MAX_ENTITIES = 1000

# (byte-order mark, codec) for the encodings in which ASCII is not ASCII bytes; UTF-32 first,
# since its little-endian mark begins with UTF-16's
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# without a mark: how "<?" or "<!" looks in each (XML 1.0, appendix F)
_SNIFF = (
    (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"),
    (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"),
)


def neutralise_doctype(data: bytes) -> bytes:
    """``data`` with every entity declared empty and stray declarations defused (unchanged if
    it has none)."""
    wide = _wide_encoding(data)
    if wide is None:
        return _clean(data)
    bom, codec = wide
    text = data[len(bom):].decode(codec, errors="replace").encode("utf-8", "surrogatepass")
    cleaned = _clean(text)
    if cleaned is text:
        return data
    return bom + cleaned.decode("utf-8", "surrogatepass").encode(codec, "surrogatepass")


def _wide_encoding(data: bytes) -> tuple[bytes, str] | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return bom, codec
    head = data[:4]
    for prefix, codec in _SNIFF:
        if head.startswith(prefix):
            return b"", codec
    return None


def _clean(data: bytes) -> bytes:
    """Empty every DOCTYPE internal subset of ASCII-compatible bytes; defuse the rest."""
    if not _DOCTYPE.search(data) and not _ENTITY.search(data):
        return data
    out: list[bytes] = []
    kept_from = 0      # data[kept_from:] is not yet copied to out
    scanned_to = 0     # a DOCTYPE that starts before this is inside one already scanned
    for match in _DOCTYPE.finditer(data):
        if match.start() < scanned_to:
            continue
        end, subset = _doctype_end(data, match.end())
        if end is None:
            break      # unterminated: what follows is left to the defusing below
        scanned_to = end
        if subset is not None:
            out.append(_ENTITY.sub(_DEFUSED, data[kept_from:match.start()]))
            out.append(b"\n" + _ENTITY.sub(_DEFUSED, data[match.start():subset]))
            out.append(_empty_declarations(data[subset:end]))
            kept_from = end
    out.append(_ENTITY.sub(_DEFUSED, data[kept_from:]))
    return b"".join(out)


def _empty_declarations(subset: bytes) -> bytes:
    """The subset's general entities, each declared empty, and the subset's end.

    Declared (not dropped) so that the document stays well-formed: feedparser's strict parser
    then reads it at once, where undefined references would send it to its slow fallback
    parser; the references read as nothing. One declaration a line, the DOCTYPE on a line of
    its own: feedparser re-declares only what it finds at the start of a line.
    """
    names = dict.fromkeys(_ENTITY_NAME.findall(subset[:MAX_SUBSET_SCAN]))
    declared = b"".join(b'\n<!ENTITY %s "">' % name for name in list(names)[:MAX_ENTITIES])
    return declared + b"\n]>"


def _doctype_end(data: bytes, i: int) -> tuple[int | None, int | None]:
    """(index after the DOCTYPE whose name starts at ``i``, index after its "[" or None)."""
    while True:
        stop = _HEADER_STOP.search(data, i)
        if stop is None:
            return None, None
        char = stop.group()
        if char == b">":
            return stop.end(), None
        if char == b"[":
            end = _subset_end(data, stop.end())
            return end, (stop.end() if end is not None else None)
        close = data.find(char, stop.end())   # a quoted public or system identifier
        if close < 0:
            return None, None
        i = close + 1


def _subset_end(data: bytes, i: int) -> int | None:
    """Index after the ``]>`` that ends an internal subset starting at ``i``."""
    while True:
        stop = _SUBSET_STOP.search(data, i)
        if stop is None:
            return None
        token = stop.group()[:4]
        if token == b"<!--":
            close = data.find(b"-->", stop.end())
            if close < 0:
                return None
            i = close + 3
        elif token in (b'"', b"'"):
            close = data.find(token, stop.end())
            if close < 0:
                return None
            i = close + 1
        else:  # "]" and ">" with only blanks between: the end of the subset
            return stop.end()
