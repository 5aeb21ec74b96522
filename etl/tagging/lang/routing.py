"""What newsmon can read in each language, and what a text in an unknown language falls back to.

``language_support`` in a tag result is one of:

- ``full``: a named-entity model, number words, casualty verbs, date words and event trigger
  lexicons of the language (en, fr, es, ru, uk);
- ``partial``: the vocabulary tables and trigger lexicons, entities from rules and gazetteers
  only (ar: no registry package ships an Arabic NER model usable offline; pt: no model chosen);
- ``none``: an unknown or undetected language: only the language-independent parts run (place
  and actor gazetteers, the event classifier on the text as it is).
"""

from __future__ import annotations

from dataclasses import dataclass

FULL, PARTIAL, NONE = "full", "partial", "none"
ENGLISH = "en"

# language -> (support, entity model key or None); the models are in etl.tagging.lang.ner
LANGUAGES: dict[str, tuple[str, str | None]] = {
    "en": (FULL, "spacy-en"),
    "fr": (FULL, "spacy-fr"),
    "es": (FULL, "spacy-es"),
    "ru": (FULL, "natasha"),
    "uk": (FULL, "natasha-uk"),
    "ar": (PARTIAL, "rules-ar"),
    "pt": (PARTIAL, None),
}


@dataclass(frozen=True)
class Route:
    """How one text is read: its language code (normalised), the support level and NER key."""

    language: str | None
    support: str
    ner: str | None

    @property
    def english(self) -> bool:
        return self.language in (None, ENGLISH)


def normalise(language: str | None) -> str | None:
    """``"fr-FR"`` / ``"FR"`` -> ``"fr"``; empty -> None."""
    if not language:
        return None
    code = str(language).strip().lower().replace("_", "-").split("-")[0]
    return code or None


def route(language: str | None) -> Route:
    """The route of a text in ``language``; None (not detected) is read as English, as before."""
    code = normalise(language)
    if code is None:
        return Route(None, FULL, "spacy-en")
    support, ner = LANGUAGES.get(code, (NONE, None))
    return Route(code, support, ner)
