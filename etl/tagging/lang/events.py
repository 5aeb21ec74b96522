"""Event type of a text that is not in English: per-language trigger lexicons, then the classifier.

The ACLED type classifier (:mod:`etl.tagging.events.classifier`) reads English; for a text in a
language with vocabulary tables (:mod:`etl.tagging.events.lang`) its trigger words decide the
ACLED sub-event type (the type with most trigger words; ties by :data:`PRIORITY`). When no
trigger fires, the classifier is asked only if it reads every language (its model object has
``multilingual = True``, as a classifier on multilingual embeddings would): the English n-gram
model on Portuguese text only adds false events (non-protest CASE sentences: 2 % more). English
and unknown languages go to the classifier unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from etl.tagging.events.classifier import (
    NO_EVENT,
    SUB_EVENT_TYPES,
    EventTypePrediction,
    is_violent,
    sentence_spans,
)
from etl.tagging.events.lang import vocabulary

# when two types have as many trigger words, the first listed wins (the more specific one)
PRIORITY = ("Suicide bomb", "Air/drone strike", "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED", "Violent demonstration", "Peaceful protest",
            "Armed clash", "Abduction/forced disappearance", "Attack", "Arrests")
# a protest sentence that also has violent-demonstration words is a riot
_RIOT = "Violent demonstration"


@cache
def planned(language: str) -> re.Pattern | None:
    """Words that announce a protest rather than report one (``PLANNED``), if listed."""
    vocab = vocabulary(language)
    pats = getattr(vocab, "PLANNED", None) if vocab else None
    return re.compile(r"(?<!\w)(?:" + "|".join(pats) + r")(?!\w)", re.I) if pats else None


@cache
def triggers(language: str) -> dict[str, re.Pattern] | None:
    """Sub-event type -> one compiled pattern of its trigger words, for ``language``."""
    vocab = vocabulary(language)
    if vocab is None:
        return None
    return {sub: re.compile(r"(?<!\w)(?:" + "|".join(pats) + r")(?!\w)", re.I)
            for sub, pats in vocab.TRIGGERS.items()}


def classify_triggers(text: str, language: str) -> EventTypePrediction | None:
    """The event a text reports by ``language``'s trigger words; None when none fires."""
    table = triggers(language)
    if not table:
        return None
    found: dict[str, list[tuple[int, int, str]]] = {}
    for sub, pattern in table.items():
        hits = [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
        if hits:
            found[sub] = hits
    if not found:
        return None
    announced = planned(language)
    if set(found) == {"Peaceful protest"} and announced:
        # "vão entrar em greve": announced, not held; only protest words in a sentence that
        # announces count as such
        spans = sentence_spans(text)
        held = [h for h in found["Peaceful protest"]
                if not any(a <= h[0] < b and announced.search(text, a, b) for a, b in spans)]
        if not held:
            return None
        found["Peaceful protest"] = held
    if _RIOT in found and "Peaceful protest" in found:
        found[_RIOT] = found[_RIOT] + found.pop("Peaceful protest")
    sub = max(found, key=lambda s: (len(found[s]), -PRIORITY.index(s)))
    total = sum(len(v) for v in found.values())
    sub_scores = {s: round(len(v) / total, 4) for s, v in found.items()}
    type_scores: dict[str, float] = {}
    for s, v in sub_scores.items():
        t = SUB_EVENT_TYPES[s]
        type_scores[t] = round(type_scores.get(t, 0.0) + v, 4)
    event_type = SUB_EVENT_TYPES[sub]
    first = found[sub][0]
    sentence = next(((a, b) for a, b in sentence_spans(text) if a <= first[0] < b), None)
    return EventTypePrediction(event_type, sub, sub_scores, type_scores,
                               is_violent(event_type, sub), sorted(found[sub])[:6], sentence,
                               f"{language} trigger words")


def classify_in_language(classify: Callable[[str], EventTypePrediction], text: str,
                         language: str | None) -> EventTypePrediction:
    """``classify(text)`` for English; the trigger lexicon first for other languages."""
    if language and language != "en":
        found = classify_triggers(text, language)
        if found is not None:
            return found
        if triggers(language) and not _multilingual(classify):
            return NO_EVENT
    return classify(text)


def _multilingual(classify: Callable[[str], EventTypePrediction]) -> bool:
    """Whether the classifier behind ``classify`` reads languages other than English."""
    model = getattr(classify, "__self__", None)
    if model is None:
        from etl.tagging.events.classifier import load_event_model

        model = load_event_model()
    return bool(getattr(model, "multilingual", False))
