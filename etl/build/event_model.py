"""Training the event classifier from ACLED's coded events (``newsmon train-events``).

Data (read only): ``<corpus>/events/acled_pool.csv.gz`` through :mod:`etl.build.acled_pool`
(one reader, one split by source; the held-out sources are never fitted on), and the
no-event passages written for newsmon (:mod:`etl.build.event_negatives`, templates: no
third-party text) for the event/no-event decision.
Notes are stripped of ACLED's template before anything is learned from them. The pre-2019 file
has no sub-event types and is not used.

Method (scikit-learn, deterministic: the solvers' shuffling is seeded, ``random_state=0``):

1. TF-IDF over word 1-2-grams and character 2-5-grams (``char_wb``), sublinear tf, fitted on the
   training notes (vocabularies capped, :data:`WORD_FEATURES`, :data:`CHAR_FEATURES`);
2. the type model, ``LinearSVC`` with class-balanced weights (:data:`C`, :data:`CLASS_WEIGHT`)
   over ACLED's sub-event types;
3. the event gate, ``LogisticRegression`` (class-balanced): ACLED notes against the negative
   passages, on the same features;
4. calibration on a held-back part (a fixed fifth of the training sources, a fixed quarter of
   the negative documents, never the evaluation sources): Platt scaling of the gate's decision
   values, the threshold (the highest probability that keeps :data:`GATE_RECALL` of the
   held-back violent notes), and the temperature of the type scores (least log-loss). Both
   models are then refitted on all training rows with the same settings.

The weights are saved as arrays (:meth:`EventTypeModel.save`), never as pickles.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from etl.build.acled_pool import (  # noqa: F401 - re-exported: the trainer's data
    HELD_OUT_SOURCES,
    EventRow,
    read_events,
    split_by_source,
)
from etl.build.event_negatives import held_back, read_negatives

WORD_PARAMS = {"analyzer": "word", "ngram_range": [1, 2], "sublinear_tf": True,
               "lowercase": True, "strip_accents": None}
CHAR_PARAMS = {"analyzer": "char_wb", "ngram_range": [2, 5], "sublinear_tf": True,
               "lowercase": True, "strip_accents": None}
WORD_FEATURES = 120_000
CHAR_FEATURES = 150_000
MIN_DF = 3
C = 0.5
CLASS_WEIGHT = "balanced"
GATE_C = 4.0
GATE_RECALL = 0.99
VIOLENT_RECALL = 0.99


def _params(params: dict) -> dict:
    return {**params, "ngram_range": tuple(params["ngram_range"])}


def fit_vectorizers(texts: Sequence[str], min_df: int = MIN_DF,
                    word_features: int = WORD_FEATURES, char_features: int = CHAR_FEATURES):
    """(word, char) TF-IDF vectorizers fitted on ``texts``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(**_params(WORD_PARAMS), min_df=min_df, max_features=word_features,
                            dtype=np.float32).fit(texts)
    chars = TfidfVectorizer(**_params(CHAR_PARAMS), min_df=min_df, max_features=char_features,
                            dtype=np.float32).fit(texts)
    return words, chars


def _features(vecs, texts: Sequence[str]):
    from scipy import sparse

    return sparse.hstack([v.transform(texts) for v in vecs], format="csr")


def fit_type_model(x, labels: Sequence[str], classes: Sequence[str], c: float = C,
                   class_weight: str | None = CLASS_WEIGHT):
    """LinearSVC over ``classes`` (one-vs-rest): (coef (features x classes), bias)."""
    from sklearn.svm import LinearSVC

    clf = LinearSVC(C=c, class_weight=class_weight, max_iter=5000, random_state=0).fit(
        x, list(labels))
    order = [list(clf.classes_).index(k) for k in classes]
    return clf.coef_[order].T.astype(np.float32), clf.intercept_[order].astype(np.float64)


def fit_gate(x, y: np.ndarray, c: float = GATE_C) -> tuple[np.ndarray, float]:
    """Event (1) / no event (0) logistic regression: (coef, bias)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear",
                             random_state=0).fit(x, y)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def fit_platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) of p = sigmoid(a * decision + b), fitted on held-back rows."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1e6, max_iter=1000).fit(decision.reshape(-1, 1), y)
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def fit_temperature(decision: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature with the least log-loss on held-back rows (a grid: exact)."""
    best, best_t = np.inf, 1.0
    for t in np.arange(0.5, 12.01, 0.25):
        z = t * decision
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(len(gold)), gold].mean()
        if loss < best - 1e-12:
            best, best_t = loss, float(t)
    return best_t


def fit_violent_threshold(decision: np.ndarray, temperature: float, classes: Sequence[str],
                          rows: Sequence[EventRow]) -> float:
    """The highest share of the type scores on violent sub-event types that still calls
    :data:`VIOLENT_RECALL` of the held-back violent notes violent (a grid)."""
    from etl.tagging.events.classifier import SUB_EVENT_TYPES, is_violent

    z = temperature * decision
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    mask = np.array([is_violent(SUB_EVENT_TYPES[k], k) for k in classes])
    share = p[:, mask].sum(axis=1)
    top_violent = mask[decision.argmax(axis=1)]
    gold = np.array([is_violent(r.event_type, r.sub_event_type) for r in rows])
    if not gold.any():
        return 0.5
    for t in np.arange(0.5, 0.04, -0.025):
        if (top_violent | (share >= t))[gold].mean() >= VIOLENT_RECALL:
            return round(float(t), 3)
    return 0.05


def calibration_source(source_repo: str, parts: int = 5) -> bool:
    """A fixed fifth of the training sources, held back to calibrate (not evaluation)."""
    return zlib.crc32(source_repo.encode()) % parts == 0


def train_model(rows: Sequence[EventRow], negatives: Sequence[tuple[str, str]], *,
                trained_on: str = "", min_df: int = MIN_DF, word_features: int = WORD_FEATURES,
                char_features: int = CHAR_FEATURES, c: float = C,
                class_weight: str | None = CLASS_WEIGHT, log=print):
    """Fit the :class:`~etl.tagging.events.classifier.EventTypeModel` (see the module doc)."""
    from etl.tagging.events.classifier import SUB_EVENT_TYPES, EventTypeModel, is_violent

    texts = [r.text for r in rows]
    labels = [r.sub_event_type for r in rows]
    classes = [k for k in SUB_EVENT_TYPES if k in set(labels)]
    neg_texts = [t for _, t in negatives]
    log(f"features: {len(texts)} notes, {len(neg_texts)} negative passages")
    vecs = fit_vectorizers(texts, min_df, word_features, char_features)
    x = _features(vecs, texts)
    xn = _features(vecs, neg_texts)
    calib = np.array([calibration_source(r.source_repo) for r in rows])
    ncalib = np.array([held_back(k) for k, _ in negatives])
    fit_rows = np.flatnonzero(~calib)
    from scipy import sparse

    platt, threshold, temperature, violent_threshold = (1.0, 0.0), 0.5, 1.0, 0.5
    if calib.any() and ncalib.any() and (~calib).any():
        log(f"calibration fit: {len(fit_rows)} notes")
        coef, bias = fit_type_model(x[fit_rows], [labels[i] for i in fit_rows], classes, c,
                                    class_weight)
        cal_rows = np.flatnonzero(calib)
        d = x[cal_rows] @ coef + bias
        cls_index = {k: i for i, k in enumerate(classes)}
        known = [i for i, r in enumerate(cal_rows) if labels[r] in cls_index]
        temperature = fit_temperature(np.asarray(d)[known],
                                      np.array([cls_index[labels[cal_rows[i]]] for i in known]))
        violent_threshold = fit_violent_threshold(np.asarray(d), temperature, classes,
                                                  [rows[r] for r in cal_rows])
        gx = sparse.vstack([x[fit_rows], xn[~ncalib]], format="csr")
        gy = np.r_[np.ones(len(fit_rows)), np.zeros(int((~ncalib).sum()))]
        gcoef, gbias = fit_gate(gx, gy)
        cx = sparse.vstack([x[cal_rows], xn[ncalib]], format="csr")
        cy = np.r_[np.ones(len(cal_rows)), np.zeros(int(ncalib.sum()))]
        dec = np.asarray(cx @ gcoef).ravel() + gbias
        platt = fit_platt(dec, cy)
        p = 1.0 / (1.0 + np.exp(-(platt[0] * dec + platt[1])))
        violent = np.array([is_violent(rows[r].event_type, rows[r].sub_event_type)
                            for r in cal_rows])
        pv = np.sort(p[: len(cal_rows)][violent])
        # the highest threshold that keeps GATE_RECALL of the held-back violent notes
        threshold = float(pv[int((1 - GATE_RECALL) * len(pv))]) if len(pv) else 0.5
        fp = float((p[len(cal_rows):] >= threshold).mean())
        log(f"calibration: temperature {temperature}, violent share {violent_threshold}, "
            f"platt {platt}, threshold "
            f"{threshold:.3f}, negatives above it {fp:.3f}")
    log("final fit: all training notes")
    coef, bias = fit_type_model(x, labels, classes, c, class_weight)
    gcoef, gbias = fit_gate(sparse.vstack([x, xn], format="csr"),
                            np.r_[np.ones(len(texts)), np.zeros(len(neg_texts))])
    words, chars = vecs
    return EventTypeModel(
        word_params=WORD_PARAMS, word_vocab=list(words.get_feature_names_out()),
        word_idf=words.idf_.astype(np.float32), char_params=CHAR_PARAMS,
        char_vocab=list(chars.get_feature_names_out()), char_idf=chars.idf_.astype(np.float32),
        type_coef=coef, type_bias=bias, classes=tuple(classes), gate_coef=gcoef,
        gate_bias=gbias, platt=platt, threshold=threshold, temperature=temperature,
        violent_threshold=violent_threshold,
        trained_on=trained_on)


def train_from_corpus(corpus: Path, log=print, **kwargs):
    """The shipped model: fitted on the training sources only (held-out ones stay for eval)."""
    train, _ = split_by_source(read_events(corpus))
    negatives = read_negatives()
    sources = sorted({r.source_repo for r in train})
    about = (f"ACLED events (acled_pool.csv.gz), {len(train)} notes from {len(sources)} source "
             f"repositories; held out for evaluation: {', '.join(sorted(HELD_OUT_SOURCES))}; "
             f"no-event passages: {len(negatives)} written for newsmon (templates)")
    return train_model(train, negatives, trained_on=about, log=log, **kwargs)
