"""Entity span rules: where a name starts and ends, and what kind of thing it names in context.

The statistical model and the gazetteers propose spans; these rules fix the systematic errors
they make in news text. Two span conventions exist in the annotated data we measure against,
and they contradict each other, so the convention is a parameter:

- ``names`` (the default, what ``newsmon tag`` outputs and the store keeps; CoNLL's convention):
  the name alone: "United Nations", "Mosul", "Ash Carter";
- ``mentions`` (the full mention, re3d's convention): with its determiner, title and place
  descriptor: "the United Nations", "the city of Mosul", "Mosul district",
  "Defense Secretary Ash Carter".

Rules for both conventions:

- trim: no trailing scores, dates or possessive 's ("Chelsea 2", "AMSTERDAM 1996-12-06",
  "Suu Kyi 's"), no surrounding spaces or line breaks;
- sports results: in a sports report a town or city is a club (ORG: "Leeds 2 Chelsea 1"),
  a country stays a place (national teams are LOC by convention), a dateline stays a place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from etl.tagger import Entity

STYLE_NAMES = "names"
STYLE_MENTIONS = "mentions"
STYLES = (STYLE_NAMES, STYLE_MENTIONS)

_TRAILING_NUMBER = re.compile(r"(?:\s+[(\[]?[+-]?\d[\d.,:/-]*[)\]]?)+\s*$")
_POSSESSIVE = re.compile(r"\s?'s?\s*$|\s?\u2019s?\s*$")
_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
_SPORTS_WORDS = re.compile(
    r"\b(?:SOCCER|FOOTBALL|CRICKET|TENNIS|RUGBY|BASKETBALL|BASEBALL|ICE HOCKEY|NHL|NBA|GOLF|"
    r"halftime|half-time|Halftime|[Ss]tandings|[Ll]eague|[Ss]triker|[Gg]oalkeeper|"
    r"[Mm]idfielder|[Ss]corer|[Ss]corers|[Pp]remier [Dd]ivision|[Ff]ixtures|[Cc]up final|"
    r"[Ss]eeded|[Ii]nnings|[Ww]ickets)\b")
_SCORE = re.compile(r"\b\d{1,3}\s?-\s?\d{1,3}\b")
_DATELINE_AFTER = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_DATELINE_MONTH = re.compile(
    r"^\s?,?\s(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s\d{1,2}\b")


def is_sports_report(text: str) -> bool:
    """Several sports words, or one and several scorelines (results pages, match reports)."""
    words = len(_SPORTS_WORDS.findall(text))
    return words >= 2 or (words >= 1 and len(_SCORE.findall(text)) >= 2)


def trim(text: str, start: int, end: int, style: str) -> tuple[int, int]:
    """Strip spaces, trailing numbers/dates and possessives (and 'the' for ``names``)."""
    while start < end and not text[start].strip():
        start += 1
    while end > start and not text[end - 1].strip():
        end -= 1
    for _ in range(3):
        span = text[start:end]
        m = _TRAILING_NUMBER.search(span) or _POSSESSIVE.search(span)
        if not m or m.start() == 0:
            break
        end = start + m.start()
        while end > start and not text[end - 1].strip():
            end -= 1
    if style == STYLE_NAMES:
        m = _LEADING_THE.match(text[start:end])
        if m and m.end() < end - start:
            start += m.end()
    return start, end


def model_spans(text: str, spans: list[tuple[int, int, str]],
                style: str = STYLE_NAMES) -> list[tuple[int, int, str]]:
    """The model's spans cut at line breaks (a name does not run over a line) and trimmed."""
    out = []
    for start, end, etype in spans:
        pos = start
        for part in text[start:end].split("\n"):
            s, e = trim(text, pos, pos + len(part), style)
            if e > s:
                out.append((s, e, etype))
            pos += len(part) + 1
    return out


def is_dateline(text: str, start: int, end: int) -> bool:
    """'BAGHDAD 2026-11-27', 'IGLS , Austria 1996-12-07', 'MOSUL, Nov 27 (Reuters) -'."""
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start]
    if head.strip() and not (head.rstrip().endswith(",") and head[:1].isupper()
                             and len(head) < 40):
        return False
    after = text[end:end + 24]
    return bool(_DATELINE_AFTER.match(after) or _DATELINE_MONTH.match(after)
                or (text[start:end].isupper() and re.match(r"^\s?,\s", after)))


def refine(text: str, entities: list[Entity], style: str = STYLE_NAMES,
           is_country: Callable[[str], bool] = lambda name: False) -> list[Entity]:
    """Apply the span and type rules; overlapping results keep the first (longest) one."""
    if style not in STYLES:
        raise ValueError(f"unknown span style {style!r} (one of {STYLES})")
    sports = is_sports_report(text)
    out: list[Entity] = []
    for e in entities:
        start, end = trim(text, e.start, e.end, style)
        if end <= start:
            continue
        etype = e.type
        dateline = is_dateline(text, start, end)
        if dateline:
            etype = "location"
        elif (sports and etype == "location" and e.kind != "country"
                and not is_country(text[start:end])):
            etype = "organization"
        if (start, end, etype) != (e.start, e.end, e.type):
            e = replace(e, start=start, end=end, text=text[start:end], type=etype)
        out.append(e)
    out.sort(key=lambda e: (e.start, -(e.end - e.start)))
    kept: list[Entity] = []
    for e in out:
        if kept and e.start < kept[-1].end:
            continue
        kept.append(e)
    return kept
