"""Multi-pattern phrase matching over raw text with character offsets (pyahocorasick).

One :class:`PhraseIndex` holds many phrases (taxonomy terms, actor aliases, place names), each
with a payload, in two Aho-Corasick automata: one searched on case-folded text (ordinary
phrases) and one on the text as written (acronyms and proper names that must keep their case).
Matches must sit on word boundaries; overlapping matches are resolved leftmost-longest. Text is
folded without changing its length (curly quotes, dashes, line breaks; Arabic alef, ya and ta
marbuta spellings, Persian letters, Russian ё), so offsets are always offsets into the original
string.

Two exceptions to the word boundaries let a name match inside an inflected word, whose span is
then the whole word
(:mod:`etl.tagging.core.morph`): an Arabic name may follow attached proclitics (و ف ب ك ل and
the article: "بالموصل", "والرقة"), and a Cyrillic name may be followed by a case ending
("Харькова", "Мариуполе", with the stems the gazetteer indexes for names ending in a vowel).

:func:`inflections` expands a phrase with the English inflections of its words (lemminflect), so
that one base form in the taxonomy matches ``kill``, ``kills``, ``killed`` and ``killing``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
from lemminflect import getAllInflections

from etl.tagging.core.morph import (
    ARABIC_FOLD,
    CYRILLIC_FOLD,
    attached_prefix,
    attached_suffix,
)

_FOLD = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\n": " ", "\t": " ", "\r": " ", "\u00a0": " ",
    **ARABIC_FOLD, **CYRILLIC_FOLD,
})


def fold(text: str) -> str:
    """Normalise quotes, dashes and whitespace; the result has the same length."""
    return text.translate(_FOLD)


def lower_same_length(text: str) -> str:
    """``text.lower()`` unless that changes the length (e.g. 'İ'); then per character."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


@lru_cache(maxsize=20000)
def _word_forms(word: str) -> frozenset[str]:
    forms = {word}
    if word.isalpha() and word.islower():
        for values in getAllInflections(word).values():
            forms.update(values)
    return frozenset(forms)


def inflections(phrase: str) -> set[str]:
    """The phrase with its first or its last word inflected (nouns and verbs)."""
    words = phrase.split(" ")
    heads = {0, len(words) - 1}
    variants = {phrase}
    for i in heads:
        parts = words[i].rsplit("-", 1)
        for form in _word_forms(parts[-1]):
            new = list(words)
            new[i] = "-".join(parts[:-1] + [form])
            variants.add(" ".join(new))
    return variants


def spelling_variants(phrase: str) -> set[str]:
    """Hyphen, space and closed spellings: al-Shabaab = al Shabaab; cease-fire = ceasefire."""
    variants = {phrase}
    if "-" in phrase:
        variants.add(phrase.replace("-", " "))
        if phrase.count("-") == 1 and " " not in phrase:
            variants.add(phrase.replace("-", ""))
    if " " in phrase and len(phrase.split(" ")) == 2:
        variants.add(phrase.replace(" ", "-"))
    return variants


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str
    payloads: tuple
    inflected: bool = False  # grown over attached letters (morph): an exact name wins a tie


class PhraseIndex:
    """Phrases with payloads; ``find(text)`` returns non-overlapping :class:`Match` es."""

    def __init__(self) -> None:
        self._folded: dict[str, list] = {}
        self._cased: dict[str, list] = {}
        self._auto_folded: ahocorasick.Automaton | None = None
        self._auto_cased: ahocorasick.Automaton | None = None
        self._size = 0

    def add(self, phrase: str, payload, *, case_sensitive: bool = False) -> None:
        phrase = fold(phrase.strip())
        if not phrase:
            return
        table, key = (self._cased, phrase) if case_sensitive else (
            self._folded, lower_same_length(phrase))
        payloads = table.setdefault(key, [])
        if payload not in payloads:
            payloads.append(payload)
        self._auto_folded = self._auto_cased = None

    def payloads(self, phrase: str, *, case_sensitive: bool = False) -> list:
        """The payloads ``phrase`` was added with (before a final :meth:`build`)."""
        phrase = fold(phrase.strip())
        return (self._cased.get(phrase, []) if case_sensitive
                else self._folded.get(lower_same_length(phrase), []))

    def has(self, phrase: str, *, case_sensitive: bool = False) -> bool:
        """``phrase`` was added (before a final :meth:`build`)."""
        return bool(self.payloads(phrase, case_sensitive=case_sensitive))

    def __len__(self) -> int:
        return self._size or len(self._folded) + len(self._cased)

    @staticmethod
    def _build(table: dict[str, list]) -> ahocorasick.Automaton | None:
        if not table:
            return None
        auto = ahocorasick.Automaton()
        for key, payloads in table.items():
            auto.add_word(key, (len(key), tuple(payloads)))
        auto.make_automaton()
        return auto

    def build(self, *, final: bool = False) -> PhraseIndex:
        """Compile the automata; ``final`` also frees the phrase tables (no more ``add``).

        The automata hold everything ``find`` needs; for the place gazetteer's 250,000 names
        the tables would keep another 40 MB per process.
        """
        if self._size:  # already final: the tables are gone, the automata are all there is
            return self
        self._auto_folded = self._build(self._folded)
        self._auto_cased = self._build(self._cased)
        if final:
            self._size = len(self)
            self._folded, self._cased = {}, {}
        return self

    def save(self, directory: Path) -> None:
        """Write the compiled automata to ``directory`` (see :meth:`load`)."""
        self.build(final=True)
        for name, auto in (("folded", self._auto_folded), ("cased", self._auto_cased)):
            if auto is not None:
                auto.save(str(directory / f"{name}.automaton"), _dump_value)
        (directory / "size").write_text(str(self._size))

    @classmethod
    def load(cls, directory: Path) -> PhraseIndex:
        """An index as :meth:`save` wrote it; payloads must have been JSON-serialisable."""
        index = cls()
        for name in ("folded", "cased"):
            path = directory / f"{name}.automaton"
            if path.exists():
                setattr(index, f"_auto_{name}", ahocorasick.load(str(path), _load_value))
        index._size = int((directory / "size").read_text())
        return index

    def find_all(self, text: str) -> list[Match]:
        """Every match on word boundaries, overlapping ones included."""
        if self._auto_folded is None and self._auto_cased is None and not self._size:
            self.build()
        folded = fold(text)
        found: list[Match] = []
        n = len(text)
        for auto, haystack in ((self._auto_folded, lower_same_length(folded)),
                               (self._auto_cased, folded)):
            if auto is None:
                continue
            for end_index, (length, payloads) in auto.iter(haystack):
                start, end = end_index - length + 1, end_index + 1
                # the span grows to the whole word: "بالموصل", "Харькова" are the mention
                exact_start, exact_end = start, end
                if start > 0 and _is_word_char(folded[start - 1]) and _is_word_char(folded[start]):
                    start = attached_prefix(folded, start)
                    if start < 0:
                        continue
                if end < n and _is_word_char(folded[end]) and _is_word_char(folded[end - 1]):
                    end = attached_suffix(folded, end)
                    if end < 0:
                        continue
                found.append(Match(start, end, text[start:end], payloads,
                                   (start, end) != (exact_start, exact_end)))
        return found

    def find(self, text: str) -> list[Match]:
        """Leftmost-longest non-overlapping matches."""
        return select_longest(self.find_all(text))


def _dump_value(value: tuple) -> bytes:
    # JSON rather than pickle: a cache file must not be able to run code when loaded
    return json.dumps(value).encode()


def _load_value(data: bytes) -> tuple:
    length, payloads = json.loads(data)
    return length, tuple(payloads)


def select_longest(matches: Iterable[Match]) -> list[Match]:
    """Leftmost-longest; an exact name before an inflected one on the same span; two inflected
    readings of one word pool their payloads (Британії: Britain, or a village Британи)."""
    chosen: list[Match] = []
    last_end = -1
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start), m.inflected)):
        if m.start >= last_end:
            chosen.append(m)
            last_end = m.end
        elif (m.inflected and chosen[-1].inflected and m.start == chosen[-1].start
              and m.end == chosen[-1].end):
            prev = chosen[-1]
            extra = tuple(p for p in m.payloads if p not in prev.payloads)
            chosen[-1] = Match(prev.start, prev.end, prev.text, prev.payloads + extra, True)
    return chosen
