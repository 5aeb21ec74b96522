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
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Entity:
    text: str
    start: int
    end: int
    type: str                      # person | organization | location
    id: str | None = None          # canonical id: actor id, or geonames:<id> for places
    name: str | None = None
    kind: str | None = None        # actor kind (armed groups, state forces, ...) or place feature
    country: str | None = None
    source: str = "model"          # model | gazetteer


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
    if sports:
        out = _no_overlaps(out)
        out = _result_rows(text, out)
    if SHOUTING:
        out = [e for e in out if not _headline_noise(text, e)]
    if DISCOURSE:
        out = one_sense_per_discourse(text, out)
    return _no_overlaps(out)


SHOUTING = True
ROWS = True
_ROW_NAME = re.compile(
    r"(?:(?<=\n)|(?<=^)|(?<=\d )|(?<=\d  ))((?:[A-Z][\w'.-]*|St|de|del|di|van|von)"
    r"(?: (?:[A-Z][\w'.-]*|St|de|del|di|van|von|[IV]+))*)(?= \d)")


def _result_rows(text: str, entities: list[Entity]) -> list[Entity]:
    """Sports results and tables: a name starting a row or following a score, and followed by a
    number, is a team ("Hapoel Haifa 2", "Lens 0 Nantes 4", "TORONTO 6 11 .353")."""
    if not ROWS:
        return entities
    from etl.places import is_common_word

    by_span = {(e.start, e.end): e for e in entities}
    out = list(entities)
    for m in _ROW_NAME.finditer(text):
        start, end = m.span(1)
        name = m.group(1)
        if is_common_word(name) or (name.isupper() and len(name) <= 2):
            continue
        same = by_span.get((start, end))
        if same is not None:
            if same.type != "organization" and same.kind != "country":
                out[out.index(same)] = replace(same, type="organization")
            continue
        if any(e.start < end and start < e.end for e in entities):
            continue
        out.append(Entity(name, start, end, "organization"))
    return out


def _headline_noise(text: str, e: Entity) -> bool:
    """In an all-capitals headline the model tags ordinary words ("GUNMEN", "LARA ENDURES
    ANOTHER MISERABLE DAY"): a model span there made mostly of ordinary words is dropped."""
    from etl.places import is_common_word

    if e.source != "model" or not e.text.isupper():
        return False
    line_start = text.rfind("\n", 0, e.start) + 1
    line_end = text.find("\n", e.end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 12 or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return False
    words = e.text.split()
    common = sum(is_common_word(w.title()) or is_common_word(w.lower()) for w in words)
    return common * 2 > len(words)


DISCOURSE = True
PROPAGATE = True


def _no_overlaps(entities: list[Entity]) -> list[Entity]:
    entities = sorted(entities, key=lambda e: (e.start, -(e.end - e.start)))
    kept: list[Entity] = []
    for e in entities:
        if kept and e.start < kept[-1].end:
            continue
        kept.append(e)
    return kept


def _fixed(e: Entity) -> bool:
    """Gazetteer actors and countries keep their type whatever the other mentions say."""
    return e.source == "gazetteer" and (e.type == "organization" or e.kind == "country")


def one_sense_per_discourse(text: str, entities: list[Entity]) -> list[Entity]:
    """A name keeps one type through an article, and its other mentions are found too.

    - the same name written the same way gets its majority type (ties: as it is);
    - a person's surname alone is that person ("Davor Suker" ... "Suker");
    - other occurrences of a name the article already tagged (two letters or more, capitalised,
      not an ordinary word) are tagged too, with the same type.
    """
    from etl.places import is_common_word

    votes: dict[str, Counter] = defaultdict(Counter)
    for e in entities:
        votes[e.text][e.type] += 2 if _fixed(e) else 1
    surnames: dict[str, str] = {}
    for e in entities:
        if e.type == "person" and " " in e.text:
            last = e.text.rsplit(" ", 1)[1]
            if len(last) > 2 and last[:1].isupper() and not is_common_word(last):
                surnames[last] = "person"
    out = []
    for e in entities:
        best, n = votes[e.text].most_common(1)[0]
        etype = e.type
        if not _fixed(e):
            if e.text in surnames:
                etype = "person"
            elif n > votes[e.text][e.type]:
                etype = best
        out.append(e if etype == e.type else replace(e, type=etype))
    if not PROPAGATE:
        return out
    names = {e.text: e for e in out}
    names.update({k: None for k in surnames if k not in names})
    taken = sorted((e.start, e.end) for e in out)
    candidates = [
        n for n in names
        if len(n) > 2 and n[:1].isupper() and not n.isupper() and not is_common_word(n)
    ]
    if not candidates:
        return out
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(
        re.escape(n) for n in sorted(candidates, key=len, reverse=True)) + r")(?![\w-])")
    for m in pattern.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        model = names.get(m.group())
        etype = votes[m.group()].most_common(1)[0][0] if model is not None else "person"
        if model is not None:
            out.append(replace(model, start=m.start(), end=m.end(), type=etype))
        else:
            out.append(Entity(m.group(), m.start(), m.end(), "person"))
    return out
