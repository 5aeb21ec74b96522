"""Event records the way ACLED codes them, built from one tagged text.

:func:`build_events` turns a text and its :class:`~etl.tagging.core.tagger.TagResult` into a list of
:class:`EventRecord` (the main event first; ``[]`` when the text reports no event). Each record
has ACLED's fields (event type and sub-event type with scores, date and time precision, actors,
place and geo precision, fatalities), the evidence sentence (``notes``) and the character
offsets each field was read from (``offsets``: field name -> list of [start, end]).

How an article becomes events:

1. sentences are split; a sentence is an *event sentence* when it holds evidence for an event
   type (the type classifier's evidence, see :func:`_event_type`) or reports deaths;
2. the main event is anchored at the first event sentence and owns the event sentences of the
   lede (starting in the first :data:`LEDE_CHARS` characters) and later ones that name its
   place or date; later sentences that tell of earlier times ("since 2017") are background;
3. a later event sentence naming a town ("in X", "near X") more than :data:`SEPARATE_KM` km
   away from the main event's place, or another day, opens a separate event (at most
   :data:`MAX_EVENTS`);
4. each event takes its date (:mod:`etl.tagging.events.dates`), actors
   (:mod:`etl.tagging.events.actors`) and fatalities (:mod:`etl.tagging.events.fatalities`) from
   its own
   sentences, and its place from the tagger's resolved places in them: a town of the event's
   country (geo_precision 1, or 2 when the text says "near" / "west of" the town), else an admin1
   region or the country (3). A town outside the event's country is never chosen: better no
   place than a wrong one.

The event type comes from ONE adapter, :func:`_event_type`: the ACLED event classifier
(:mod:`etl.tagging.events.classifier`) the caller passes in (the tagger owns the loaded model);
without one there are no records. The sentences of a text are classified in one batch.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from etl.tagging.events import actors as eventactors
from etl.tagging.events.dates import DAY, DateMention, find_dates
from etl.tagging.events.fatalities import Fatalities, extract_fatalities
from etl.tagging.events.place import event_place
from etl.tagging.geo.distance import haversine_km
from etl.tagging.lang.events import classify_in_language

if TYPE_CHECKING:
    from etl.tagging.events.classifier import EventTypeModel

LEDE_CHARS = 800  # the lede: sentences starting this early belong to the main event
SEPARATE_KM = 50.0
MAX_EVENTS = 5
_NEAR = re.compile(r"\b(?:near|outside|outskirts of|close to|around|north|south|east|west"
                   r"|north-?east|north-?west|south-?east|south-?west|km|kilometres|kilometers"
                   r"|miles|area of|areas of|vicinity of|district of|countryside)\W*(?:of\W+)?"
                   r"(?:the\s+)?(?:town|city|village\s+)?$", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|\n|$)")
_LOCATIVE = re.compile(r"\b(?:in|near|at|outside|of|from|to|around|into|on)\s+(?:the\s+)?"
                       r"(?:town|city|village|district|area)?\s*(?:of\s+)?$", re.I)
# where something was said, not where it happened ("a statement issued in Peshawar")
_REPORTED_FROM = re.compile(r"\b(?:statement|said|told \w+|speaking|briefing|based|news conference"
                            r"|press conference|issued)\s+(?:\w+\s+)?(?:in|from)\s+$", re.I)
# "Nineveh province": the keyword is found first, then the name before it is read by hand
# (:func:`_admin1`), at most ADMIN1_NAME_CHARS back. One regular expression for both backtracked
# cubically on a long hyphenated chain of capitalised words (1.2 KB took 2 s; issue 20).
_ADMIN1_WORD = re.compile(r"(?<!\s)\s+(?:province|governorate|state|region|oblast|prefecture"
                          r"|county|department)\b")
ADMIN1_NAME_CHARS = 60
_TOPIC = re.compile(r"\b(?:war|invasion|conflict|situation|crisis|violence|events|solidarity"
                    r"|operations?|troops|presence|intervention|involvement)\s+(?:\w+\s+)?in\s+"
                    r"(?:the\s+)?$", re.I)
_BACKGROUND = re.compile(r"\b(?:since|years? ago|last year|in (?:19|20)\d\d|earlier this year"
                         r"|months ago|weeks ago)\b", re.I)


@dataclass(frozen=True)
class EventType:
    """What the adapter returns: the ACLED type of a text and what it was read from."""

    event_type: str
    sub_event_type: str
    sub_event_scores: dict[str, float]
    evidence: tuple[tuple[int, int], ...]


@dataclass
class EventRecord:
    """One event in ACLED's terms, with the offsets each field was read from."""

    event_type: str
    sub_event_type: str
    sub_event_scores: dict[str, float]
    event_date: str
    time_precision: int
    actor1: str | None
    assoc_actor_1: list[str]
    actor2: str | None
    assoc_actor_2: list[str]
    country: str
    country_code: str
    admin1: str
    location: str
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    fatalities: int
    notes: str
    offsets: dict[str, list[list[int]]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Sentence:
    start: int
    end: int
    evidence: tuple[tuple[int, int], ...]
    deaths: bool
    towns: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    countries: list = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)


# --- the event type (the ACLED classifier, etl/tagging/events/classifier.py)  ---------------------
def _event_type(model: EventTypeModel | None, text: str, result, lo: int = 0,
                hi: int | None = None) -> EventType | None:
    """The ACLED event type of text[lo:hi]; None without a model, when it reports no event, or
    when the article as a whole reports none (``result.event_type``: a football final, a rate
    decision), so that one sentence's "shot" or "attack" does not make one."""
    if model is None:
        return None
    whole = getattr(result, "event_type", None)
    if whole is not None and whole.event_type is None:
        return None
    hi = len(text) if hi is None else hi
    pred = classify_in_language(model.classify_event, text[lo:hi],
                                getattr(result, "language", None))
    if pred.event_type is None:
        return None
    evidence = tuple((lo + start, lo + end) for start, end, _ in pred.evidence)
    return EventType(pred.event_type, pred.sub_event_type, dict(pred.sub_event_scores), evidence)


@lru_cache(maxsize=8)
def _text_fatalities(text: str, language: str | None = None) -> Fatalities:
    """The whole text's deaths (cached: asked for every sentence of the same text)."""
    return extract_fatalities(text, language)


# --- building the records -----------------------------------------------------------------
def _sentences(model: EventTypeModel, text: str, result, dates: list[DateMention]
               ) -> list[_Sentence]:
    out = []
    for m in _SENTENCE.finditer(text):
        s, e = m.span()
        if not text[s:e].strip():
            continue
        out.append(_Sentence(s, e, (), False))
    model.classify_many([text[s.start:s.end] for s in out])  # one pass; cached per sentence
    for sent in out:
        et = _event_type(model, text, result, sent.start, sent.end)
        sent.evidence = et.evidence if et else ()
    # each place, date and death to its sentence by bisection: linear, not sentences x mentions
    starts = [sent.start for sent in out]

    def holder(start: int, end: int) -> _Sentence | None:
        i = bisect_right(starts, start) - 1
        return out[i] if i >= 0 and end <= out[i].end else None

    for a, _ in _text_fatalities(text, getattr(result, "language", None)).spans:
        sent = holder(a, a + 1)
        if sent is not None:
            sent.deaths = True
    for p in result.places:
        sent = holder(p.start, p.end)
        if sent is None:
            continue
        feature = getattr(p, "feature", "town")
        if feature == "country":
            sent.countries.append(p)
        elif feature in ("admin1", "region", "province", "state"):
            sent.regions.append(p)
        else:
            sent.towns.append(p)
    for d in dates:
        sent = holder(d.start, d.end)
        if sent is not None:
            sent.dates.append(d)
    return out


def _event_country(text: str, result, sentences: list[_Sentence], baseline: bool = False
                   ) -> tuple[str, bool]:
    """The country the text is about and whether the text agrees on it: places named in the
    event sentences count most, then all places (a country named counts double) and the home
    countries of the actors it names. A tie between countries is not agreement (Zandam in the
    Netherlands or in Nigeria's Katsina?): the event then gets no place rather than a wrong one.
    """
    votes: Counter[str] = Counter()
    for s in sentences:
        weight = 3 if (s.evidence or s.deaths) else 1
        for p in s.towns + s.regions:
            # "in Zandam" says where it happened more than "(Jibia LGA, Katsina)"
            votes[p.country] += weight + (
                1 if _LOCATIVE.search(text[max(0, p.start - 30):p.start]) else 0)
        for p in s.countries:
            # "flags of Russia", "the war in Ukraine" in a note on Burkina Faso or Cyprus: a
            # country named in passing counts less than the towns where the event happened
            votes[p.country] += 2 * weight if baseline or _LOCATIVE.search(
                text[max(0, p.start - 30):p.start]) and not _TOPIC.search(
                text[max(0, p.start - 40):p.start]) else 1
    for e in result.entities:
        if getattr(e, "kind", None) in eventactors.ACTOR_KINDS and e.country not in (None, "XX"):
            votes[e.country] += 1
    if not votes:  # no place resolved: "Indonesian police", "Nepali protesters"
        for m in re.finditer(r"\b(" + "|".join(eventactors.DEMONYMS) + r")\b", text, re.I):
            votes[eventactors.DEMONYMS[m.group(1).lower()]] += 1
        return (votes.most_common(1)[0][0], False) if votes else ("", False)
    ranked = votes.most_common(2)
    if not ranked:
        return "", False
    return ranked[0][0], len(ranked) == 1 or ranked[0][1] > ranked[1][1]


def _place(text: str, sents: list[_Sentence], iso: str) -> tuple[object | None, int | None]:
    """The first town of the event's country (the baseline ``newsmon eval`` prints; the
    records use :func:`etl.tagging.events.place.event_place`) and ACLED geo_precision."""
    for s in sents:
        towns = [p for p in s.towns if not iso or p.country == iso]
        if towns:
            p = towns[0]
            conf = getattr(p, "confidence", 1.0)
            if conf is not None and conf < 0.3:
                continue
            before = text[max(s.start, p.start - 40):p.start]
            return p, 2 if _NEAR.search(before) else 1
    for s in sents:
        regions = [p for p in s.regions if not iso or p.country == iso]
        if regions:
            return regions[0], 3
    for s in sents:
        countries = [p for p in s.countries if not iso or p.country == iso]
        if countries:
            return countries[0], 3
    return None, None


def _name_country(text: str) -> str:
    """The country most of the text's unambiguous place names lie in (each name's candidates
    all in one country), "" when none: the country of an actor like "Protesters" when the
    resolver kept no place (small towns in a note that names no country)."""
    from etl.tagging.geo.features import STOP_PAYLOAD, decode_payload
    from etl.tagging.geo.gazetteer import load_places

    gaz = load_places()
    votes: Counter[str] = Counter()
    for m in gaz.index.find(text):
        if not m.text[:1].isupper() or len(m.text) < 4 or STOP_PAYLOAD in m.payloads:
            continue
        countries = {gaz.places.country[decode_payload(g)[0]] for g in m.payloads}
        if len(countries) == 1:
            votes[countries.pop()] += 1
    ranked = votes.most_common(2)
    if not ranked or len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return ""
    return ranked[0][0]


def _fatalities(text: str, sents: list[_Sentence], language: str | None = None
                ) -> tuple[int, list[list[int]]]:
    """Deaths over an event's own sentences (joined, offsets mapped back)."""
    pieces, offsets, pos = [], [], 0
    for s in sents:
        pieces.append(text[s.start:s.end])
        offsets.append((pos, s.start, s.end - s.start))
        pos += s.end - s.start + 1
    joined = "\n".join(pieces)  # a headline stays a line of its own
    found = extract_fatalities(joined, language)

    def back(i: int) -> int:
        for j0, orig, n in offsets:
            if j0 <= i <= j0 + n:
                return orig + (i - j0)
        return i

    return found.count, [[back(a), back(b)] for a, b in found.spans]


def _span(m) -> list[list[int]]:
    return [[m.start, m.end]] if m is not None and m.start >= 0 else []


def _record(model: EventTypeModel | None, text: str, result, sents: list[_Sentence], iso: str,
            main_date: DateMention | None, published: date, context: Sequence[_Sentence] = (),
            agreed: bool = True, baseline: bool = False) -> EventRecord | None:
    """One record from its own sentences; ``context`` (the lede, for the main event) is where
    its place is looked for when its own sentences name none; no place unless ``agreed``."""
    lo, hi = sents[0].start, sents[-1].end
    et = None
    for s in sents:  # the type of the first sentence that has one, else the whole span
        et = _event_type(model, text, result, s.start, s.end)
        if et:
            break
    et = et or _event_type(model, text, result, lo, hi)
    if et is None:
        return None
    dates = [d for s in sents for d in s.dates]
    when = dates[0] if dates else main_date or DateMention(published, DAY, -1, -1, "")
    def where(group: Sequence[_Sentence]) -> tuple[object | None, int | None]:
        if baseline:
            return _place(text, list(group), iso)
        return event_place(text, group, iso, result.places)

    place, precision = where(sents) if agreed else (None, None)
    if place is None and context and agreed:
        place, precision = where(context)
    country_code = getattr(place, "country", None) or iso
    if not country_code and not baseline:  # no place: the text's focus ("Protesters (Iraq)")
        country_code = next(iter(getattr(result, "countries", None) or ()), "") or (
            _name_country(text))
    mentions: list = []
    known = sorted(result.entities, key=lambda e: e.start)
    known_starts = [e.start for e in known]
    for s in sents:  # each sentence's own entities (bisection: not sentences x entities)
        own = known[bisect_left(known_starts, s.start):bisect_right(known_starts, s.end)]
        mentions += eventactors.find_actors(text, s.start, s.end, own, country_code,
                                            learned=not baseline)
    actors = eventactors.assign_roles(text, mentions, et.event_type, country_code,
                                      implied_agent=not baseline)
    deaths, death_spans = _fatalities(text, sents, getattr(result, "language", None))
    if et.sub_event_type == "Peaceful protest":
        deaths, death_spans = 0, []  # ACLED: a peaceful protest has no fatalities
    evidence_sentence = next((s for s in sents if s.evidence), sents[0])
    admin1 = (getattr(place, "admin1", "") or "") if place is not None else ""
    if place is not None and getattr(place, "feature", "") in ("admin1", "region"):
        admin1 = admin1 or place.name
    admin1_span: list[list[int]] = []
    if not admin1:  # "Nineveh province": the text names the region
        for sent in sents:
            found = _admin1(text, sent.start, sent.end)
            if found:
                admin1, admin1_span = text[found[0]:found[1]], [list(found)]
                break
    offsets = {
        "event_type": [list(e) for e in et.evidence],
        "sub_event_type": [list(e) for e in et.evidence],
        "event_date": _span(when),
        "actor1": _span(actors.actor1),
        "assoc_actor_1": [[m.start, m.end] for m in actors.assoc_actor_1 if m.start >= 0],
        "actor2": _span(actors.actor2),
        "assoc_actor_2": [[m.start, m.end] for m in actors.assoc_actor_2 if m.start >= 0],
        "location": [[place.start, place.end]] if place is not None else [],
        "admin1": admin1_span,
        "fatalities": death_spans,
        "notes": [[evidence_sentence.start, evidence_sentence.end]],
    }
    return EventRecord(
        event_type=et.event_type, sub_event_type=et.sub_event_type,
        sub_event_scores=et.sub_event_scores,
        event_date=when.date.isoformat(), time_precision=when.precision,
        actor1=actors.actor1.actor if actors.actor1 else None,
        assoc_actor_1=[m.actor for m in actors.assoc_actor_1],
        actor2=actors.actor2.actor if actors.actor2 else None,
        assoc_actor_2=[m.actor for m in actors.assoc_actor_2],
        country=eventactors.country_name(country_code), country_code=country_code or "",
        admin1=admin1,
        location=(place.name if place is not None else ""),
        latitude=(place.lat if place is not None else None),
        longitude=(place.lon if place is not None else None),
        geo_precision=precision, fatalities=deaths,
        notes=" ".join(text[evidence_sentence.start:evidence_sentence.end].split()),
        offsets=offsets,
    )


def _name_char(c: str) -> bool:
    return c.isalnum() or c in "_'’-"


def _admin1(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The first "<Name> province" (or governorate, state, ...) in text[lo:hi]: the span of
    its name, one or two capitalised words ("Upper Nile", "al-Anbar" gives "Anbar").

    Linear: each keyword looks back at most :data:`ADMIN1_NAME_CHARS` characters.
    """
    for m in _ADMIN1_WORD.finditer(text, lo, hi):
        end = j = m.start()
        floor, space = max(lo, end - ADMIN1_NAME_CHARS), -1
        while j > floor:  # back over name characters and at most one space between two words
            c = text[j - 1]
            if c == " " and space < 0 and j - 2 >= floor and _name_char(text[j - 2]):
                space = j - 1
            elif not _name_char(c):
                break
            j -= 1
        for i in range(j, end - 1):
            if not ("A" <= text[i] <= "Z") or (i > 0 and (text[i - 1].isalnum()
                                                          or text[i - 1] == "_")):
                continue  # a name starts with a capital, at a word boundary
            if space < i:
                return i, end
            if space - i >= 2 and end - space - 1 >= 2 and "A" <= text[space + 1] <= "Z":
                return i, end
    return None


def _far(a, b) -> bool:
    return haversine_km(a.lat, a.lon, b.lat, b.lon) > SEPARATE_KM


def build_events(text: str, result, published: datetime | date | None = None, *,
                 model: EventTypeModel | None, baseline: bool = False) -> list[EventRecord]:
    """The events ``text`` reports (main event first), from its tag ``result``; ``model`` is
    the tagger's ACLED event-type model (none: no event records); ``baseline``: the place and
    actors as chosen before issue 17 (what ``newsmon eval`` prints beside)."""
    if model is None or not text or not result.categories:
        return []
    pub = published.date() if isinstance(published, datetime) else (
        published or datetime.now().date())
    dates = find_dates(text, pub, getattr(result, "language", None))
    sentences = _sentences(model, text, result, dates)
    event_sents = [s for s in sentences if s.evidence or s.deaths]
    if not any(s.evidence for s in event_sents):
        return []
    iso, agreed = _event_country(text, result, sentences, baseline)
    lede = [s for s in sentences if s.start < LEDE_CHARS]
    groups: list[list[_Sentence]] = [[]]
    main_town = None
    main_date: DateMention | None = None
    for s in event_sents:
        in_lede = s in lede
        town = next((p for p in s.towns if (not iso or p.country == iso)
                     and _LOCATIVE.search(text[max(0, p.start - 30):p.start])
                     and not _REPORTED_FROM.search(text[max(0, p.start - 40):p.start])), None)
        day = next((d for d in s.dates if d.precision == DAY), None)
        if not groups[0]:
            groups[0].append(s)
            main_town, main_date = town, day
            continue
        if in_lede and not (town and main_town and _far(town, main_town)):
            groups[0].append(s)
            main_town = main_town or town
            main_date = main_date or day
            continue
        if _BACKGROUND.search(text[s.start:s.end]):
            continue  # background: earlier events told for context
        other_day = day is not None and main_date is not None and day.date != main_date.date
        separate = s.evidence and (other_day or (
            s.deaths and town is not None and main_town is not None and _far(town, main_town)))
        if separate and len(groups) < MAX_EVENTS:
            # joins an earlier separate event at the same place and day, else opens one
            for g in groups[1:]:
                gt = next((p for x in g for p in x.towns), None)
                if gt is not None and town is not None and not _far(gt, town):
                    g.append(s)
                    break
            else:
                groups.append([s])
            continue
        same_place = town is not None and main_town is not None and not _far(town, main_town)
        same_day = day is not None and main_date is not None and day.date == main_date.date
        if same_place or same_day:
            groups[0].append(s)
    records = []
    for k, group in enumerate(groups):
        rec = _record(model, text, result, group, iso, main_date, pub, lede if k == 0 else (),
                      agreed, baseline)
        if rec is not None:
            records.append(rec)
    return records


def events_as_dicts(events: Sequence[EventRecord]) -> list[dict]:
    return [e.as_dict() for e in events]
