"""Text preparation for the event-type classifier: boilerplate stripping and n-gram features.

Shared by training (:mod:`etl.build.event_model`) and prediction
(:mod:`etl.tagging.events.classifier`)
so that both see the same features.

ACLED notes are templated ("On 6 May 2020, ...", "[size=no report]", "Fatalities coded as 3.",
"Looting: ..."); news is not. :func:`strip_boilerplate` removes those parts so that the model
learns from what happened, not from the template (a label-naming prefix such as "Looting:" would
otherwise give the answer away, and no news text carries it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lemminflect import getAllLemmas

_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
           r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
# "Looting: ...", "Change to armed group: ..." (ACLED's sub-event comment prefix)
_PREFIX = re.compile(r"^\s*[A-Z][A-Za-z /&-]{2,40}:\s+(?=\S)")
# "On 6 May 2020,", "As reported on 1 March 2020,", "Between 3 and 5 May 2020,", "15 January."
_DATE_LEAD = re.compile(
    rf"^\s*(?:(?:As |It was )?reported (?:on )?|On |Around |Between |From |During |Since |"
    rf"Overnight (?:on )?|On or around |On the night of |In the night of |Sometime )?"
    rf"(?:(?:the )?(?:night|morning|evening|week|weekend) of )?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s*(?:(?:-|and|to)\s*\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTHS}|"
    rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?|{_MONTHS})"
    rf"(?:,?\s+\d{{4}})?"
    rf"(?:\s*(?:-|to|and)\s*\d{{1,2}}(?:st|nd|rd|th)?(?:\s+{_MONTHS})?(?:,?\s+\d{{4}})?)?"
    rf"(?:\s*\([^)]{{0,30}}\))?[,.]?\s+", re.I)
_SIZE = re.compile(r"\[\s*size\s*=[^\]]*\]\.?", re.I)
# "Fatalities coded as 0 (VoJ reported 2).", "Unknown fatalities coded as 3.", "Casualties unknown."
_CODED = re.compile(
    r"[(\[][^)\]]*\b(?:coded|coordinates|geo-?precision)\b[^)\]]*[)\]]|"
    r"(?:(?<=[.!?])\s+|^)[^.!?]*\b(?:fatalities|deaths|casualties)\b[^.!?]*\bcoded as\b"
    r"(?:[^.!?(]|\([^)]*\))*[.!?]?|"
    r"\b(?:Casualties|Fatalities|Injuries) unknown\.?", re.I)
_SPACE = re.compile(r"\s+")

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")


def strip_boilerplate(note: str) -> str:
    """A note without ACLED's template: the lead date, label prefixes, size and coding remarks."""
    text = _SIZE.sub(" ", note or "")
    text = _CODED.sub(" ", text)
    for _ in range(2):  # "Looting: On 6 May 2020, ..." has both
        text = _PREFIX.sub("", text, count=1)
        text = _DATE_LEAD.sub("", text, count=1)
    text = _SPACE.sub(" ", text).strip().replace(" .", ".")
    return text[:1].upper() + text[1:] if text else text


@lru_cache(maxsize=100_000)
def lemma(word: str) -> str:
    """A word's verb or noun lemma ('recaptured' -> 'recapture', 'clashes' -> 'clash'): notes
    and news inflect the same words differently."""
    lemmas = getAllLemmas(word)
    for pos in ("VERB", "NOUN"):
        if pos in lemmas:
            return lemmas[pos][0]
    return word


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased, lemmatised word tokens with their character offsets; numbers read ``0``."""
    out = []
    lower = text.lower()
    for m in _TOKEN.finditer(lower):
        word = m.group()
        out.append(("0" if word.isdigit() else lemma(word), m.start(), m.end()))
    return out


def taxonomy_grams(text: str) -> list[tuple[str, int, int]]:
    """``tax:<category>`` for every ACLED event-category keyword of the taxonomy in ``text``
    (inflections and spelling variants included): what the keyword lists know, as features."""
    from etl.tagging.core.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    out = []
    for m in taxonomy.index.find(text):
        for category in {h.category for h in m.payloads if taxonomy.categories[h.category].event}:
            out.append((f"tax:{category}", m.start, m.end))
    return out


def grams(text: str) -> list[tuple[str, int, int]]:
    """Every feature occurrence of ``text``: n-grams and taxonomy categories, with spans."""
    return list(ngrams(tokens(text))) + taxonomy_grams(text)


def ngrams(toks: list[tuple[str, int, int]]) -> Iterator[tuple[str, int, int]]:
    """Unigrams and bigrams (``"a b"``) with the character span they cover."""
    for i, (word, start, end) in enumerate(toks):
        yield word, start, end
        if i + 1 < len(toks):
            nxt = toks[i + 1]
            yield f"{word} {nxt[0]}", start, nxt[2]


def plain_grams(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased words as written (the plain baseline's features)."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


def feature_names(text: str, plain: bool = False) -> set[str]:
    """The set of features of ``text`` (binary: repetition adds nothing)."""
    return {g for g, _, _ in (plain_grams(text) if plain else grams(text))}
