"""Feed text fields emptied before parsing when their raw bytes are absurdly long.

feedparser runs every title, description and content through its HTML sanitiser, whose cost
grows with the field: a 2.4 MB title of ``&lt;a `` took seconds inside the parser, before any
limit of ours applied (issue 20). newsmon stores at most 1,000 characters of a title and 5,000 of
a summary, and no real field runs to :data:`MAX_FIELD_BYTES`; such a field's content is removed
from the document here, in one linear pass over the bytes, before feedparser sees it (its
element stays, empty). What the parser then costs no longer grows with one raw field.
"""

from __future__ import annotations

import re

MAX_FIELD_BYTES = 128 * 1024
# the opening tag of a text field (with or without a namespace prefix); [^<>] ends the scan of
# one tag at the next "<", so that the pattern costs linear time on any input
_FIELD_OPEN = re.compile(
    rb"<((?:[A-Za-z_][\w.-]{0,40}:)?(?:title|description|summary|subtitle|content|encoded"
    rb"|tagline|info))(?=[\s/>])[^<>]*>")


def empty_long_fields(content: bytes, limit: int = MAX_FIELD_BYTES) -> tuple[bytes, int]:
    """``content`` with every text field longer than ``limit`` bytes emptied, and how many.

    A field without its closing tag is left as it is (the rest of the document then is too):
    the parser's own recovery decides what it means.
    """
    pieces: list[bytes] = []
    emptied = 0
    pos = kept = 0
    while (m := _FIELD_OPEN.search(content, pos)) is not None:
        start = m.end()
        if m.group().endswith(b"/>"):
            pos = start
            continue
        close = content.find(b"</" + m.group(1), start)
        if close < 0:
            break  # unclosed: nothing after it can be matched up with certainty
        if close - start > limit:
            pieces.append(content[kept:start])
            kept = close
            emptied += 1
        pos = close
    if not emptied:
        return content, 0
    pieces.append(content[kept:])
    return b"".join(pieces), emptied
