"""Fatalities the way ACLED counts them: reported deaths only, read from the text.

Rules (ACLED's codebook, as the corpus README summarises it):

- only deaths count, never the injured ("3 killed and 5 wounded" is 3);
- where reports differ, the lowest credible figure ("between 5 and 10", "5 or 6" -> 5);
- "at least N", "more than N" -> N; number words ("twenty-five"); vague quantities get ACLED's
  figures (:mod:`etl.tagging.events.numbers`: several 3, dozens 12, scores 20, hundreds 100);
- deaths reported without a number -> 1 for one named victim ("a farmer was killed", "killing
  him"), else 3 ("civilians were killed", "unknown fatalities");
- separate groups are added ("six soldiers and two civilians were killed. 19 fighters were
  killed" -> 27); the same figure for the same group repeated later is counted once; a death toll
  ("the death toll rose to 12") is the total; an explicit "N fatalities" summary wins.

:func:`extract_fatalities` returns the count and the offsets of every phrase it was read from.
Other languages (``language``: fr, es, pt, ru, uk, ar) read the same way with their own number
words and death words (:mod:`etl.tagging.events.lang`): a count next to a death word in one
sentence ("12 personnes ont été tuées", "погибли 5 человек", "مقتل 3 جنود") is one report, and the
reports are merged by the rules above (repeats once, separate groups added, a toll wins). The
method is hand-written rules over tokens (measured by ``make eval`` against a plain
"N killed / N dead" regex baseline, :func:`regex_baseline`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from etl.tagging.events.lang import vocabulary
from etl.tagging.events.numbers import NUMBER, VAGUE, parse_number

_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+|\d+|[A-Za-z]+(?:['’-][A-Za-z]+)*|[.;:!?,()\[\]]")
_SENTENCE_END = frozenset(".;:!?()[]")
MONTHS = frozenset("""january february march april may june july august september october
november december jan feb mar apr jun jul aug sep sept oct nov dec""".split())
_UNITS = frozenset("""km kilometres kilometers kms miles mile metres meters m years year
year-old years-old hours hour minutes am pm percent gmt rounds round mortars shells houses
homes villages pm days weeks months""".split())
# death words: (kind) -- killed: passive or active; active: takes an object after it;
# subject: the dead are before it; noun: "N deaths"
_KILLED = frozenset({"killed", "murdered", "executed", "beheaded", "lynched", "massacred",
                     "slain", "slaughtered", "assassinated", "slayed"})
_ACTIVE = frozenset({"killing", "kills", "murdering", "executing", "beheading", "massacring",
                     "slaughtering", "assassinating"})
_SUBJECT = frozenset({"died", "dead", "perished", "drowned"})
_NOUN = frozenset({"deaths", "death", "fatalities", "fatality", "bodies", "body", "corpses",
                   "dead"})
# Words skipped between the dead and the death verb ("were reportedly later killed").
_AUX = frozenset("""was were been be being is are has have had reportedly allegedly also later
all both subsequently reported then eventually instantly immediately initially found
apparently confirmed believed said thought feared shot gunned down""".split())
# verbs coordinated with a death verb ("was shot and killed", "abducted and killed")
_IRREGULAR_VERBS = frozenset({"shot", "beaten", "beat", "hit", "struck", "burnt", "cut", "run"})
_ANIMALS = frozenset("""cow cows cattle goat goats sheep livestock animal animals dog dogs camel
camels donkey donkeys horse horses chicken chickens buffalo buffaloes elephant elephants
pig pigs""".split())
# the start of an object after an active death verb ("killing two", "killed a", "killed him")
_OBJECT_START = frozenset("""a an the his her their its him them one at least up to nearly
about around some several more over almost dozens scores hundreds many all both another
approximately roughly""".split())
_SINGULAR = frozenset("""a an one his her the this that another he she him man woman boy girl
child""".split())
_PLURAL_IRREGULAR = frozenset("""people men women children police personnel militia
youth""".split())
# words inside the phrase naming the dead that are not its boundary although they end in -ed
_ED_OK = frozenset("""armed unarmed unidentified suspected alleged masked uniformed displaced
aged unnamed unspecified unknown retired wanted""".split())
_BOUNDARY = frozenset("""when while after before as where who which that whom during in at on
near by from into inside outside including with without because since following amid and
or but than if""".split())
# lists of the dead go on after these ("six soldiers, four police officers and two civilians")
_LIST_WORDS = frozenset({"and", ","})
_NEGATION = re.compile(
    r"\b(?:no(?:body| one)(?: else)?\s+(?:was|were|had been|has been|is|got)?\s*"
    r"(?:reportedly\s+)?(?:killed|hurt|injured|harmed|dead)|no\s+(?:reported\s+)?"
    r"(?:deaths?|fatalit(?:y|ies)|casualt(?:y|ies)|one died|lives were lost)"
    r"|without\s+(?:any\s+)?(?:deaths|fatalities|casualties)"
    r"|no information on fatalities|not\s+(?:been\s+)?killed)\b", re.I)
_ATTEMPT = frozenset({"tried", "attempted", "threatened", "plot", "plotted", "plan"})
_DETERMINERS = frozenset({"the", "a", "recent", "his", "her", "their", "alleged", "targeted",
                         "prior", "previous", "earlier"})
# prepositions inside the phrase naming the dead ("two farmers in Barangay Gaunan were killed")
_SOFT = frozenset({"in", "at", "near", "from", "on", "inside", "outside", "of"})
_TOLL = re.compile(
    r"\bdeath[- ]toll\b[^.;]{0,40}?\b(?:to|of|at|is|was|reached|stands at|stood at)\s+"
    r"(?:at least\s+|about\s+|some\s+|nearly\s+|around\s+)?(\d[\d,]*|[a-z]+(?:-[a-z]+)?)",
    re.I)
_CODED = re.compile(r"\bfatalit(?:y|ies)\b[^.]{0,60}?\bcoded (?:as|at)\s+(\d+)"
                    r"|\btotal (?:of )?(\d+) fatalit(?:y|ies) (?:were )?coded", re.I)
# ACLED notes: one report's deaths shared between the events it was coded as ("10 people were
# killed. Fatalities split between two events." -> 5; "... split over 3 locations (2)" -> 2)
_SPLIT = re.compile(r"\bfatalit(?:y|ies)\s+(?:were\s+|are\s+)?(?:split|divided)\s+"
                    r"(?:evenly\s+)?(?:across|between|over|among|into)\s+(\w+)\s+"
                    r"(?:events|locations|villages|incidents|places|days)\b"
                    r"(?:[^.(]{0,40}\((\d+)\))?", re.I)
_UNKNOWN = re.compile(r"\b(?:unknown|unspecified|undisclosed|unconfirmed)\s+(?:number of\s+)?"
                      r"(?:\w+\s+)?(?:fatalities|deaths)\b", re.I)
# ACLED notes: the deaths belong to another coded event
_ELSEWHERE = re.compile(r"\bfatalities (?:are |were )?(?:coded|counted|recorded) "
                        r"(?:to|in|under|separately|with)\b", re.I)
# "resulted in the killing of N", "led to the death of N": this event's deaths, not background
_OF_DEATH = frozenset({"killing", "killings", "death", "deaths", "execution", "executions",
                       "murder", "murders"})
_RESULTED = frozenset({"in", "to", "caused", "causing", "claimed", "confirmed", "reported",
                       "reporting"})
DEFAULT_UNKNOWN = 3  # ACLED: deaths reported without a number, outside a large war-zone event


@dataclass(frozen=True)
class Fatalities:
    """Reported deaths: the count and the (start, end) offsets of the phrases it was read from.

    ``estimated`` is true when the count is ACLED's default for deaths without a number.
    """

    count: int
    spans: tuple[tuple[int, int], ...] = ()
    estimated: bool = False


@dataclass(slots=True)
class _Tok:  # not frozen: built for every word, and frozen dataclasses are slow to build
    text: str
    low: str
    start: int
    end: int


@dataclass(frozen=True)
class _Clause:
    count: int
    start: int
    end: int
    head: str
    estimated: bool = False
    explicit: bool = False
    anaphoric: bool = False


_GENERIC = frozenset({"", "people", "persons", "person", "dead", "others", "individuals",
                      "killed", "deaths", "fatalities"})
_QUOTES = "\"“”"


def _in_quotes(text: str, start: int, sentence_start: int) -> bool:
    """Inside a quotation: a claim ("killed 'dozens of apostate soldiers'"), not a report."""
    return sum(text[sentence_start:start].count(q) for q in _QUOTES) % 2 == 1


def _headline_end(text: str) -> int:
    """End of a first line without a full stop (a headline), else 0."""
    nl = text.find("\n")
    if 0 < nl < 200 and not text[:nl].rstrip().endswith((".", "!", "?")):
        return nl
    return 0


# an aside in brackets, "(assumed police)", is this many tokens at most: the walk to its other
# bracket is bounded, so that many brackets in one sentence cost linear time (issue 20)
MAX_ASIDE_TOKENS = 30
# more deaths than any one report gives (the events table's column is an integer): discarded
MAX_FATALITIES = 1_000_000


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def tokenize(text: str) -> list[_Tok]:
    return [_Tok(m.group(), m.group().lower(), m.start(), m.end())
            for m in _TOKEN.finditer(text)]


def _quantity(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """(value, tokens used) of a quantity starting at token i, else None."""
    t = toks[i]
    if t.low in ("at", "up") and i + 1 < len(toks) and toks[i + 1].low in ("least", "to"):
        return None
    for n in (4, 3, 2, 1):
        phrase = " ".join(x.low for x in toks[i:i + n])
        if len(toks[i:i + n]) == n and phrase in VAGUE and phrase not in ("some", "few"):
            if n == 1 and phrase in ("many",) and i > 0 and toks[i - 1].low == "how":
                return None
            return VAGUE[phrase], n
    if t.low[0].isdigit():
        value = parse_number(t.low)
        if value is None or value > MAX_FATALITIES or _glued(toks, i) or _is_not_people(toks, i):
            return None  # "1e308", a 5,000-digit string, "3000000000": no count of the dead
        return value, 1
    # word numbers, possibly "twenty five" / "two hundred"
    best = None
    for n in (3, 2, 1):
        chunk = toks[i:i + n]
        if len(chunk) < n or chunk[0].low == "and" or any(
                not c.low.isalpha() and "-" not in c.low for c in chunk):
            continue
        value = parse_number(" ".join(c.low for c in chunk))
        if value is not None and chunk[0].low not in ("a", "an", "no") and value > 0:
            best = (value, n)
            break
    if best and _is_not_people(toks, i + best[1] - 1):
        return None
    return best


def _glued(toks: list[_Tok], i: int) -> bool:
    """Whether token i is part of a longer word or figure ("1e308", "308" of it, "12th")."""
    t = toks[i]
    return bool((i > 0 and toks[i - 1].end == t.start and toks[i - 1].low[-1].isalnum())
                or (i + 1 < len(toks) and toks[i + 1].start == t.end
                    and toks[i + 1].low[0].isalnum()))


def _is_not_people(toks: list[_Tok], i: int) -> bool:
    """A number that is a date, a year, a time or a measure, not a count of people."""
    t = toks[i].low
    if t.isdigit() and len(t) == 4 and 1900 <= int(t) <= 2099:
        return True
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    prev = toks[i - 1].low if i > 0 else ""
    return nxt in MONTHS or prev in MONTHS or nxt in _UNITS or prev in ("no", "number")


def _plural(word: str) -> bool:
    return word in _PLURAL_IRREGULAR or (word.endswith("s") and not word.endswith("ss")
                                         and len(word) > 3 and word not in ("his", "its"))


def _count_span(toks: list[_Tok], lo: int, hi: int) -> tuple[int, bool, str, int] | None:
    """Add up the quantities in tokens[lo:hi] (a list of the dead): (count, estimated, head,
    index of the first token naming the dead)."""
    total, found, i, head = 0, False, lo, ""
    items: list[int] = []
    if lo < hi and toks[lo].low in ("no", "nobody", "none", "neither"):
        return None  # "no one was killed"
    while i < hi:
        q = _quantity(toks, i)
        if q is None:
            i += 1
            continue
        value, used = q
        j = i + used
        # "5 or 6", "5 to 10", "5-10": the lowest credible figure
        if j + 1 < hi and toks[j].low in ("or", "to", "-") and _quantity(toks, j + 1):
            j += 1 + _quantity(toks, j + 1)[1]
        # "between 5 and 10"
        if i > lo and toks[i - 1].low == "between" and j + 1 < hi and toks[j].low == "and":
            q2 = _quantity(toks, j + 1)
            if q2:
                j += 1 + q2[1]
        if not found:
            first = i - 2 if i - 2 >= lo and (toks[i - 2].low, toks[i - 1].low) in (
                ("at", "least"), ("more", "than"), ("up", "to")) else i
        items.append(value)
        found = True
        i = j
    words = [t.low for t in toks[lo:hi] if t.low.isalpha()]
    head = words[-1] if words else ""
    if head in _ANIMALS:
        return None
    if found:
        total = sum(items)
        return total, False, head, first
    if not words:
        return None
    # no number: one named victim, or an unknown number
    if head in _ANIMALS:
        return None
    persons = sum(1 for t in toks[lo:hi] if t.low in ("and",)) + 1
    if words[0] not in ("a", "an", "one", "another") and (
            _plural(head) or head in ("they", "them", "others", "people")):
        return DEFAULT_UNKNOWN, True, head, lo
    return persons, False, head, lo


def _subject_span(toks: list[_Tok], i: int, floor: int) -> tuple[int, int]:
    """Tokens before the death verb at i naming the dead: (lo, hi)."""
    j = i - 1
    while j >= floor:
        if toks[j].low in _AUX:
            j -= 1
        elif (toks[j].low == "and" and j + 1 <= i and j - 1 >= floor
              and (toks[j - 1].low.endswith("ed") or toks[j - 1].low in _IRREGULAR_VERBS)):
            j -= 2  # "was shot and killed", "beaten and killed"
        else:
            break
    hi = j + 1
    # "Two drug suspects, including a village chairperson, were killed"
    if hi - 1 >= floor and toks[hi - 1].low == ",":
        k = hi - 2
        while k >= floor and toks[k].low not in (",", "including") and toks[k].low not in \
                _SENTENCE_END:
            k -= 1
        if k >= floor and toks[k].low == "including":
            hi = k if toks[k - 1].low != "," else k - 1
            j = hi - 1
    best = j + 1
    while j >= floor:
        t = toks[j]
        if t.low == ")":
            # "(assumed police)": an aside inside the phrase
            k, stop = j - 1, max(floor, j - MAX_ASIDE_TOKENS)  # bounded: linear in the text
            while k >= stop and toks[k].low not in ("(", ".", ";"):
                k -= 1
            if k >= stop and toks[k].low == "(":
                j = k - 1
                continue
        if t.low in _SENTENCE_END:
            break
        if t.low == "including":
            # "20 troops, including a commander, died": the list before counts, not the part
            hi = j - 1 if j - 1 >= floor and toks[j - 1].low == "," else j
            j = hi - 1
            best = hi
            continue
        if t.low == ",":
            before = toks[j - 1] if j - 1 >= floor else None
            after = toks[j + 1] if j + 1 < hi else None
            if (before is None or after is None or before.low[0].isdigit()
                    or not (_quantity(toks, j + 1) or after.low in ("a", "an"))):
                break
        elif t.low == "and":
            if not (j + 1 < hi and (_quantity(toks, j + 1)
                                    or toks[j + 1].low in ("a", "an", "his", "her"))):
                break
        elif t.low in _SOFT:
            pass  # may still be inside the phrase: decided below
        elif t.low in _BOUNDARY:
            break
        elif (t.low.endswith("ed") and t.low not in _ED_OK and "-" not in t.low
              and t.low not in _KILLED) or t.low.endswith("ing") and len(t.low) > 5:
            break
        elif t.low in _KILLED | _SUBJECT:
            break
        if t.low not in _SOFT:
            best = j
        j -= 1
    # a preposition ends the phrase unless a count of people lies before it
    lo = best
    k = best
    while k < hi and toks[k].low not in _SOFT:
        k += 1
    if k < hi and not any(_quantity(toks, m) for m in range(best, k)):
        pass
    return lo, hi


def _object_span(toks: list[_Tok], i: int, ceiling: int) -> tuple[int, int]:
    lo = i + 1
    j = lo
    while j + 1 < ceiling and (toks[j].low, toks[j + 1].low) in (
            ("at", "least"), ("up", "to"), ("more", "than"), ("as", "many")):
        j += 2
    while j < ceiling:
        t = toks[j]
        if t.low == "(":  # "killing three volunteer fighters (VDP) and eleven civilians"
            k, stop = j + 1, min(ceiling, j + MAX_ASIDE_TOKENS)  # bounded: linear in the text
            while k < stop and toks[k].low not in (")", ".", ";"):
                k += 1
            if k < stop and toks[k].low == ")":
                j = k + 1
                continue
        if t.low in _SENTENCE_END or t.low == ",":
            break
        if t.low == "and" and not (j + 1 < ceiling and (
                _quantity(toks, j + 1) or toks[j + 1].low in ("a", "an", "his", "her", "their"))):
            break
        if t.low in _BOUNDARY - {"and"}:
            break
        if (t.low.endswith("ed") and t.low not in _ED_OK and "-" not in t.low) or (
                t.low.endswith("ing") and j > lo):
            break
        j += 1
    return lo, j


def _clause_subject(toks: list[_Tok], i: int, floor: int) -> tuple[int, int]:
    """The subject of the clause a coordinated death verb belongs to: "a shepherd" in "a
    shepherd stepped on a landmine and died", "He" in "He was hit by a bullet and died"."""
    k = i - 1
    while k > floor and toks[k - 1].low not in (",", ".", ";", ":"):
        k -= 1
    end = k
    while end < i and not (toks[end].low in _AUX or toks[end].low in _IRREGULAR_VERBS or (
            toks[end].low.endswith("ed") and toks[end].low not in _ED_OK)):
        end += 1
    return (k, end) if 0 < end - k <= 6 else (i, i)


def _to_death(toks: list[_Tok], i: int, floor: int) -> tuple[int, int] | None:
    """The dead of "<verb> ... to death" (i: the "to"): "beat a thief to death" (active,
    between verb and "to") or "was stabbed to death" (passive, before the verb)."""
    k = i - 1
    while k >= floor and i - k <= 6:
        w = toks[k].low
        if w.endswith("ed") or w in _IRREGULAR_VERBS or w in ("burned", "burnt"):
            prev = toks[k - 1].low if k > floor else ""
            if prev in _AUX or prev in ("and",):
                return _subject_span(toks, k, floor)
            end = i - 1 if toks[i - 1].low == "up" else i
            return (k + 1, end) if end > k + 1 else _subject_span(toks, k, floor)
        k -= 1
    return None


def _sentences(text: str, toks: list[_Tok]) -> list[tuple[int, int]]:
    """Token ranges of the sentences (a line break ends one too: headlines, bylines)."""
    out, lo = [], 0
    for k, t in enumerate(toks):
        if t.low in (".", "!", "?", ";") or (
                k + 1 < len(toks) and "\n" in text[t.end:toks[k + 1].start]):
            out.append((lo, k + 1))
            lo = k + 1
    if lo < len(toks):
        out.append((lo, len(toks)))
    return out


def _clauses(text: str, toks: list[_Tok], lo: int, hi: int) -> list[_Clause]:
    clauses: list[_Clause] = []
    i = lo
    while i < hi:
        t = toks[i]
        w = t.low
        prev = toks[i - 1].low if i > lo else ""
        nxt = toks[i + 1].low if i + 1 < hi else ""
        span: tuple[int, int] | None = None
        explicit = False
        if prev in _ATTEMPT or (prev == "be" and i > lo + 1 and toks[i - 2].low in _ATTEMPT):
            i += 1
            continue
        if w in _OF_DEATH and prev in ("the", "a") and nxt == "of" and i > lo + 1 and (
                toks[i - 2].low in _RESULTED) and i + 2 < hi and (
                toks[i + 2].low in _OBJECT_START or _quantity(toks, i + 2)):
            # "resulted in the killing of 12 militants", "leading to the death of 4 FACA"
            span = _object_span(toks, i + 1, hi)
            counted = _count_span(toks, *span) if span[0] < span[1] else None
            if counted:
                clauses.append(_Clause(counted[0], t.start, toks[span[1] - 1].end, counted[2],
                                       counted[1]))
            i += 1
            continue
        if w in ("fatalities", "fatality", "deaths") and i > lo:
            # "10 fatalities", "1 reported fatality", "led to 10 deaths"
            k = i - 1
            while k > lo and toks[k].low in ("reported", "confirmed", "civilian", "more"):
                k -= 1
            q = _quantity(toks, k)
            if q and k + q[1] <= i:
                clauses.append(_Clause(q[0], toks[k].start, t.end, w, explicit=True))
            i += 1
            continue
        if w in _ACTIVE and prev in _DETERMINERS or (w == "dead" and prev == "the") or (
                w == "killed" and prev in ("has", "have") and not (
                    _quantity(toks, i + 1) and nxt not in VAGUE)):
            # "the killing of ...", "among the dead", "the war has killed": background
            i += 1
            continue
        if w in _ACTIVE or ((w in _KILLED or w == "dead" and prev == "shot") and i + 1 < hi and (
                nxt in _OBJECT_START or _quantity(toks, i + 1))):
            span = _object_span(toks, i, hi)
        elif w == "death" and prev == "to":
            span = _to_death(toks, i - 1, lo)
        elif prev == "fatally" and (w.endswith("ed") or w in _IRREGULAR_VERBS):
            if i + 1 < hi and (nxt in _OBJECT_START or _quantity(toks, i + 1)):
                span = _object_span(toks, i, hi)
            else:
                span = _subject_span(toks, i - 1, lo)
        elif w == "down" and prev == "gunned":
            span = _subject_span(toks, i - 1, lo)  # "a drug suspect was gunned down"
        elif w in _KILLED or w in _SUBJECT:
            # "5 people were killed", "left 5 dead"
            span = _subject_span(toks, i, lo)
            if span[0] >= span[1] and w in ("died", "killed") and prev == "and":
                span = _clause_subject(toks, i, lo)
        elif w == "lives" and prev in ("their", "his", "her") and i > lo + 1 and (
                toks[i - 2].low in ("lost", "losing")):
            span = _subject_span(toks, i - 2, lo)
        if span is None or span[0] >= span[1]:
            i += 1
            continue
        counted = _count_span(toks, *span)
        if counted:
            count, estimated, head, first = counted
            start = min(toks[first].start, t.start)
            end = max(toks[span[1] - 1].end, t.end)
            first = toks[span[0]].low
            anaphoric = count == 1 and first in ("the", "he", "she", "his", "her", "him")
            clauses.append(_Clause(count, start, end, head, estimated, explicit, anaphoric))
        i += 1
    return clauses


@cache
def _language_patterns(language: str) -> tuple[re.Pattern, re.Pattern, re.Pattern] | None:
    """(death word, injury word, quantity) patterns of ``language``."""
    vocab = vocabulary(language)
    if vocab is None:
        return None
    words = sorted(list(vocab.UNITS) + list(vocab.VAGUE), key=len, reverse=True)

    def alt(pats) -> re.Pattern:
        return re.compile(r"(?<!\w)(?:" + "|".join(pats) + r")(?!\w)", re.I)
    quantity = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[ .,\u00a0]\d{3})+|\d+|"
                          + "|".join(re.escape(w) for w in words) + r")(?![\w])", re.I)
    return alt(vocab.DEATH), alt(vocab.INJURY), quantity


_WINDOW = 40  # characters between a count and its death word ("12 civils ont été tués")


def _counts_injured(text: str, end: int, hi: int, injury: re.Pattern) -> bool:
    """The word right after a count is an injury word ("et 5 blessés"): not a death count."""
    m = re.match(r"\s*(\w+)", text[end:hi])
    return bool(m and injury.fullmatch(m.group(1)))


def _language_clauses(text: str, language: str) -> list[_Clause]:
    """Count + death word reports in ``language`` (one per death word that has a count)."""
    death, injury, quantity = _language_patterns(language)
    vocab = vocabulary(language)
    values = {k.lower(): v for k, v in {**vocab.UNITS, **vocab.VAGUE}.items()}
    clauses = []
    for m in death.finditer(text):
        lo = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        hi = min(x for x in (text.find(".", m.end()), text.find("\n", m.end()), len(text))
                 if x >= 0)
        before = [q for q in quantity.finditer(text, max(lo, m.start() - _WINDOW), m.start())]
        after = [q for q in quantity.finditer(text, m.end(), min(hi, m.end() + _WINDOW))]
        # the nearest count not separated from the death word by an injury word
        candidates = [(m.start() - q.end(), q) for q in before
                      if not injury.search(text, q.end(), m.start())]
        # a count after the death word ("погибли 5"), never an article ("lors d'une attaque")
        candidates += [(q.start() - m.end(), q) for q in after
                       if values.get(q.group().lower()) != 1
                       and not injury.search(text, m.end(), q.start())
                       and not _counts_injured(text, q.end(), hi, injury)]
        for _gap, q in sorted(candidates, key=lambda c: c[0]):
            raw = q.group().lower()
            digits = re.sub(r"[ .,\u00a0]", "", raw)
            value = int(digits) if digits.isdigit() else values.get(raw)
            if not value or (digits.isdigit() and len(digits) == 4 and 1900 <= value <= 2099):
                continue
            start, end = min(q.start(), m.start()), max(q.end(), m.end())
            clauses.append(_Clause(value, start, end, text[m.start():m.end()].lower()))
            break
    return clauses


def extract_fatalities(text: str, language: str | None = None) -> Fatalities:
    """Reported deaths in ``text`` by ACLED's rules (see the module docstring); ``language``
    chooses the words (English when it has no tables)."""
    if not text:
        return Fatalities(0)
    if language and _language_patterns(language) is not None:
        return _merge(_language_clauses(text, language))
    if _ELSEWHERE.search(text):
        return Fatalities(0)
    coded = _CODED.search(text)
    coded_count = (parse_number(coded.group(1) or coded.group(2)) or 0) if coded else 0
    if coded and coded_count <= MAX_FATALITIES:
        return Fatalities(coded_count, ((coded.start(), coded.end()),))
    split = _SPLIT.search(text)
    if split:
        return _split_share(text, split)
    return _read_deaths(text)


def _split_share(text: str, split: re.Match) -> Fatalities:
    """This event's share of deaths a note split over several events: the figure in brackets,
    else the total divided by the number of events (rounded half up, ACLED's even split)."""
    span = ((split.start(), split.end()),)
    if split.group(2):
        share = parse_number(split.group(2)) or 0
        return Fatalities(share if share <= MAX_FATALITIES else 0, span)
    parts = parse_number(split.group(1).lower())
    total = _read_deaths(text[:split.start()])
    if not parts or parts < 2 or not total.count:
        return total
    return Fatalities(int(total.count / parts + 0.5), total.spans + span, total.estimated)


def _read_deaths(text: str) -> Fatalities:
    """Deaths read from the clauses of ``text`` (see the module docstring)."""
    toks = tokenize(text)
    clauses: list[_Clause] = []
    for lo, hi in _sentences(text, toks):
        sent = text[toks[lo].start:toks[hi - 1].end]
        found = [c for c in _clauses(text, toks, lo, hi)
                 if not _in_quotes(text, c.end - 1, toks[lo].start)]
        if not found and _NEGATION.search(sent):
            continue
        clauses += found
    headline = _headline_end(text)
    if headline and any(c.start > headline for c in clauses):
        clauses = [c for c in clauses if c.start > headline]  # the body tells it in full
    toll = _TOLL.search(text)
    if toll:
        value = parse_number(toll.group(1))
        if value and value <= MAX_FATALITIES:
            return Fatalities(value, ((toll.start(), toll.end()),))
    explicit = [c for c in clauses if c.explicit]
    if explicit:
        clauses = explicit
    if not clauses:
        unknown = _UNKNOWN.search(text)
        if unknown:
            return Fatalities(DEFAULT_UNKNOWN, ((unknown.start(), unknown.end()),), True)
        return Fatalities(0)
    return _merge(clauses)


def _merge(clauses: list[_Clause]) -> Fatalities:
    """One count from the reports: repeats once, separate groups added (module docstring)."""
    if not clauses:
        return Fatalities(0)
    kept: list[_Clause] = []
    for c in clauses:
        same = [k for k in kept if _stem(k.head) == _stem(c.head) and c.head]
        if any(k.count == c.count and (k.head in _GENERIC or c.head in _GENERIC or k in same)
               for k in kept):
            continue  # the same figure said again ("11 killed ... left 11 people dead")
        if kept and c.head not in _GENERIC and c.count == sum(k.count for k in kept) and len(
                kept) == 1 and kept[0].head in _GENERIC:
            continue  # "11 people dead ... seven soldiers and four civilians were killed"
        if same and not c.explicit:
            # another report of the same group's deaths: the lowest credible figure
            low = min(same + [c], key=lambda k: k.count)
            kept = [k for k in kept if k not in same] + [low]
            continue
        if c.anaphoric and kept:
            continue  # "the victim" / "he" after a first report: the same death
        kept.append(c)
    exact = [c for c in kept if not c.estimated]
    if exact and len(exact) < len(kept):
        kept = exact  # a number given elsewhere beats a vague plural
    total = sum(c.count for c in kept)
    if total > MAX_FATALITIES:
        return Fatalities(0)  # no report counts so many: a list of figures, not a toll
    return Fatalities(total, tuple((c.start, c.end) for c in kept),
                      all(c.estimated for c in kept))


_BASELINE = re.compile(
    r"\b(" + NUMBER + r")\s+(?:[a-z]+\s+){0,2}?(?:were\s+|was\s+)?(?:killed|dead)\b"
    r"|\bkill(?:ed|ing)\s+(" + NUMBER + r")\b", re.I)


def regex_baseline(text: str) -> int:
    """The plain baseline: the first "N (people) killed" / "N dead" / "killed N", else 0."""
    m = _BASELINE.search(text)
    if not m:
        return 0
    return parse_number(m.group(1) or m.group(2)) or 0
