"""Attached morphology for the phrase matcher: Arabic proclitics and Cyrillic case endings.

Names are indexed in their dictionary form (GeoNames' "الموصل", "Харьков"); news text attaches
letters to them. Rather than lemmatise every word of every article (a morphological analyser
costs milliseconds per article and a dictionary of ~100 MB per language), the matcher relaxes
its word boundaries by script, which costs nothing on text in other scripts:

- **Arabic** (and Persian): a name may follow the attached proclitics و ف ب ك ل, alone or in
  pairs ("بالموصل", "والرقة", "لحلب", "وبغداد"); names keep their own article. With ل the
  article loses its alef ("للموصل" = ل + الموصل), so the gazetteer also indexes "لموصل" for a
  name written "الموصل" (:func:`arabic_variants`).
- **Cyrillic** (Russian, Ukrainian): a name may be followed by a noun case ending ("Харькова",
  "Мариуполе", "Києві"), never by a derivational suffix ("Харьковский", "Москвич"). Names ending
  in a vowel or a soft sign lose it before the ending (Москва -> Москвы, Мариуполь -> Мариуполя),
  so the gazetteer indexes their stem as well (:func:`cyrillic_stems`), and Ukrainian names with
  the і of a closed last syllable their open-syllable stem (Харків -> Харкова, Київ -> Києва).

Spelling variants that do not change a text's length are folded in both the index and the text:
the Arabic hamza seats of alef (أ إ آ ٱ -> ا), alef maqsura and Persian ye (ى ی -> ي), ta marbuta
(ة -> ه, tweets write both), Persian kaf (ک -> ك), and Russian ё -> е.
"""

from __future__ import annotations

ARABIC_FOLD = {
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u0629": "\u0647", "\u06a9": "\u0643",
}
CYRILLIC_FOLD = {"\u0451": "\u0435", "\u0401": "\u0415"}

_ARTICLE = "ال"
_CLITICS = ("و", "ف", "ب", "ك", "ل")
# one conjunction (و ف), then one preposition (ب ك ل), then the article; "لل" is ل + article
# (names are indexed with their article when they have one: "الموصل")
ARABIC_PROCLITICS = frozenset({c for c in _CLITICS} | {a + b for a in "وف" for b in "بكل"})
# noun case endings, Russian and Ukrainian, singular and plural (after the stem)
CYRILLIC_ENDINGS = frozenset({
    "а", "я", "у", "ю", "е", "є", "и", "і", "ї", "ы", "о",
    "ой", "ей", "ом", "ем", "ою", "ею", "єю", "ам", "ям", "ах", "ях", "ами", "ями",
    "ии", "ию", "ие", "ия", "ией", "іі", "ію", "ії", "ією",
    "ов", "ев", "ів", "їв", "ові", "еві", "єві",
})
_MAX_ENDING = max(len(e) for e in CYRILLIC_ENDINGS)
_STEM_VOWELS = "аяьйоеыиіїєу"


def is_arabic(c: str) -> bool:
    return "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f"


def is_cyrillic(c: str) -> bool:
    return "\u0400" <= c <= "\u04ff"


def script_of(name: str) -> str:
    """``arabic``, ``cyrillic``, ``latin`` (Latin letters with diacritics included) or
    ``other``, by the name's letters."""
    letters = [c for c in name if c.isalpha()]
    if letters and all(is_arabic(c) for c in letters):
        return "arabic"
    if letters and all(is_cyrillic(c) for c in letters):
        return "cyrillic"
    if letters and all(ord(c) < 0x250 for c in letters):
        return "latin"
    return "other"


def attached_prefix(folded: str, start: int) -> int:
    """Where the word containing ``folded[start]`` begins when only Arabic proclitics precede
    ``start`` in it, else -1."""
    if not is_arabic(folded[start]):
        return -1
    begin = start
    while begin > 0 and folded[begin - 1].isalpha() and start - begin < 4:
        begin -= 1
    if begin > 0 and folded[begin - 1].isalpha():
        return -1
    return begin if folded[begin:start] in ARABIC_PROCLITICS else -1


def attached_suffix(folded: str, end: int) -> int:
    """Where the word containing ``folded[end - 1]`` ends when only a Cyrillic case ending
    follows ``end`` in it, else -1."""
    if not (is_cyrillic(folded[end - 1]) and folded[end - 1].isalpha()):
        return -1
    stop = end
    n = len(folded)
    while stop < n and folded[stop].isalpha() and stop - end <= _MAX_ENDING:
        stop += 1
    if stop < n and folded[stop].isalpha():
        return -1
    return stop if folded[end:stop] in CYRILLIC_ENDINGS else -1


def arabic_variants(name: str) -> set[str]:
    """The forms an Arabic name is indexed under: itself, and after ل its article's alef drops."""
    out = {name}
    if name.startswith(_ARTICLE) and len(name) >= 5:
        out.add("ل" + name[2:])
    return out


_UK_ALTERNATION = {"ка": "ц", "га": "з", "ха": "с"}
# adjectives that lead a name (Велика Британія, Южная Корея, Соединённые Штаты): their
# case forms, Russian and Ukrainian, by the nominative ending
_ADJECTIVE_FORMS = {
    "ый": ("ого", "ому", "ым", "ом"), "ий": ("ого", "ому", "им", "ом", "ім", "ього", "ьому"),
    "ой": ("ого", "ому", "ым", "ом"),
    "ая": ("ой", "ую", "ою"), "яя": ("ей", "юю", "ею"),
    "ое": ("ого", "ому", "ым", "ом"), "ее": ("его", "ему", "им", "ем"),
    "ые": ("ых", "ым", "ыми"), "ие": ("их", "им", "ими"),
    "а": ("ої", "ій", "у", "ою"), "е": ("ого", "ому", "им", "ім"), "і": ("их", "им", "ими"),
}


def cyrillic_phrases(name: str) -> set[str]:
    """A name of several words with its leading adjective in each case (Великої Британії's
    first word: Великої), beside the name; the last word's endings are the matcher's."""
    words = name.split(" ")
    out = {name}
    if len(words) < 2 or len(words[0]) < 4:
        return out
    first = words[0]
    for ending, forms in _ADJECTIVE_FORMS.items():
        if first.endswith(ending) and len(first) - len(ending) >= 3:
            out |= {" ".join([first[:-len(ending)] + f, *words[1:]]) for f in forms}
            break
    return out


def cyrillic_stems(name: str) -> set[str]:
    """Stems a case ending attaches to, beside the name itself (see the module docstring)."""
    out = set()
    words = name.split(" ")
    last = words[-1]
    if len(last) < 4 or not last[-1].islower():  # acronyms (США) take their endings whole
        return out
    head = " ".join(words[:-1] + [""])
    if last.endswith("ень") and len(last) >= 6:  # Відень -> Відня, Тюмень -> Тюмени
        out |= {head + last[:-3] + "н", head + last[:-1]}
    elif last[-1] in _STEM_VOWELS and len(last) >= 5:
        out.add(head + last[:-1])
        # Ukrainian locative and dative: Петриківка -> Петриківці, Прага -> Празі
        if last[-2:] in _UK_ALTERNATION and last[:1].isupper():
            out.add(head + last[:-2] + _UK_ALTERNATION[last[-2:]])
    elif last[-1] not in _STEM_VOWELS:
        # Ukrainian: Харків -> Харков|а, Львів -> Львов|і, Київ -> Києв|а
        for i in range(len(last) - 1, max(len(last) - 4, 0), -1):
            if last[i] == "і":
                out.add(head + last[:i] + "о" + last[i + 1:])
                break
            if last[i] == "ї":
                out.add(head + last[:i] + "є" + last[i + 1:])
                break
            if last[i] in "аеоуияю":
                break
    return out


def cyrillic_forms(name: str) -> set[str]:
    """Everything a Cyrillic name is indexed under: its phrases with the leading adjective in
    each case, and their stems."""
    return {f for phrase in cyrillic_phrases(name) for f in {phrase} | cyrillic_stems(phrase)}
