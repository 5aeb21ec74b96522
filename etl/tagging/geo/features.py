"""How the gazetteer encodes a place: feature classes, index payloads (rows and demonyms),
and the names that are never towns. Shared by the builder and the resolver."""

from __future__ import annotations

MIN_POPULATION = 1000
PLURAL_OFFSET = 100_000_000  # demonym payloads: -(row + 1), plurals further down
# a word that is not a place although a place's name is attached in it ("لجنة" = ل + جنة)
STOP_PAYLOAD = 2_000_000_000
F_COUNTRY, F_ADMIN1, F_ADMIN2, F_VILLAGE, F_TOWN, F_CONTINENT, F_CAPITAL = range(7)
FEATURES = ("country", "admin1", "admin2", "village", "town", "continent", "capital")
# Region names that GeoNames also has as small towns ("Africa" in Tunisia, "Asia" in Peru).
NOT_TOWNS = frozenset({
    "Africa", "Asia", "Europe", "America", "Americas", "Oceania", "Antarctica", "Arabia",
    "Middle East", "Sahel", "Maghreb", "Levant", "Balkans", "Caucasus", "Horn", "Gulf",
    "North", "South", "East", "West", "Central", "Union", "Victoria", "Capital", "City",
    "Northern", "Southern", "Eastern", "Western", "Centre", "Center", "Coast", "Lakes",
    "Islands", "Island", "Upper", "Lower", "Federal", "Federal District", "National",
    "Atlantic", "Pacific", "Indian", "Arctic", "Arab", "Christmas", "Easter", "Mobile",
    "English", "White House", "Olympic", "Street", "Valley",
})


def demonym_payload(row: int, plural: bool = False) -> int:
    """Index payload of a demonym of the place in ``row`` (negative: not a row itself)."""
    return -(row + 1) - (PLURAL_OFFSET if plural else 0)


def decode_payload(payload: int) -> tuple[int, bool, bool]:
    """(row, is a demonym, is a plural demonym) of an index payload."""
    if payload >= 0:
        return payload, False, False
    plural = payload < -PLURAL_OFFSET
    return -(payload + (PLURAL_OFFSET if plural else 0)) - 1, True, plural
