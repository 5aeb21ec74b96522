"""Place disambiguation from the article's own context (in the spirit of CLIFF-CLAVIN, Mordecai).

For the gazetteer matches of one text:

1. **Focus countries**: evidence per country from the countries named (1 each), demonyms
   (Iraqi: 0.75), the actors' home countries (1) and names whose every candidate lies in one
   country (regions 0.5, towns 0.3); a country is in focus from 0.5 on, ordered by evidence.
2. **Qualifiers**: "X, Y", "X (Y)", "X in Y" where Y is a country or a region: X keeps only
   its candidates inside Y (Trindade, Pernambuco; Rawson (Chubut); Puno, Peru).
3. **Anchors**: places that are certain before any scoring (qualified, or a single candidate
   region or sizeable town); a candidate near an anchor gains.
4. **Score** of a candidate: log10(population) + feature class (country > admin1 > admin2 >
   town) + focus (up to 5, by the country's share of the evidence) + a region the text names
   (3) + proximity to anchors (up to 2) + the feed's country (1, a weak prior).
5. **Better no place than a wrong one**: a village or small town outside every focus country is
   dropped; so is a lone small candidate in an article without focus unless the language model
   calls it a location; common words and names the model reads as people or organisations need
   the focus. Each place gets a ``confidence`` in [0, 1] from the evidence behind it (focus,
   qualifier or region, a single candidate country, the margin over the best rival elsewhere);
   below :data:`MIN_CONFIDENCE` it is dropped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from etl.tagging.core.names import is_common_word
from etl.tagging.geo.distance import haversine_km
from etl.tagging.geo.features import (
    F_ADMIN1,
    F_ADMIN2,
    F_CAPITAL,
    F_CONTINENT,
    F_COUNTRY,
    F_TOWN,
    F_VILLAGE,
    NOT_TOWNS,
    decode_payload,
)
from etl.tagging.geo.places import PlaceAnalysis, PlaceMention

if TYPE_CHECKING:
    from etl.tagging.core.matcher import Match
    from etl.tagging.geo.gazetteer import PlaceGazetteer

SMALL_TOWN = 15000
BIG_TOWN = 100_000
MAJOR_CITY = 1_000_000
VILLAGE_POPULATION = 1000  # population assumed for ACLED's villages (they have none)
FOCUS_MIN = 0.5
MIN_CONFIDENCE = 0.3  # below this a place is more likely wrong than right: dropped
FEATURE_BONUS = {F_COUNTRY: 3.0, F_CONTINENT: 3.0, F_ADMIN1: 1.5, F_CAPITAL: 3.5,
                 F_ADMIN2: 0.5, F_TOWN: 0.0, F_VILLAGE: 0.0}
BROAD = frozenset({F_COUNTRY, F_CONTINENT})
FOCUS_BONUS = 5.0
REGION_BONUS = 3.0
PRIOR_BONUS = 1.0
QUALIFIER_GAPS = frozenset({",", "(", "in", ", in", "-", "in the", ", in the"})
WEIGHT_COUNTRY, WEIGHT_DEMONYM, WEIGHT_ACTOR = 1.0, 0.75, 1.0
WEIGHT_REGION, WEIGHT_TOWN = 0.5, 0.3
WEIGHT_CANDIDATE = 0.1  # a country among an ambiguous name's candidates (US towns in LGL)


@dataclass
class _Slot:
    """One gazetteer match and its candidates (row numbers)."""

    match: Match
    rows: list[int]
    demonym_of: int | None = None   # country row when the match is a demonym
    plural: bool = False            # Iraqis: evidence of the focus, not a place
    qualified: bool = False
    label: str | None = None
    label_exact: bool = False       # the model's span is the name itself, not a longer one


def label_for(labels: dict[tuple[int, int], str] | None, start: int, end: int) -> str | None:
    if not labels:
        return None
    exact = labels.get((start, end))
    if exact:
        return exact
    for (s, e), label in labels.items():
        if s <= start and end <= e:
            return label
    return None


def _population(table, row: int) -> int:
    if table.feature[row] == F_VILLAGE:
        return VILLAGE_POPULATION
    return table.population[row]


def _focus(table, slots: list[_Slot], context: set[str]
           ) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Evidence per country, and each name's own share of it (a name is no evidence for
    itself: Qairawan, a town only in Tunisia, does not put an Iraqi article in Tunisia)."""
    weight: dict[str, float] = defaultdict(float)
    own: list[dict[str, float]] = [{} for _ in slots]
    for iso in context:
        weight[iso] += WEIGHT_ACTOR
    for i, slot in enumerate(slots):
        if slot.demonym_of is not None and not slot.rows:
            if slot.label not in ("person", "organization"):
                weight[table.country[slot.demonym_of]] += WEIGHT_DEMONYM
            continue
        countries = {table.country[r] for r in slot.rows}
        named = [r for r in slot.rows if table.feature[r] == F_COUNTRY]
        if named:  # Georgia (the country or the state) is no evidence for either
            if len(countries) == 1:
                weight[table.country[named[0]]] += WEIGHT_COUNTRY
            continue
        if _weak_name(slot.match.text) or slot.label in ("person", "organization"):
            continue
        if len(countries) == 1:
            big = any(table.feature[r] in (F_ADMIN1, F_ADMIN2)
                      or table.population[r] >= SMALL_TOWN for r in slot.rows)
            own[i] = {next(iter(countries)): WEIGHT_REGION if big else WEIGHT_TOWN}
        else:
            own[i] = dict.fromkeys(countries, WEIGHT_CANDIDATE)
        for iso, w in own[i].items():
            weight[iso] += w
    weight.pop("", None)  # continents
    return weight, own


def _weak_name(name: str) -> bool:
    if name.endswith(".") and len(name) >= 3:  # Ga., W.Va.: abbreviations are deliberate
        return False
    return len(name) <= 3 or is_common_word(name) or name in NOT_TOWNS


def _qualify(text: str, table, slots: list[_Slot]) -> None:
    """'X, Y' / 'X (Y)' / 'X in Y' with Y a country or region: X keeps its candidates in Y."""
    for slot, nxt in zip(slots, slots[1:], strict=False):
        gap = " ".join(text[slot.match.end:nxt.match.start].split())
        if gap not in QUALIFIER_GAPS or not slot.rows:
            continue
        scopes = set()
        for r in nxt.rows:
            f = table.feature[r]
            if f == F_COUNTRY:
                scopes.add((table.country[r], None))
            elif f in (F_ADMIN1, F_ADMIN2):
                scopes.add((table.country[r], table.admin1[r]))
        inside = [r for r in slot.rows if r not in nxt.rows and any(
            table.country[r] == iso and (a1 is None or table.admin1[r] == a1)
            and table.feature[r] != F_COUNTRY for iso, a1 in scopes)]
        if inside:
            slot.rows, slot.qualified = inside, True
            # the qualifier itself is the scope that fits (Georgia the state, not the country)
            fitting = [r for r in nxt.rows if any(
                table.country[r] == table.country[i] and (
                    table.feature[r] == F_COUNTRY or table.admin1[r] == table.admin1[i])
                for i in inside)]
            if fitting:
                nxt.rows = fitting


def resolve(gaz: PlaceGazetteer, text: str, matches: list[Match], context: set[str],
            ner_labels: dict[tuple[int, int], str] | None, prior: set[str]) -> PlaceAnalysis:

    table = gaz.places
    slots = []
    for m in matches:
        decoded = [decode_payload(g) for g in m.payloads]
        rows = [r for r, demonym, _ in decoded if not demonym]
        demonyms = [(r, plural) for r, demonym, plural in decoded if demonym]
        slot = _Slot(m, rows, label=label_for(ner_labels, m.start, m.end),
                     label_exact=bool(ner_labels) and (m.start, m.end) in ner_labels)
        if demonyms:
            slot.demonym_of, slot.plural = demonyms[0]
            slot.rows = []  # Canadian is the people, not Canadian (Texas)
        slots.append(slot)
    weight, own = _focus(table, slots, context)
    first_seen = {}
    for slot in slots:
        for r in slot.rows or ([slot.demonym_of] if slot.demonym_of is not None else []):
            first_seen.setdefault(table.country[r], slot.match.start)
    focus = sorted((iso for iso, w in weight.items() if w >= FOCUS_MIN),
                   key=lambda iso: (-weight[iso], first_seen.get(iso, -1)))
    top = max((weight[iso] for iso in focus), default=0.0)
    _qualify(text, table, slots)
    # regions named by other names (New York the state is no evidence for New York the city)
    region_slots: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, s in enumerate(slots):
        for r in s.rows:
            if table.feature[r] == F_ADMIN1:
                region_slots[(table.country[r], table.admin1[r])].add(i)

    def in_region(i: int, r: int) -> bool:
        return bool(region_slots.get((table.country[r], table.admin1[r]), set()) - {i})

    anchors: list[tuple[int, float, float]] = []
    for i, slot in enumerate(slots):
        if len(slot.rows) == 1 or (slot.qualified and len({table.country[r] for r in slot.rows})
                                   == 1):
            r = slot.rows[0]
            f = table.feature[r]
            if f not in BROAD and (slot.qualified or f in (F_ADMIN1, F_ADMIN2)
                                   or table.population[r] >= SMALL_TOWN):
                anchors.append((i, table.lat[r], table.lon[r]))

    def evidence(i: int, iso: str) -> float:
        return weight.get(iso, 0.0) - own[i].get(iso, 0.0)

    def focus_share(i: int, iso: str) -> float:
        return evidence(i, iso) / top if top and evidence(i, iso) >= FOCUS_MIN else 0.0

    def score(i: int, r: int) -> float:
        f = table.feature[r]
        s = math.log10(_population(table, r) + 10) + FEATURE_BONUS[f]
        s += FOCUS_BONUS * focus_share(i, table.country[r])
        if f != F_ADMIN1 and in_region(i, r):
            s += REGION_BONUS
        if f not in BROAD and anchors:
            near = min((haversine_km(table.lat[r], table.lon[r], lat, lon)
                        for j, lat, lon in anchors if j != i), default=1e9)
            s += 2.0 if near <= 100 else 1.0 if near <= 300 else 0.0
        if table.country[r] in prior:
            s += PRIOR_BONUS
        return s

    # countries the text names outright: by name, demonym or an actor's home
    named = set(context) | {table.country[s.demonym_of] for s in slots
                            if s.demonym_of is not None}
    named |= {table.country[r] for s in slots for r in s.rows if table.feature[r] == F_COUNTRY}
    found = []
    for i, slot in enumerate(slots):
        m = slot.match
        if not slot.rows:
            if (slot.demonym_of is not None and not slot.plural
                    and slot.label not in ("person", "organization")):
                found.append(PlaceMention(m.start, m.end, m.text, table[slot.demonym_of],
                                          0.7, demonym=True))
            continue
        ranked = sorted(((score(i, r), r) for r in slot.rows), reverse=True)
        if table.feature[ranked[0][1]] == F_ADMIN1:
            ranked = _namesake_town_first(table, ranked)
        best_score, best = ranked[0]
        place = table[best]
        in_focus = evidence(i, place.country) >= FOCUS_MIN
        supported = in_focus or slot.qualified
        if table.feature[best] in BROAD:
            if slot.label == "person" and place.name != m.text:
                continue
            found.append(PlaceMention(m.start, m.end, m.text, place, 0.95))
            continue
        regional = in_region(i, best)
        # the article is about other countries only if something besides this name says so
        # (Baquba, alone in a note, is no reason to drop Baquba)
        others = any(evidence(i, iso) >= FOCUS_MIN for iso in focus)
        if not _keep(slot, table, best, supported, others, ner_labels is not None,
                     regional, place.country in named):
            continue
        rival = next((s for s, r in ranked[1:] if haversine_km(
            table.lat[r], table.lon[r], place.lat, place.lon) > 161), None)
        confidence = 0.35 + 0.35 * focus_share(i, place.country)
        confidence += 0.15 if slot.qualified or regional else 0
        confidence += 0.1 if len({table.country[r] for r in slot.rows}) == 1 else 0
        if rival is not None and best_score - rival < 1.5:
            confidence -= 0.2
        elif rival is None or best_score - rival >= 3:  # London, Mosul: no real rival
            confidence += 0.15
        if confidence >= MIN_CONFIDENCE:
            found.append(PlaceMention(m.start, m.end, m.text, place,
                                      round(min(0.99, confidence), 2)))
    # the focus as the places bear it out: a country only a dropped name pointed to is not one
    placed = {p.place.country for p in found} | context | {
        table.country[s.demonym_of] for s in slots if s.demonym_of is not None}
    return PlaceAnalysis(found, [iso for iso in focus if iso in placed])


def _namesake_town_first(table, ranked: list[tuple[float, int]]) -> list[tuple[float, int]]:
    """A region's big namesake town inside it is what a text means (Kirkuk, Baghdad)."""
    region = ranked[0][1]
    for s, r in ranked[1:]:
        if (table.feature[r] in (F_TOWN, F_CAPITAL) and table.country[r] == table.country[region]
                and table.admin1[r] == table.admin1[region]
                and table.population[r] >= BIG_TOWN):
            return [(s, r), *[x for x in ranked if x[1] != r]]
    return ranked


def _keep(slot: _Slot, table, row: int, supported: bool, has_focus: bool, has_model: bool,
          in_region: bool, named: bool) -> bool:
    """Better no place than a wrong one."""
    f = table.feature[row]
    population = _population(table, row)
    if _weak_name(slot.match.text):
        return has_model and slot.label == "location" and supported
    if slot.label == "person" and not (slot.qualified or in_region or (
            named and slot.label_exact and len({table.country[r] for r in slot.rows}) == 1)):
        # Abraham Lincoln, Ripley: people, unless the text places them; the model's misreads
        # of a rare place name alone (Tal Afar) stay when the text names the country
        return False
    if slot.label == "organization" and not supported:
        return False
    if f == F_VILLAGE:
        return supported or in_region
    if supported or in_region:
        return True
    if has_focus:  # a place outside every country the article is about: only a major one
        return population >= MAJOR_CITY
    return f in (F_ADMIN1, F_ADMIN2) or population >= SMALL_TOWN or slot.label == "location"
