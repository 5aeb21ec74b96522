"""What the gazetteer knows of a place and what the resolver says of a text: :class:`Place`,
:class:`PlaceMention`, :class:`PlaceAnalysis`, and the column store :class:`PlaceTable`."""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass, field

from etl.tagging.geo.features import FEATURES

FEATURE_COUNTRY = "country"
FEATURE_ADMIN1 = "admin1"
FEATURE_ADMIN2 = "admin2"
FEATURE_TOWN = "town"
FEATURE_VILLAGE = "village"


@dataclass(frozen=True)
class Place:
    """A gazetteer entry. ``geonameid`` is negative for places GeoNames lacks (regions derived
    from towns, ACLED's villages); ``feature`` is country, admin1, admin2, town or village."""

    geonameid: int
    name: str
    country: str
    lat: float
    lon: float
    population: int
    feature: str
    admin1: str = ""


@dataclass(frozen=True)
class PlaceMention:
    """A place resolved in a text: the span as written, the place chosen for it, and how sure
    the resolver is (0-1). ``demonym``: the text names the people (Iraqi), not the place."""

    start: int
    end: int
    text: str
    place: Place
    confidence: float = 1.0
    demonym: bool = False


@dataclass
class PlaceAnalysis:
    """The places of one text and its focus countries (ISO codes, most evidence first)."""

    mentions: list[PlaceMention] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


class PlaceTable:
    """Places by row number, kept as columns and turned into :class:`Place` on lookup.

    170,000 ``Place`` objects cost 140 MB in every tagging process; the columns cost about 20.
    Rows ``0 .. n_countries - 1`` are countries.
    """

    def __init__(self, columns: dict[str, list]) -> None:
        self.geonameid = array("q", columns["geonameid"])
        self.name: list[str] = columns["name"]
        self.country: list[str] = [sys.intern(c) for c in columns["country"]]
        self.admin1: list[str] = [sys.intern(a) for a in columns["admin1"]]
        self.lat = array("d", columns["lat"])
        self.lon = array("d", columns["lon"])
        self.population = array("q", columns["population"])
        self.feature = array("b", columns["feature"])
        self.n_countries: int = columns["n_countries"]

    def __len__(self) -> int:
        return len(self.name)

    def __getitem__(self, row: int) -> Place:
        return Place(self.geonameid[row], self.name[row], self.country[row], self.lat[row],
                     self.lon[row], self.population[row], FEATURES[self.feature[row]],
                     self.admin1[row])
