"""Entity span rules: where a name starts and ends, and what kind of thing it names in context.

The statistical model and the gazetteers propose spans; these rules fix the systematic errors
they make in news text. Two span conventions exist in the annotated data we measure against,
and they contradict each other, so the convention is a parameter:

- ``names`` (the default, what ``newsmon tag`` outputs and the store keeps; CoNLL's convention):
  the name alone: "United Nations", "Mosul", "Ash Carter";
- ``mentions`` (the full mention, re3d's convention): with its determiner, title and place
  descriptor: "the United Nations", "the city of Mosul", "Mosul district",
  "Defense Secretary Ash Carter".

Rules for both conventions (:data:`RULES` names them; each can be switched off to measure it):

- trim: no trailing scores, dates or possessive 's ("Chelsea 2", "AMSTERDAM 1996-12-06",
  "Suu Kyi 's"), no surrounding spaces; a model span never runs over a line break;
- dateline: "MOSUL, Nov 27" / "AMSTERDAM 1996-12-06" at a line start is a place;
- sports: in a sports report a town or city is a club (ORG: "Leeds 2 Chelsea 1"), a country
  stays a place (national teams are LOC by convention); names that start a results row or
  follow a score and precede a number are teams ("Dunmere 12 8 0 4 26");
- headline: model spans made mostly of ordinary words in all-capitals headlines are dropped;
- discourse: one type per name in an article (majority of its mentions; gazetteer actors and
  countries fixed), a person's surname alone is that person, later mentions of a tagged name
  (capitalised, not an ordinary word) are tagged too.

Rules of the ``mentions`` convention only: determiners, titles and place descriptors
(extend), countries that act as their governments are organisations (metonymy: "The UK will
continue"), pronouns (I/he/him/she people, we/they organisations) and group nominals ("Iraqi
security forces", "the regime"). They exist to score re3d in its own convention; the product
uses ``names``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from etl.tagging.core.names import is_common_word


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
# The rules by name (``refine(..., rules=...)`` switches them one by one, for tests and for
# measuring each rule's effect on both data sets).
RULES = frozenset({
    "trim",        # scores, dates, possessives (and 'the' in names) off the ends
    "dateline",    # 'BAGHDAD, Nov 27' / 'AMSTERDAM 1996-12-06': a place
    "sports",      # in sports reports, towns are clubs; names in result rows are teams
    "headline",    # model spans of ordinary words in all-capitals headlines are dropped
    "discourse",   # one type per name in an article, surnames, other mentions of a name
    "metonymy",    # mentions: a country that acts is an organisation
    "extend",      # mentions: determiner, title, place descriptor
    "pronouns",    # mentions: I/he/she people, we/they organisations
    "nominals",    # mentions: group nominals ("Iraqi security forces", "the regime")
})

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
           is_country: Callable[[str], bool] = lambda name: False,
           rules: frozenset[str] = RULES) -> list[Entity]:
    """Apply the span and type rules; of overlapping results the earliest, longest one stays.

    ``is_country(name)`` tells country names (from the place gazetteer) from other places.
    """
    if style not in STYLES:
        raise ValueError(f"unknown span style {style!r} (one of {STYLES})")
    mentions = style == STYLE_MENTIONS
    sports = "sports" in rules and is_sports_report(text)
    if sports:
        entities = [part for e in entities for part in _split_scores(text, e)]
    out: list[Entity] = []
    for e in entities:
        start, end = trim(text, e.start, e.end, style) if "trim" in rules else (e.start, e.end)
        if end <= start:
            continue
        etype = e.type
        country = e.kind == "country" or is_country(text[start:end])
        if "dateline" in rules and is_dateline(text, start, end):
            etype = "location"
        elif sports and etype == "location" and not country:
            etype = "organization"
        elif (mentions and "metonymy" in rules and etype == "location" and country
              and _acts(text, start, end)):
            etype = "organization"
        if mentions and "extend" in rules:
            start, end = extend_mention(text, start, end, etype)
        if (start, end, etype) != (e.start, e.end, e.type):
            e = replace(e, start=start, end=end, text=text[start:end], type=etype)
        out.append(e)
    if sports:
        out = _result_rows(text, _no_overlaps(out), is_country)
    if "headline" in rules:
        out = [e for e in out if not _headline_noise(text, e)]
    if "discourse" in rules:
        out = one_sense_per_discourse(text, _no_overlaps(out))
    if mentions and "pronouns" in rules:
        out = _no_overlaps(out)
        out += pronoun_mentions(text, out)
    if mentions and "nominals" in rules:
        out = group_mentions(text, out)
    return _no_overlaps(out)


GROUP_NOUNS = (r"refugees|forces|troops|government|officials|soldiers|militants|fighters|people|"
               r"authorities|army|leaders|regime|coalition|civilians|police|insurgents|"
               r"terrorists|opposition|rebels|community|partners|allies|ministers|donors|"
               r"population|security forces|military|group|militia|militias|jihadists|gunmen")
_GROUP_ADJ = (r"[A-Z][a-z]+(?:an|ian|ish|i|ese)|UN|EU|US|U\.S\.|UK|Kurdish|Yezidi|Arab|Sunni|"
              r"Shia|Shiite|Coalition|International|international|local|regime|government|"
              r"opposition|rebel|armed|foreign")
_GROUP = re.compile(
    r"(?<![\w-])(?:(?:[Tt]he )?(?:" + _GROUP_ADJ + r") (?:[a-z]+ )?(?:" + GROUP_NOUNS
    + r")|[Tt]he (?:" + GROUP_NOUNS + r"))(?![\w-])")


def group_mentions(text: str, entities: list[Entity]) -> list[Entity]:
    """Nominal mentions of groups (the ``mentions`` convention): "Iraqi security forces",
    "the regime", "Syrian refugees" are organisations. A named entity inside one is kept
    when it is a person or a place; an organisation name inside grows into the mention."""
    out = list(entities)
    for m in _GROUP.finditer(text):
        start, end = m.span()
        inside = [e for e in out if e.start < end and start < e.end]
        if any(e.type != "organization" or e.start < start or e.end > end for e in inside):
            continue
        out = [e for e in out if e not in inside]
        out.append(Entity(m.group(), start, end, "organization", source="rule"))
    return out


# a country that acts is its government: "The UK will continue", "Russia has a responsibility"
_ACTS_AFTER = re.compile(
    r"^\s(?:(?:strongly|also|now|still|firmly|fully|again|further|today)\s)?(?:is|are|was|were|"
    r"has|have|had|will|would|can|could|should|must|may|remains|continues|reaffirms|condemns|"
    r"welcomes|urges|calls|supports|says|said|accused|accuses|announced|announces|deplores|"
    r"rejects|stands|believes|wants|warned|warns)\b")
_ACTS_BEFORE = re.compile(r"\b(?:ally|allies|with|join|joined|warning|warned)\s$")


def _acts(text: str, start: int, end: int) -> bool:
    return bool(_ACTS_AFTER.match(text[end:end + 30])
                or _ACTS_BEFORE.search(text[max(0, start - 12):start]))


# pronouns that stand for a person or for an organisation (a group of people)
PERSON_PRONOUNS = frozenset({"I", "he", "He", "him", "she", "She"})
GROUP_PRONOUNS = frozenset({"we", "We", "they", "They"})
_PRONOUN = re.compile(r"(?<![\w'-])(?:I|[Hh]e|him|[Ss]he|[Ww]e|[Tt]hey)(?![\w-])")


def pronoun_mentions(text: str, entities: list[Entity]) -> list[Entity]:
    """Pronominal mentions (the ``mentions`` convention): I/he/him/she are people,
    we/they are organisations (re3d counts groups of people as organisations)."""
    covered = bytearray(len(text))  # an overlap test in the pronoun's length (linear)
    for e in entities:
        covered[e.start:e.end] = b"\x01" * max(0, min(e.end, len(text)) - e.start)
    out = []
    for m in _PRONOUN.finditer(text):
        if covered.find(1, m.start(), m.end()) >= 0:
            continue
        etype = "person" if m.group() in PERSON_PRONOUNS else "organization"
        out.append(Entity(m.group(), m.start(), m.end(), etype, source="rule"))
    return out


_ROW_NAME = re.compile(
    r"(?:(?<=\n)|(?<=^)|(?<=\d )|(?<=\d  ))((?:[A-Z][\w'.-]*|St|de|del|di|van|von)"
    r"(?: (?:[A-Z][\w'.-]*|St|de|del|di|van|von|[IV]+))*)(?= \d)")


# --- the "mentions" convention -------------------------------------------------------------
PLACE_NOUNS = (r"province|district|governorate|city|region|county|village|town|sub-district|"
               r"subdistrict|neighbourhood|neighborhood|area|camp|refugee camp|airbase|air base|"
               r"airfield|airport|border crossing|crossing|state|oblast|prefecture|municipality")
_PLACE_AFTER = re.compile(r"^ (?:" + PLACE_NOUNS + "|" + PLACE_NOUNS.title() + r")\b")
_PLACE_BEFORE = re.compile(
    r"\b(?:[Tt]he )?(?:[A-Z][a-z]+ |[a-z]+ )?(?:" + PLACE_NOUNS + r") of $")
_DIRECTION = re.compile(
    r"\b(?:[Nn]orth|[Ss]outh|[Ee]ast|[Ww]est|[Nn]orth-?[Ee]ast|[Nn]orth-?[Ww]est|[Ss]outh-?[Ee]ast|"
    r"[Ss]outh-?[Ww]est|[Cc]entral)(?:ern)? $")
_THE = re.compile(r"\b(?:the|The) $")
TITLES = frozenset("""
President Vice Prime Minister Ministers Secretary Deputy Foreign Defense Defence Interior Home
Office Chief General Gen Gen. Lt Lt. Lieutenant Colonel Col Col. Major Maj Maj. Brig Brig.
Brigadier Captain Capt Capt. Sergeant Sgt Sgt. Commander Admiral Adm Adm. Marshal Field
Mr Mr. Mrs Mrs. Ms Ms. Dr Dr. Sir Dame Lord Lady Sheikh Shaykh Emir Amir King Queen Prince
Princess Sultan Ayatollah Imam Mullah Pope Bishop Archbishop Cardinal Rev Rev. Father
Ambassador Envoy Special Senator Sen. Rep. Representative Congressman Congresswoman Governor
Gov. Mayor Chancellor Premier Speaker Spokesman Spokeswoman Spokesperson Judge Justice
Attorney Commissioner High Director Undersecretary Under Assistant Staff Joint Chairman
Chairwoman Head Leader Private Pte Pvt Cpl Corporal Officer State Sec. Minister-designate
Prime-Minister-designate
""".split())
_WORD_BEFORE = re.compile(r"([A-Z][\w.'-]*|[A-Z]{2,}[\w.-]*)\s$")


def extend_mention(text: str, start: int, end: int, etype: str) -> tuple[int, int]:
    """Grow a name into the full mention: determiner, title, place descriptor."""
    if etype == "location":
        m = _PLACE_AFTER.match(text[end:end + 30])
        if m:
            end += m.end()
        before = text[max(0, start - 40):start]
        m = _PLACE_BEFORE.search(before) or _DIRECTION.search(before)
        if m:
            start -= len(before) - m.start()
    elif etype == "person":
        # titles written before the name: "Defense Secretary Ash Carter", "Lt Gen Sergei ..."
        while True:
            m = _WORD_BEFORE.search(text[max(0, start - 30):start])
            if not m or m.group(1) not in TITLES:
                break
            start -= len(m.group(0))
    before = text[max(0, start - 4):start]
    m = _THE.search(before)
    if m and etype in ("organization", "location"):
        start -= len(before) - m.start()
    return start, end


def _result_rows(text: str, entities: list[Entity],
                 is_country: Callable[[str], bool]) -> list[Entity]:
    """Sports results and tables: a name starting a row or following a score, and followed by a
    number, is a team ("Hapoel Haifa 2", "Lens 0 Nantes 4", "TORONTO 6 11 .353")."""

    by_span = {(e.start, e.end): e for e in entities}
    out = list(entities)
    for m in _ROW_NAME.finditer(text):
        start, end = m.span(1)
        name = m.group(1)
        if (is_common_word(name) or (name.isupper() and len(name) <= 2) or is_country(name)
                or is_dateline(text, start, end)):
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


_INNER_SCORE = re.compile(r" \d{1,3} ")


def _split_scores(text: str, e: Entity) -> list[Entity]:
    """'Leeds 2 Chelsea 1' read as one name is two teams and two scores."""
    if not _INNER_SCORE.search(e.text):
        return [e]
    parts, pos = [], 0
    for m in _INNER_SCORE.finditer(e.text):
        parts.append((pos, m.start()))
        pos = m.end()
    parts.append((pos, len(e.text)))
    return [replace(e, start=e.start + a, end=e.start + b, text=e.text[a:b],
                    type="organization" if e.type == "person" else e.type)
            for a, b in parts if b > a]


def _headline_noise(text: str, e: Entity) -> bool:
    """In an all-capitals headline the model tags ordinary words ("GUNMEN", "LARA ENDURES
    ANOTHER MISERABLE DAY"): a model span there made mostly of ordinary words is dropped."""

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




def _word_char(c: str) -> bool:
    return c.isalnum() or c in "_-"


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
    names = {e.text: e for e in out}
    names.update({k: None for k in surnames if k not in names})
    taken = sorted((e.start, e.end) for e in out)
    candidates = [
        n for n in names
        if len(n) > 2 and n[:1].isupper() and not n.isupper() and not is_common_word(n)
    ]
    if not candidates:
        return out
    found = []
    for name in sorted(candidates, key=len, reverse=True):
        pos = text.find(name)
        while pos >= 0:
            end = pos + len(name)
            if ((pos == 0 or not _word_char(text[pos - 1]))
                    and (end == len(text) or not _word_char(text[end]))):
                found.append((pos, end, name))
            pos = text.find(name, end)
    # the characters already tagged: an overlap test in the length of the name, not in the
    # number of mentions taken (that was quadratic in the text; issue 20)
    covered = bytearray(len(text))
    for s, e in taken:
        covered[s:e] = b"\x01" * (e - s)
    for start, end, name in sorted(found, key=lambda f: (f[0], f[0] - f[1])):
        if covered.find(1, start, end) >= 0:
            continue
        covered[start:end] = b"\x01" * (end - start)
        model = names.get(name)
        if model is not None:  # the same name: the same (corrected) type
            out.append(replace(model, start=start, end=end))
        else:
            out.append(Entity(name, start, end, "person"))
    return out
