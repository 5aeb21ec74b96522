"""Name helpers shared by the place gazetteer's builder and resolver."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from lemminflect import getAllLemmas
from spacy.lang.en.stop_words import STOP_WORDS


def ascii_fold(name: str) -> str:
    """'Tikrīt' -> 'Tikrit', 'Ma‘rib' -> 'Ma'rib' (the matcher folds quotes too)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\u2018", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50000)
def is_common_word(name: str) -> bool:
    """An English stop word or a word with a dictionary lemma (Police, Split, Reading)."""
    low = name.lower()
    if low in STOP_WORDS:
        return True
    return " " not in low and bool(getAllLemmas(low))
