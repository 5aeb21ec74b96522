"""The actor gazetteer: armed groups, militias, state forces and international bodies.

``etl/data/actors.yaml`` lists each actor once with a canonical id, name, kind, home country and
aliases (ISIS = ISIL = Daesh = Islamic State). :func:`load_actors` builds a phrase index over all
names: short acronyms (``PMF``, ``JeM``) match case-sensitively, longer names case-insensitively
with hyphen/space variants and the plural/possessive forms news text uses ("Houthis'").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from etl.settings import PACKAGE_DIR
from etl.tagging.core.matcher import PhraseIndex, spelling_variants

log = logging.getLogger(__name__)
ACTORS_FILE = PACKAGE_DIR / "data" / "actors.yaml"
ARMED_KINDS = frozenset({
    "jihadist_group", "rebel_group", "militia", "separatist_group", "state_forces",
    "private_military", "criminal_group",
})
_ACRONYM = re.compile(r"^[A-Za-z0-9&.'/-]{1,8}$")


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: str
    country: str
    aliases: tuple[str, ...]

    @property
    def armed(self) -> bool:
        return self.kind in ARMED_KINDS


@dataclass
class ActorGazetteer:
    actors: dict[str, Actor]
    index: PhraseIndex


def is_case_sensitive(alias: str) -> bool:
    """Acronyms keep their case: 'PMF', 'JeM', 'M23' (but not 'Hamas' or 'Houthis')."""
    uppers = sum(c.isupper() for c in alias)
    return bool(_ACRONYM.match(alias)) and (uppers >= 2 or any(c.isdigit() for c in alias))


def parse_actors(data: dict) -> ActorGazetteer:
    actors: dict[str, Actor] = {}
    index = PhraseIndex()
    seen: dict[tuple[str, bool], str] = {}
    for entry in data["actors"]:
        aid = entry["id"]
        if aid in actors:
            raise ValueError(f"actors: duplicate id {aid!r}")
        actor = Actor(aid, entry["name"], entry["kind"], entry.get("country", "XX"),
                      tuple(entry.get("aliases") or ()))
        actors[aid] = actor
        for alias in (actor.name, *actor.aliases):
            cased = is_case_sensitive(alias)
            key = (alias if cased else alias.lower(), cased)
            if seen.get(key, aid) != aid:
                log.warning("actors: alias %r of %s already names %s; kept the first",
                            alias, aid, seen[key])
                continue
            seen[key] = aid
            if cased:
                index.add(alias, aid, case_sensitive=True)
                continue
            for variant in spelling_variants(alias):
                index.add(variant, aid)
                if not variant.endswith("s") and variant[-1:].isalpha():
                    index.add(variant + "s", aid)  # "Houthi" -> "Houthis"
    return ActorGazetteer(actors, index.build())


@lru_cache(maxsize=4)
def load_actors(path: Path = ACTORS_FILE) -> ActorGazetteer:
    with open(path, encoding="utf-8") as fh:
        return parse_actors(yaml.safe_load(fh))
