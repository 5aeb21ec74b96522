"""The conflict taxonomy: event categories after ACLED, and general conflict terms.

Kept as data in ``etl/data/taxonomy.yaml`` with a ``version``; articles store the version they
were tagged with, so changing the file (and its version) makes the tag stage re-tag them.
:func:`load_taxonomy` reads the file and builds a :class:`~etl.tagging.core.matcher.PhraseIndex` of
every term
with its inflections and spelling variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from etl.settings import PACKAGE_DIR
from etl.tagging.core.matcher import PhraseIndex, inflections, spelling_variants

TAXONOMY_FILE = PACKAGE_DIR / "data" / "taxonomy.yaml"
WEAK_WEIGHT = 1 / 3


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    parent: str | None
    event: bool


@dataclass(frozen=True)
class TermHit:
    """Payload of a taxonomy match: which category, the term as written in the file, weight."""

    category: str
    term: str
    weight: float


@dataclass
class Taxonomy:
    categories: dict[str, Category]
    index: PhraseIndex

    def children(self, parent: str) -> list[Category]:
        return [c for c in self.categories.values() if c.parent == parent]

    def evidence(self, text: str) -> dict[str, float]:
        """Evidence per category for ``text``, parents included (as the tagger counts it)."""
        totals: dict[str, float] = {}
        for m in self.index.find(text):
            best: dict[str, TermHit] = {}
            for hit in m.payloads:
                if hit.category not in best or hit.weight > best[hit.category].weight:
                    best[hit.category] = hit
            for hit in best.values():
                for cid in (hit.category, self.categories[hit.category].parent):
                    if cid:
                        totals[cid] = totals.get(cid, 0.0) + hit.weight
        return totals

    def event_evidence(self, text: str) -> float:
        """Evidence for ACLED event categories alone (general conflict terms do not count)."""
        total = 0.0
        for m in self.index.find(text):
            weights = [h.weight for h in m.payloads if self.categories[h.category].event]
            if weights:
                total += max(weights)
        return total

    def top(self, category_id: str) -> str:
        cat = self.categories[category_id]
        return cat.parent or cat.id


def _terms(entry: dict, key: str) -> list[str]:
    return [str(t) for t in entry.get(key) or []]


def parse_taxonomy(data: dict) -> Taxonomy:
    categories: dict[str, Category] = {}
    index = PhraseIndex()
    for entry in data["categories"]:
        cid = entry["id"]
        if cid in categories:
            raise ValueError(f"taxonomy: duplicate category {cid!r}")
        parent = entry.get("parent")
        if parent is not None and parent not in categories:
            raise ValueError(
                f"taxonomy: {cid!r} names unknown parent {parent!r} (list parents first)"
            )
        event = bool(entry.get("event", categories[parent].event if parent else False))
        categories[cid] = Category(cid, entry.get("label", cid), parent, event)
        weak = {t.lower() for t in _terms(entry, "weak")}
        base = float(entry.get("weight", 1.0))

        def weight(term: str, weak=weak, base=base) -> float:
            return base * WEAK_WEIGHT if term.lower() in weak else base

        for term in _terms(entry, "terms"):
            hit = TermHit(cid, term, weight(term))
            for spelled in spelling_variants(term.lower()):
                for form in inflections(spelled):
                    index.add(form, hit)
        for term in _terms(entry, "exact"):
            hit = TermHit(cid, term, weight(term))
            for spelled in spelling_variants(term):
                index.add(spelled, hit)
        for term in _terms(entry, "case"):
            index.add(term, TermHit(cid, term, weight(term)), case_sensitive=True)
    return Taxonomy(categories, index.build())


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    with open(path, encoding="utf-8") as fh:
        return parse_taxonomy(yaml.safe_load(fh))
