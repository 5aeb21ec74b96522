"""Event records the way ACLED codes them, built from one tagged text.

:func:`build_events` turns a text and its :class:`~etl.tagging.tagger.TagResult` into a list of
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
4. each event takes its date (:mod:`etl.tagging.eventdate`), actors
   (:mod:`etl.tagging.eventactors`) and fatalities (:mod:`etl.tagging.fatalities`) from its own
   sentences, and its place from the tagger's resolved places in them: a town of the event's
   country (geo_precision 1, or 2 when the text says "near" / "west of" the town), else an admin1
   region or the country (3). A town outside the event's country is never chosen: better no
   place than a wrong one.

The event type comes from ONE adapter, :func:`_event_type`: the ACLED type classifier
(``etl.tagging.events.classify_event``, issue 11 part A) when it exists, else today's taxonomy
categories mapped to ACLED's names.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from etl.tagging import eventactors
from etl.tagging.actors import ARMED_KINDS
from etl.tagging.eventdate import DAY, DateMention, find_dates
from etl.tagging.fatalities import Fatalities, extract_fatalities

LEDE_CHARS = 800  # the lede: sentences starting this early belong to the main event
SEPARATE_KM = 50.0
MAX_EVENTS = 5
EVENT_MIN_SCORE = 0.45  # the tagger's EVENT_THRESHOLD: a category "happened" from this score on
DEATHS_MIN_SCORE = 0.15  # ... or from the tagger's MIN_CATEGORY_SCORE when deaths are reported
MIN_RELEVANCE = 0.3  # the tagger's EVENT_MODEL_MIN_RELEVANCE: less is no conflict text at all
# Taxonomy category -> (ACLED event type, sub-event type): the fallback until the ACLED type
# classifier (part A) is merged.
CATEGORY_TYPES = {
    "armed_clash": ("Battles", "Armed clash"),
    "territory_change": ("Battles", "Government regains territory"),
    "battles": ("Battles", "Armed clash"),
    "air_drone_strike": ("Explosions/Remote violence", "Air/drone strike"),
    "shelling_artillery_missile": ("Explosions/Remote violence",
                                   "Shelling/artillery/missile attack"),
    "suicide_bomb": ("Explosions/Remote violence", "Suicide bomb"),
    "ied_landmine": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "grenade": ("Explosions/Remote violence", "Grenade"),
    "explosions_remote_violence": ("Explosions/Remote violence",
                                   "Remote explosive/landmine/IED"),
    "attack_on_civilians": ("Violence against civilians", "Attack"),
    "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
    "sexual_violence": ("Violence against civilians", "Sexual violence"),
    "violence_against_civilians": ("Violence against civilians", "Attack"),
    "peaceful_protest": ("Protests", "Peaceful protest"),
    "protest_intervention": ("Protests", "Protest with intervention"),
    "protests": ("Protests", "Peaceful protest"),
    "violent_demonstration": ("Riots", "Violent demonstration"),
    "mob_violence": ("Riots", "Mob violence"),
    "riots": ("Riots", "Violent demonstration"),
    "arrests": ("Strategic developments", "Arrests"),
    "agreement": ("Strategic developments", "Agreement"),
    "ceasefire": ("Strategic developments", "Agreement"),
    "territory_transfer": ("Strategic developments", "Non-violent transfer of territory"),
    "looting": ("Strategic developments", "Looting/property destruction"),
    "surrender_recruitment": ("Strategic developments", "Change to group/activity"),
}
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
_ADMIN1 = re.compile(r"\b([A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+)?)(?:'s)?\s+(?:province|governorate"
                     r"|state|region|oblast|prefecture|county|department)\b")
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


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


# --- the event type adapter (the one place to swap when part A is merged) ----------------------
def _event_type(text: str, result, lo: int = 0, hi: int | None = None) -> EventType | None:
    """The ACLED event type of text[lo:hi]; None when it reports no event.

    Uses ``etl.tagging.events.classify_event`` when part A has delivered it, else the tagger's
    taxonomy categories (whole-text scores, keywords inside [lo, hi) as evidence)."""
    hi = len(text) if hi is None else hi
    try:
        from etl.tagging import events as part_a
        classify = getattr(part_a, "classify_event", None)
    except ImportError:  # pragma: no cover - the module exists on main
        classify = None
    if classify is not None:
        whole = getattr(result, "event_type", None)
        if whole is not None and whole.event_type is None:
            # the article as a whole reports no event (a football final, a rate decision):
            # one sentence's "shot" or "attack" must not make one
            return None
        pred = classify(text[lo:hi])
        if pred is None or not getattr(pred, "event_type", None):
            return None
        ev = tuple((lo + s, lo + e) for s, e, *_ in getattr(pred, "evidence", ()) or ())
        return EventType(pred.event_type, pred.sub_event_type,
                         dict(getattr(pred, "sub_event_scores", {}) or {}), ev)
    deaths = _reports_deaths(text)  # the text's, not only this sentence's
    # protests and riots are events whatever the conflict relevance; the other types need a
    # conflict text, reported deaths or armed men (a known armed actor, gunmen, militants):
    # sports and business metaphors ("the battle for the cup") have none of these
    violence = any(getattr(e, "kind", None) in ARMED_KINDS for e in result.entities) or (
        _names_armed_men(text))
    unrest_only = not deaths and not result.is_conflict and (
        result.relevance < MIN_RELEVANCE or not violence)
    scores = {c.id: c.score for c in result.categories if c.event}
    hits: Counter[str] = Counter()
    spans: dict[str, list[tuple[int, int]]] = {}
    for k in result.keywords:
        if lo <= k.start and k.end <= hi and k.category in CATEGORY_TYPES and not (
                unrest_only and CATEGORY_TYPES[k.category][0] not in ("Protests", "Riots")):
            hits[k.category] += 1
            spans.setdefault(k.category, []).append((k.start, k.end))
    # a weaker category counts when the text reports deaths ("Gunmen killed three villagers")
    floor = DEATHS_MIN_SCORE if deaths or result.is_conflict or unrest_only else EVENT_MIN_SCORE
    candidates = [(scores.get(cid, 0.0), n, cid) for cid, n in hits.items()
                  if scores.get(cid, 0.0) >= floor
                  or scores.get(_parent(result, cid), 0.0) >= floor]
    if not candidates:
        if deaths:
            # deaths without words for the kind of event: ACLED's commonest case, an attack
            found = extract_fatalities(text[lo:hi])
            return EventType("Violence against civilians", "Attack", {"Attack": 0.0},
                             tuple((lo + a, lo + b) for a, b in found.spans))
        return None
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    best = candidates[0][2]
    event_type, sub = CATEGORY_TYPES[best]
    sub_scores: dict[str, float] = {}
    for score, _, cid in candidates:
        name = CATEGORY_TYPES[cid][1]
        sub_scores[name] = max(sub_scores.get(name, 0.0), round(score, 4))
    return EventType(event_type, sub, sub_scores, tuple(spans[best]))


@lru_cache(maxsize=8)
def _text_fatalities(text: str) -> Fatalities:
    """The whole text's deaths (cached: asked for every sentence of the same text)."""
    return extract_fatalities(text)


@lru_cache(maxsize=8)
def _names_armed_men(text: str) -> bool:
    """Gunmen, militants, militias: armed men the gazetteer has no name for (police and
    soldiers alone are not violence: "Police said the evening passed without incident")."""
    return any(m.kind in eventactors.NON_STATE_TYPES
               for m in eventactors.find_actors(text, 0, len(text), (), ""))


def _reports_deaths(text: str) -> bool:
    return _text_fatalities(text).count > 0


def _parent(result, cid: str) -> str:
    return next((c.parent or "" for c in result.categories if c.id == cid), "")


# --- building the records -----------------------------------------------------------------
def _sentences(text: str, result, dates: list[DateMention]) -> list[_Sentence]:
    out = []
    for m in _SENTENCE.finditer(text):
        s, e = m.span()
        if not text[s:e].strip():
            continue
        out.append(_Sentence(s, e, (), False))
    for sent in out:
        et = _event_type(text, result, sent.start, sent.end)
        sent.evidence = et.evidence if et else ()
        sent.deaths = any(sent.start <= a < sent.end for a, _ in _text_fatalities(text).spans)
        for p in result.places:
            if sent.start <= p.start and p.end <= sent.end:
                feature = getattr(p, "feature", "town")
                if feature == "country":
                    sent.countries.append(p)
                elif feature in ("admin1", "region", "province", "state"):
                    sent.regions.append(p)
                else:
                    sent.towns.append(p)
        sent.dates = [d for d in dates if sent.start <= d.start and d.end <= sent.end]
    return out


def _event_country(text: str, result, sentences: list[_Sentence]) -> tuple[str, bool]:
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
            votes[p.country] += 2 * weight
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
    """The event's place (a tagger PlaceTag) and ACLED geo_precision."""
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


def _fatalities(text: str, sents: list[_Sentence]) -> tuple[int, list[list[int]]]:
    """Deaths over an event's own sentences (joined, offsets mapped back)."""
    pieces, offsets, pos = [], [], 0
    for s in sents:
        pieces.append(text[s.start:s.end])
        offsets.append((pos, s.start, s.end - s.start))
        pos += s.end - s.start + 1
    joined = "\n".join(pieces)  # a headline stays a line of its own
    found = extract_fatalities(joined)

    def back(i: int) -> int:
        for j0, orig, n in offsets:
            if j0 <= i <= j0 + n:
                return orig + (i - j0)
        return i

    return found.count, [[back(a), back(b)] for a, b in found.spans]


def _span(m) -> list[list[int]]:
    return [[m.start, m.end]] if m is not None and m.start >= 0 else []


def _record(text: str, result, sents: list[_Sentence], iso: str, main_date: DateMention | None,
            published: date, context: Sequence[_Sentence] = (),
            agreed: bool = True) -> EventRecord | None:
    """One record from its own sentences; ``context`` (the lede, for the main event) is where
    its place is looked for when its own sentences name none; no place unless ``agreed``."""
    lo, hi = sents[0].start, sents[-1].end
    et = None
    for s in sents:  # the type of the first sentence that has one, else the whole span
        et = _event_type(text, result, s.start, s.end)
        if et:
            break
    et = et or _event_type(text, result, lo, hi)
    if et is None:
        return None
    dates = [d for s in sents for d in s.dates]
    when = dates[0] if dates else main_date or DateMention(published, DAY, -1, -1, "")
    place, precision = _place(text, sents, iso) if agreed else (None, None)
    if place is None and context and agreed:
        place, precision = _place(text, list(context), iso)
    country_code = getattr(place, "country", None) or iso
    mentions: list = []
    for s in sents:
        mentions += eventactors.find_actors(text, s.start, s.end, result.entities, country_code)
    actors = eventactors.assign_roles(text, mentions, et.event_type, country_code)
    deaths, death_spans = _fatalities(text, sents)
    if et.sub_event_type == "Peaceful protest":
        deaths, death_spans = 0, []  # ACLED: a peaceful protest has no fatalities
    evidence_sentence = next((s for s in sents if s.evidence), sents[0])
    admin1 = (getattr(place, "admin1", "") or "") if place is not None else ""
    if place is not None and getattr(place, "feature", "") in ("admin1", "region"):
        admin1 = admin1 or place.name
    admin1_span: list[list[int]] = []
    if not admin1:  # "Nineveh province": the text names the region
        for sent in sents:
            m = _ADMIN1.search(text, sent.start, sent.end)
            if m:
                admin1, admin1_span = m.group(1), [[m.start(1), m.end(1)]]
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


def _far(a, b) -> bool:
    return km(a.lat, a.lon, b.lat, b.lon) > SEPARATE_KM


def build_events(text: str, result, published: datetime | date | None = None
                 ) -> list[EventRecord]:
    """The events ``text`` reports (main event first), from its tag ``result``."""
    if not text or not result.categories:
        return []
    pub = published.date() if isinstance(published, datetime) else (
        published or datetime.now().date())
    dates = find_dates(text, pub)
    sentences = _sentences(text, result, dates)
    event_sents = [s for s in sentences if s.evidence or s.deaths]
    if not any(s.evidence for s in event_sents):
        return []
    iso, agreed = _event_country(text, result, sentences)
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
        rec = _record(text, result, group, iso, main_date, pub, lede if k == 0 else (), agreed)
        if rec is not None:
            records.append(rec)
    return records


def events_as_dicts(events: Sequence[EventRecord]) -> list[dict]:
    return [e.as_dict() for e in events]
