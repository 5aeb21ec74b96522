"""ACLED's names for the actors a text names, from the learned phrase table.

The table (``etl/data/acled_actor_names.tsv``, built by :mod:`etl.build.acled_actors` from the
training sources of the shared ACLED pool; derived data, ACLED attribution) maps phrases notes use
("NPA", "Al Shabaab", "Russian forces") to the actor name ACLED's coders gave the actor
("NPA: New People's Army", "Al Shabaab", "Military Forces of Russia (2000-)").
:func:`learned_mentions` finds those phrases in a span (longest first, whole words only); known
actors of the project's gazetteer keep their ids.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from etl.settings import PACKAGE_DIR

ACTOR_TABLE = PACKAGE_DIR / "data" / "acled_actor_names.tsv"
LEARNED = "acled_actor"  # the kind of a mention found through the table


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], re.Pattern | None]:
    names: dict[str, str] = {}
    if ACTOR_TABLE.is_file():
        with open(ACTOR_TABLE, encoding="utf-8", newline="") as fh:
            lines = (line for line in fh if not line.startswith("#"))
            for row in csv.DictReader(lines, delimiter="\t"):
                names[row["phrase"]] = row["acled_name"]
    if not names:
        return names, None
    alternation = "|".join(re.escape(p) for p in sorted(names, key=len, reverse=True))
    return names, re.compile(r"(?<![\w'’-])(?:" + alternation + r")(?![\w'’-])")


def kind_of(name: str) -> str:
    """The typed kind an ACLED name implies (state forces act as military or police)."""
    if name.startswith("Military Forces of"):
        return "military"
    if name.startswith("Police Forces of"):
        return "police"
    return LEARNED


def learned_mentions(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """(start, end, ACLED name) of the table's phrases in text[lo:hi]."""
    names, pattern = _table()
    if pattern is None:
        return []
    return [(m.start(), m.end(), names[m.group()]) for m in pattern.finditer(text, lo, hi)]
