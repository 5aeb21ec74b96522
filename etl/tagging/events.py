"""A small linear event classifier: which kind of violent event a conflict text reports.

Three one-vs-rest logistic regressions (numpy, no other dependency) over

- the taxonomy's category evidence for the text (``tax:<category>``, log-scaled): the
  explainable keyword matches stay the backbone, the model learns how much each is worth;
- lower-cased word unigrams and bigrams (``w:<word>``, ``b:<word> <word>``), binary, the rows
  L2-normalised.

Labels follow SATP's event coding, mapped to ACLED parents by :data:`LABEL_CATEGORIES`:
``armed_assault`` = battles or attack on civilians, ``bombing_explosion`` =
explosions/remote violence, ``kidnapping`` = abduction (``other`` = none of these).

The weights live in ``etl/data/event_model.json`` (feature names and numbers only, no text).
``newsmon train-events`` (``make train-events``) regenerates them deterministically from the
train split of the SATP corpus (``labels/satp/train_dev.jsonl``, rows with ``split == "train"``);
the dev split is kept for ``newsmon eval``.

How the tagger uses it (:meth:`etl.tagging.tagger.Tagger._tag`): only for texts with some conflict
evidence (relevance >= 0.3) that name violence itself (casualties, armed men, weapons or a
known armed actor): the model never saw anything but incident reports, so it says nothing about
whether a text is about conflict at all (sports metaphors). For those, the scores of battles,
attack on civilians, explosions/remote violence and abduction become the mean of their keyword
score and the probability of the label that stands for them; the other categories,
sub-categories and keywords stay as they are, as the explanation. ``newsmon eval`` also reads
the "other" probability (SATP codes "other" next to the three labels).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from lemminflect import getAllLemmas

from etl.settings import PACKAGE_DIR

MODEL_FILE = PACKAGE_DIR / "data" / "event_model.json"
LABELS = ("armed_assault", "bombing_explosion", "kidnapping", "other")
# SATP label -> the ACLED parent categories it stands for in the taxonomy
LABEL_CATEGORIES = {
    "armed_assault": ("battles", "attack_on_civilians"),
    "bombing_explosion": ("explosions_remote_violence",),
    "kidnapping": ("abduction",),
}
THRESHOLD = 0.5
MIN_DF = 3           # a word feature must occur in this many training texts
MAX_WORD_FEATURES = 4000
L2 = 1e-4
EPOCHS = 400
LEARNING_RATE = 4.0
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
# very frequent function words carry no event signal and only bloat the model
_SKIP = frozenset("""a an the of in on at to and or by for with from as is was were be been
has have had it its this that these those he she they his her their which who""".split())


LEDE_WORDS = 40      # the first words (the lede: what happened) also count on their own


@lru_cache(maxsize=50000)
def _norm(word: str) -> str:
    """A word's lemma (nouns and verbs), so that 'abducted' and 'abducts' share a feature."""
    lemmas = getAllLemmas(word)
    for pos in ("VERB", "NOUN"):
        if pos in lemmas:
            return lemmas[pos][0]
    return word


def text_features(text: str, evidence: Mapping[str, float]) -> dict[str, float]:
    """Feature name -> value for one text (binary word features, log-scaled evidence)."""
    words = [_norm(w) for w in _WORD.findall(text.lower()) if w not in _SKIP]
    feats: dict[str, float] = {f"w:{w}": 1.0 for w in words}
    for a, b in zip(words, words[1:], strict=False):
        feats[f"b:{a} {b}"] = 1.0
    if LEDE_WORDS:
        for w in words[:LEDE_WORDS]:
            feats[f"l:{w}"] = 1.0
    norm = math.sqrt(len(feats)) or 1.0
    feats = {k: v / norm for k, v in feats.items()}
    for category, value in evidence.items():
        if value > 0:
            feats[f"tax:{category}"] = math.log1p(value)
    feats["bias"] = 1.0
    return feats


@dataclass
class EventModel:
    features: dict[str, int]
    weights: np.ndarray          # (n_features, n_labels)
    labels: tuple[str, ...] = LABELS
    threshold: float = THRESHOLD
    trained_on: str = ""

    def probabilities(self, text: str, evidence: Mapping[str, float]) -> dict[str, float]:
        rows, values = [], []
        for name, value in text_features(text, evidence).items():
            row = self.features.get(name)
            if row is not None:
                rows.append(row)
                values.append(value)
        z = np.asarray(values) @ self.weights[rows] if rows else np.zeros(len(self.labels))
        p = 1.0 / (1.0 + np.exp(-z))
        return {label: round(float(v), 4) for label, v in zip(self.labels, p, strict=True)}

    def to_json(self) -> dict:
        names = sorted(self.features, key=self.features.get)
        return {
            "about": "newsmon event classifier: logistic regression weights per feature "
                     "(see etl/tagging/events.py); regenerate with `newsmon train-events`",
            "labels": list(self.labels),
            "threshold": self.threshold,
            "trained_on": self.trained_on,
            "weights": {n: [round(float(w), 5) for w in self.weights[self.features[n]]]
                        for n in names},
        }

    @classmethod
    def from_json(cls, data: dict) -> EventModel:
        names = list(data["weights"])
        weights = np.array([data["weights"][n] for n in names], dtype=float)
        return cls({n: i for i, n in enumerate(names)}, weights, tuple(data["labels"]),
                   float(data["threshold"]), data.get("trained_on", ""))


def train(rows: Sequence[tuple[dict[str, float], set[str]]], *, trained_on: str = "",
          l2: float = L2, epochs: int = EPOCHS) -> EventModel:
    """Fit the one-vs-rest regressions on (features, gold labels) rows; deterministic."""
    df = Counter(name for feats, _ in rows for name in feats if name.startswith(("w:", "b:", "l:")))
    words = sorted((n for n, c in df.items() if c >= MIN_DF), key=lambda n: (-df[n], n))
    keep = {n for n in words[:MAX_WORD_FEATURES]}
    names = sorted({n for feats, _ in rows for n in feats if n in keep or not n.startswith(
        ("w:", "b:", "l:"))})
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for i, (feats, _) in enumerate(rows):
        for n, v in feats.items():
            j = index.get(n)
            if j is not None:
                x[i, j] = v
    y = np.array([[label in gold for label in LABELS] for _, gold in rows], dtype=float)
    w = np.zeros((len(names), len(LABELS)))
    # full-batch gradient descent with Nesterov momentum: no randomness, same result every run
    velocity = np.zeros_like(w)
    reg = np.full((len(names), 1), l2)
    reg[index["bias"]] = 0.0
    for _ in range(epochs):
        ahead = w + 0.9 * velocity
        p = 1.0 / (1.0 + np.exp(-(x @ ahead)))
        grad = x.T @ (p - y) / len(rows) + reg * ahead
        velocity = 0.9 * velocity - LEARNING_RATE * grad
        w = w + velocity
    return EventModel(index, w, LABELS, THRESHOLD, trained_on)


def predict_labels(probabilities: Mapping[str, float], threshold: float = THRESHOLD) -> set[str]:
    return {label for label, p in probabilities.items() if p >= threshold}


@lru_cache(maxsize=4)
def load_event_model(path: Path = MODEL_FILE) -> EventModel | None:
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        return EventModel.from_json(json.load(fh))


def save_event_model(model: EventModel, path: Path = MODEL_FILE) -> None:
    """JSON with one feature per line (readable diffs when the model is refitted)."""
    data = model.to_json()
    weights = data.pop("weights")
    head = json.dumps(data, ensure_ascii=False)[:-1]
    lines = [f"{json.dumps(n, ensure_ascii=False)}: {json.dumps(w)}" for n, w in weights.items()]
    path.write_text(head + ', "weights": {\n' + ",\n".join(lines) + "\n}}\n", encoding="utf-8")


def training_rows(texts: Iterable[str], labels: Iterable[Iterable[str]], evidence_of) -> list:
    """(features, label set) rows; ``evidence_of(text)`` gives the taxonomy evidence."""
    return [(text_features(t, evidence_of(t)), set(g)) for t, g in zip(texts, labels,
                                                                      strict=True)]


def satp_rows(corpus: Path, split: str) -> list[dict]:
    path = corpus / "labels" / "satp" / "train_dev.jsonl"
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if r.get("split") == split]


def train_from_corpus(corpus: Path, taxonomy_path: Path | None = None) -> EventModel:
    """Fit on the SATP train split with the current taxonomy (deterministic)."""
    from etl.tagging.taxonomy import TAXONOMY_FILE, load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path or TAXONOMY_FILE)
    rows = satp_rows(corpus, "train")
    if not rows:
        raise FileNotFoundError(f"no SATP train rows under {corpus / 'labels' / 'satp'}")
    data = training_rows([r["text"] for r in rows], [r["labels"] for r in rows],
                         taxonomy.evidence)
    return train(data, trained_on=f"SATP train split, {len(rows)} texts, taxonomy "
                                  f"{taxonomy.version}")
