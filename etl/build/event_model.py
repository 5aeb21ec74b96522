"""Training the event-type classifier from ACLED's coded events (``newsmon train-events``).

Data: ``<corpus>/events/acled_pool.csv.gz`` (ACLED events with notes, current taxonomy; see its
README). The notes are stripped of ACLED's template
(:func:`etl.tagging.events.text.strip_boilerplate`) before anything is learned from them. The
pre-2019 file (``acled_old_taxonomy.csv.gz``) has no sub-event types and is not used.

Split by ``source_repo``, never by row: :data:`HELD_OUT_SOURCES` are kept for ``newsmon eval``
(regions, years and coders the model has not seen); everything else trains. The held-out list
was fixed before any model was fitted: the one global sample (dtacled/acledR, 2022, 100+
countries, the only large Latin American and European coverage), one protest-only source
(Bangladesh), one war (Ukraine 2022), one explosions-only source (Myanmar), two West African
sources (Burkina Faso, Benin).

Method: multinomial logistic regression (softmax) over binary lemmatised word unigrams and
bigrams and taxonomy keyword categories, weighted by idf and L2-normalised, fitted by L-BFGS
(scipy) with an L2 penalty: full batch, no randomness, the same numbers every run. Chosen by
measurement in ``newsmon eval`` against a plain unigram model and the majority class.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl.tagging.events.text import feature_names, strip_boilerplate

POOL_FILE = Path("events") / "acled_pool.csv.gz"
HELD_OUT_SOURCES = frozenset({
    "dtacled/acledR",
    "zachessesjohnson/Protest-Diffusion",
    "BW-GIS-Developer/EGM722-ACLED-Analysis",
    "food-security-cluster-myanmar/exploratory-data-analysis-acled-fsc",
    "ElliottMess/WSC_bfa_analysis",
    "JoshMerfeld/saereplication",
})
MIN_DF = 3
MAX_FEATURES = 30_000
L2 = 2e-5
MAX_ITER = 100


@dataclass(frozen=True)
class EventRow:
    """One ACLED event: its note (as written) and its coding."""

    notes: str
    event_type: str
    sub_event_type: str
    source_repo: str
    country: str
    fatalities: int

    @property
    def text(self) -> str:
        """The note without ACLED's template (what the model reads)."""
        return strip_boilerplate(self.notes)


def read_events(corpus: Path) -> list[EventRow]:
    """Every modern-taxonomy event with a note and a sub-event type, in file order."""
    path = corpus / POOL_FILE
    if not path.exists():
        raise FileNotFoundError(f"no ACLED events at {path} (set NEWSMON_CORPUS_DIR)")
    rows = []
    with gzip.open(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not (r.get("notes") or "").strip() or not r.get("sub_event_type"):
                continue
            try:
                fatalities = int(float(r.get("fatalities") or 0))
            except ValueError:
                fatalities = 0
            rows.append(EventRow(r["notes"], r["event_type"], r["sub_event_type"],
                                 r["source_repo"], r.get("country", ""), fatalities))
    return rows


def split_by_source(rows: Sequence[EventRow]) -> tuple[list[EventRow], list[EventRow]]:
    """(train, held-out) by source repository."""
    train = [r for r in rows if r.source_repo not in HELD_OUT_SOURCES]
    held = [r for r in rows if r.source_repo in HELD_OUT_SOURCES]
    return train, held


def _matrix(sets: Sequence[set[str]], index: dict[str, int], idf: np.ndarray):
    from scipy import sparse

    indptr, indices = [0], []
    for features in sets:
        cols = sorted(index[f] for f in features if f in index)
        indices.extend(cols)
        indptr.append(len(indices))
    ind = np.asarray(indices, dtype=np.int64)
    data = idf[ind] if len(ind) else np.zeros(0)
    x = sparse.csr_matrix((data, ind, np.asarray(indptr)), shape=(len(sets), len(index)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ x


def fit_softmax(x, y: np.ndarray, n_classes: int, l2: float = L2,
                max_iter: int = MAX_ITER) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by L-BFGS: (weights (features x classes), bias)."""
    from scipy.optimize import minimize

    n, d = x.shape
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: d * n_classes].reshape(d, n_classes)
        b = theta[d * n_classes:]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        ce = -np.log(np.maximum(p[np.arange(n), y], 1e-12)).mean()
        g = (p - onehot) / n
        gw = x.T @ g + l2 * w
        gb = g.sum(axis=0)
        return ce + 0.5 * l2 * float((w * w).sum()), np.concatenate([gw.ravel(), gb])

    theta0 = np.zeros(d * n_classes + n_classes)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "maxcor": 10})
    theta = res.x
    return theta[: d * n_classes].reshape(d, n_classes), theta[d * n_classes:]


def train_model(texts: Sequence[str], labels: Sequence[str], *, trained_on: str = "",
                min_df: int = MIN_DF, max_features: int = MAX_FEATURES, l2: float = L2,
                max_iter: int = MAX_ITER, unigrams_only: bool = False):
    """Fit an :class:`~etl.tagging.events.classifier.EventTypeModel` on (text, sub-event type)
    pairs."""
    from etl.tagging.events.classifier import SUB_EVENT_TYPES, EventTypeModel

    sets = [feature_names(t, plain=unigrams_only) for t in texts]
    df = Counter(f for s in sets for f in s)
    names = sorted((f for f, c in df.items() if c >= min_df), key=lambda f: (-df[f], f))
    names = sorted(names[:max_features])
    index = {f: i for i, f in enumerate(names)}
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in names])
    classes = [c for c in SUB_EVENT_TYPES if c in set(labels)]
    cls_index = {c: i for i, c in enumerate(classes)}
    x = _matrix(sets, index, idf)
    y = np.array([cls_index[label] for label in labels])
    w, b = fit_softmax(x, y, len(classes), l2=l2, max_iter=max_iter)
    return EventTypeModel(features=index, idf=idf.astype(np.float32),
                          weights=w.astype(np.float32), bias=b.astype(np.float32),
                          classes=tuple(classes), trained_on=trained_on,
                          unigrams_only=unigrams_only)


def train_from_corpus(corpus: Path, **kwargs):
    """The shipped model: fitted on the training sources only (held-out ones stay for eval)."""
    train, held = split_by_source(read_events(corpus))
    sources = sorted({r.source_repo for r in train})
    about = (f"ACLED events (acled_pool.csv.gz), {len(train)} notes from {len(sources)} source "
             f"repositories; held out for evaluation: {', '.join(sorted(HELD_OUT_SOURCES))}")
    return train_model([r.text for r in train], [r.sub_event_type for r in train],
                       trained_on=about, **kwargs)
