"""Where an event happened: the place its own words govern, with ACLED's geo_precision.

:func:`event_place` picks, among the places the tagger resolved in an event's sentences, the one
the event is *at*, not the first one named:

- a place after "in / at / near / outside / the village of" counts most; one a statement was
  issued from ("said in Peshawar") or that only qualifies another ("Bang (Lim, Ngaoundaye)")
  counts least;
- the sentence that reports the event (the trigger's) beats the others, earlier beats later;
- the most specific place wins: a village or town over a district (admin2) over a province
  (admin1) over the country; a town far (> :data:`FAR_KM` km) from the other places the text
  names, when they agree among themselves, is a misreading of a namesake and is passed over;
- no town named: the admin region (geo_precision 2 for a district, 3 for a province), then the
  country (3) when the text says the event was in it; better no place than one outside the
  event's country.

geo_precision as ACLED codes it: 1 the town itself, 2 near a town ("near", "outside", "km
west of") or a district, 3 a province or the country.

When the resolver kept no place at all in the event's sentences, an unambiguous name in the
gazetteer after "in / at / near" (a single country of candidates, that of the event when known)
is taken: "In Kismayo, ..." in a note that names no country.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from etl.tagging.geo.distance import haversine_km

FAR_KM = 300.0
_CUE = re.compile(r"\b(?:in|at|near|outside|inside|around|outskirts of|village of|town of"
                  r"|city of|vicinity of|area of|district of|localities? of|villages? of"
                  r"|towns? of|barangay|targeting|attacked|hit|struck|stormed|entered"
                  r"|into|on)\s+(?:the\s+)?(?:town|city|village|district|area|locality"
                  r"|neighbourhood|neighborhood|barangay|camp|community)?\s*(?:of\s+)?$", re.I)
_NEAR = re.compile(r"\b(?:near|outside|outskirts of|close to|around|north|south|east|west"
                   r"|north-?east|north-?west|south-?east|south-?west|km|kilometres|kilometers"
                   r"|miles|vicinity of|countryside)\W*(?:of\W+)?"
                   r"(?:the\s+)?(?:town|city|village\s+)?$", re.I)
# where something was said, not where it happened ("a statement issued in Peshawar")
_REPORTED_FROM = re.compile(r"\b(?:statement|said|told \w+|speaking|briefing|based|news "
                            r"conference|press conference|issued|reported|according to)"
                            r"\s+(?:\w+\s+)?(?:in|from)\s+$", re.I)
# "to Mogadishu", "from Mosul": movement, not the scene
_MOVEMENT = re.compile(r"\b(?:to|from|towards|toward|via)\s+(?:the\s+)?$", re.I)
_SPECIFIC = {"village": 3.0, "town": 3.0, "capital": 3.0, "admin2": 1.5, "admin1": 0.5,
             "region": 0.5, "province": 0.5, "state": 0.5, "country": -2.0}
PRECISION = {"admin2": 2, "admin1": 3, "region": 3, "province": 3, "state": 3, "country": 3}


def _inside_brackets(text: str, start: int, floor: int) -> bool:
    before = text[max(floor, start - 80):start]
    return before.rfind("(") > before.rfind(")")


def _coherent(text: str, p, others: Sequence) -> bool:
    """False for a town far from the other towns the text names (a namesake read in the wrong
    province): one that another town qualifies right after it ("Barangay Malinao, Libmanan
    town"), or one that two or more others, agreeing among themselves, leave alone. A region
    the text names vouches for the towns inside it (Viedma (Rio Negro))."""
    regions = {o.admin1 for o in others if o.feature in ("admin1", "region")}
    if getattr(p, "admin1", "") and p.admin1 in regions:
        return True
    rest = [o for o in others if o.feature in ("village", "town", "capital", "admin2")
            and (o.name, o.lat, o.lon) != (p.name, p.lat, p.lon)]
    if not rest or any(haversine_km(p.lat, p.lon, o.lat, o.lon) <= FAR_KM for o in rest):
        return True
    if any(0 <= o.start - p.end <= 40 and text[p.end:o.start].lstrip()[:1] in (",", "(")
           for o in rest):
        return False
    return len(rest) < 2


def _score(text: str, p, sent_start: int, evidence: bool, order: int) -> float:
    before = text[max(sent_start, p.start - 40):p.start]
    s = _SPECIFIC.get(getattr(p, "feature", "town"), 3.0)
    if _REPORTED_FROM.search(before):
        s -= 4.0
    elif _CUE.search(before) or _NEAR.search(before):
        # "south-west of Mosul" places the event as surely as "in Mosul" (ACLED codes it at
        # Mosul, geo_precision 2)
        s += 3.0
    elif _MOVEMENT.search(before):
        s -= 1.0
    if _inside_brackets(text, p.start, sent_start):
        s -= 2.0
    if evidence:
        s += 2.0
    return s - 0.3 * order


def event_place(text: str, sents: Sequence, iso: str, all_places: Sequence = ()
                ) -> tuple[object | None, int | None]:
    """The event's place (a tagger PlaceTag) and ACLED geo_precision from its sentences
    (objects with ``start``, ``towns``, ``regions``, ``countries``, ``evidence``);
    ``all_places``: every place the text names, for the coherence check."""
    scored = []
    for order, s in enumerate(sents):
        for p in [*s.towns, *s.regions, *s.countries]:
            if iso and p.country != iso:
                continue
            conf = getattr(p, "confidence", 1.0)
            if conf is not None and conf < 0.3:
                continue
            scored.append((_score(text, p, s.start, bool(s.evidence or s.deaths), order), p, s))
    scored.sort(key=lambda x: -x[0])
    others = [p for p in all_places if not iso or p.country == iso] or [p for _, p, _ in scored]
    for _, p, s in scored:
        feature = getattr(p, "feature", "town")
        if feature in ("village", "town", "capital") and not _coherent(text, p, others):
            continue
        if feature == "country" and not _CUE.search(text[max(s.start, p.start - 40):p.start]):
            continue  # "Turkish airstrikes", "support for Ukraine": not where it happened
        if feature in PRECISION:
            return p, PRECISION[feature]
        before = text[max(s.start, p.start - 40):p.start]
        return p, 2 if _NEAR.search(before) else 1
    return None, None
