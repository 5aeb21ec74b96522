"""The actor gazetteer: armed groups, militias, state forces and international bodies.

``etl/data/actors.yaml`` lists each actor once with a canonical id, name, kind, home country and
aliases (ISIS = ISIL = Daesh = Islamic State); ``etl/data/actor_aliases.yaml`` adds each actor's
names in other languages (État islamique, داعش, ИГИЛ), with their provenance (issue 18).
:func:`load_actors` builds a phrase index over all names: short acronyms (``PMF``, ``JeM``,
``ИГИЛ``) match case-sensitively, longer names case-insensitively with hyphen/space variants and
the plural/possessive forms English news text uses ("Houthis'"); Cyrillic names also with their
leading adjective in every case ("российских войск"), and the matcher reads Arabic proclitics
and Cyrillic case endings (:mod:`etl.tagging.core.morph`).
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
from etl.tagging.core.morph import cyrillic_forms, script_of

log = logging.getLogger(__name__)
ACTORS_FILE = PACKAGE_DIR / "data" / "actors.yaml"
ARMED_KINDS = frozenset({
    "jihadist_group", "rebel_group", "militia", "separatist_group", "state_forces",
    "private_military", "criminal_group",
})
_ACRONYM = re.compile(r"^[A-Za-zА-Яа-яЁёІіЇїЄєҐґ0-9&.'/-]{1,8}$")
ALIASES_FILE = PACKAGE_DIR / "data" / "actor_aliases.yaml"


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


def _variants(alias: str) -> set[str]:
    """The spellings an alias is indexed under (hyphen/space; Cyrillic adjective cases; the
    English plural)."""
    out = set()
    for variant in spelling_variants(alias):
        out |= cyrillic_forms(variant) if script_of(variant) == "cyrillic" else {variant}
    for variant in list(out):
        if variant.isascii() and not variant.endswith("s") and variant[-1:].isalpha():
            out.add(variant + "s")  # "Houthi" -> "Houthis"
    return out


def merge_aliases(data: dict, extra: dict | None) -> dict:
    """``actors.yaml``'s data with each actor's aliases in other languages appended."""
    if not extra:
        return data
    by_id = {e["id"]: e for e in data["actors"]}
    for aid, languages in (extra.get("aliases") or {}).items():
        if aid not in by_id:
            raise ValueError(f"actor aliases: unknown actor id {aid!r}")
        entry = by_id[aid]
        names = list(entry.get("aliases") or ())
        for aliases in languages.values():
            names += [a for a in aliases if a not in names]
        entry["aliases"] = names
    return data


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
            for variant in _variants(alias):
                index.add(variant, aid)
    return ActorGazetteer(actors, index.build())


@lru_cache(maxsize=4)
def load_actors(path: Path = ACTORS_FILE, aliases_path: Path | None = ALIASES_FILE
                ) -> ActorGazetteer:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    extra = None
    if aliases_path is not None and Path(aliases_path).is_file():
        with open(aliases_path, encoding="utf-8") as fh:
            extra = yaml.safe_load(fh)
    return parse_actors(merge_aliases(data, extra))
