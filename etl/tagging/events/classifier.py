"""ACLED event type and sub-event type of a text, with what explains them.

Entry points:

- :func:`classify_event` ``(text, model=None, language=None) -> EventTypePrediction``: with the
  model given (the tagger owns the loaded one, ``tagger.event_model``), else the shipped model;
- the same as a method on the loaded model, ``model.classify_event(text)``, and
  ``model.classify_many(texts)`` for many texts in one pass (the event records' sentences).

Both work on a sentence, a short passage or an article. How a text is read:

1. **What is read:** the title and lede, i.e. the first :data:`WINDOW_SENTENCES` sentences up
   to :data:`WINDOW_CHARS` characters, stripped of ACLED's note template
   (:func:`etl.tagging.events.text.strip_boilerplate`). The cost per text is bounded by that.
2. **Does it report an event?** A learned decision, not a keyword list: a logistic regression
   on the same TF-IDF features as the type model (below), fitted on ACLED notes (events) against
   non-conflict news (the shared corpus' article pages and feed items without armed or political
   actors: sport, business, disasters, accidents, technology), Platt-calibrated on sources the
   fit did not see, with the threshold chosen there (:mod:`etl.build.event_model`). Below it:
   ``event_type`` and ``sub_event_type`` are ``None``.
3. **Which kind?** A linear SVM (scikit-learn ``LinearSVC``, class-balanced) over TF-IDF word
   1-2-grams and character 2-5-grams (``char_wb``), trained on ACLED notes stripped of their
   template; the sub-event type is the highest decision value, the event type its parent. The
   scores are a softmax of the decision values (temperature fitted on held-back sources).
   ACLED's "Chemical weapon" has no training example: a chemical-weapon term decides it.
4. **Why?** ``evidence`` lists the word n-grams that pushed the chosen sub-event type most
   (character offsets in ``text``), ``sentence`` the span of the sentence that carried most.

``violent`` is "reports political violence" (``is_conflict``): Battles,
Explosions/Remote violence, Violence against civilians, Riots, the violent strategic
developments (Looting/property destruction) and Excessive force against protesters. Peaceful
protests, protests met with arrests or tear gas, and non-violent strategic developments are
events but not violence.

The model is English: a ``language`` other than English gives no event (reason says so); without
a ``language``, a window where English function words are rare (:func:`looks_english`) is not
read either.

Weights: ``etl/data/event_model.npz``: arrays only (vocabularies as text, idf, coefficient
matrices; no pickle), provenance in ``etl/data/event_model.md``, written by
``newsmon train-events``. Prediction is numpy on those arrays; scikit-learn's vectorizer,
rebuilt from the stored vocabulary and idf, turns text into features.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from etl.settings import PACKAGE_DIR
from etl.tagging.events.text import strip_boilerplate

MODEL_FILE = PACKAGE_DIR / "data" / "event_model.npz"

# ACLED's 25 sub-event types and the event type each belongs to (ACLED codebook, 2019 on)
SUB_EVENT_TYPES: dict[str, str] = {
    "Armed clash": "Battles",
    "Government regains territory": "Battles",
    "Non-state actor overtakes territory": "Battles",
    "Chemical weapon": "Explosions/Remote violence",
    "Air/drone strike": "Explosions/Remote violence",
    "Suicide bomb": "Explosions/Remote violence",
    "Shelling/artillery/missile attack": "Explosions/Remote violence",
    "Remote explosive/landmine/IED": "Explosions/Remote violence",
    "Grenade": "Explosions/Remote violence",
    "Sexual violence": "Violence against civilians",
    "Attack": "Violence against civilians",
    "Abduction/forced disappearance": "Violence against civilians",
    "Peaceful protest": "Protests",
    "Protest with intervention": "Protests",
    "Excessive force against protesters": "Protests",
    "Violent demonstration": "Riots",
    "Mob violence": "Riots",
    "Agreement": "Strategic developments",
    "Arrests": "Strategic developments",
    "Change to group/activity": "Strategic developments",
    "Disrupted weapons use": "Strategic developments",
    "Headquarters or base established": "Strategic developments",
    "Looting/property destruction": "Strategic developments",
    "Non-violent transfer of territory": "Strategic developments",
    "Other": "Strategic developments",
}
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(SUB_EVENT_TYPES.values()))
VIOLENT_EVENT_TYPES = frozenset({"Battles", "Explosions/Remote violence",
                                 "Violence against civilians", "Riots"})
VIOLENT_SUB_EVENTS = frozenset({"Looting/property destruction",
                                "Excessive force against protesters"})

WINDOW_SENTENCES = 3   # what is read of a text: its title and lede (the first sentences) ...
WINDOW_CHARS = 700     # ... up to this many characters (ACLED notes are shorter)
MAX_EVIDENCE = 6
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")   # scikit-learn's default token pattern
_FUNCTION_WORDS = frozenset("""a an the of in on at to and or by for with from as is was were be
been has have had it its this that these those he she they his her their which who after""".split())
CHEMICAL = re.compile(r"\b(chemical (?:weapon|attack|agent|munition)s?|sarin|nerve agent|"
                      r"chlorine (?:gas|bomb|attack)s?|mustard gas|toxic gas attack)\b", re.I)
ENGLISH = ("en", "")
# English function words: a window where they are rare is not English (the model reads English)
_ENGLISH_WORDS = frozenset("""the of and to in is was were on for with by at from that said
has have had it its as an are been after he she they his their who which""".split())
MIN_ENGLISH_SHARE = 0.04
CACHE_SIZE = 512


@dataclass(frozen=True)
class EventTypePrediction:
    """What kind of event a text reports (ACLED's names), with scores and evidence.

    ``event_type``/``sub_event_type`` are ``None`` when the text reports no event (the scores
    are then empty). ``evidence`` holds (start, end, text) of the words that explain the label;
    ``sentence`` the (start, end) of the sentence that carried most of it.
    """

    event_type: str | None
    sub_event_type: str | None
    sub_event_scores: dict[str, float]
    event_type_scores: dict[str, float]
    violent: bool
    evidence: list[tuple[int, int, str]]
    sentence: tuple[int, int] | None = None
    reason: str = field(default="", compare=False)


NO_EVENT = EventTypePrediction(None, None, {}, {}, False, [], None, "no event evidence")


def is_violent(event_type: str | None, sub_event_type: str | None) -> bool:
    """Political violence per issue 11 (what ``is_conflict`` means)."""
    return event_type in VIOLENT_EVENT_TYPES or sub_event_type in VIOLENT_SUB_EVENTS




def looks_english(text: str) -> bool:
    """Do English function words make up a share of the words that only English text has?
    (Short texts, under 8 words, pass: a headline says too little.)"""
    words = _TOKEN.findall(text.lower())
    if len(words) < 8:
        return True
    return sum(w in _ENGLISH_WORDS for w in words) / len(words) >= MIN_ENGLISH_SHARE


def window(text: str) -> tuple[int, int]:
    """(start, end) of what is read of ``text``: its first sentences (title and lede)."""
    spans = sentence_spans(text[:WINDOW_CHARS * 2])[:WINDOW_SENTENCES]
    if not spans:
        return 0, 0
    end = spans[-1][1]
    if end > WINDOW_CHARS:
        kept = [sp for sp in spans if sp[1] <= WINDOW_CHARS]
        end = kept[-1][1] if kept else WINDOW_CHARS
    return spans[0][0], end


def _vectorizer(params: dict, vocabulary: list[str], idf: np.ndarray):
    """scikit-learn's TF-IDF vectorizer rebuilt from its parameters, vocabulary and idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(**params, vocabulary={t: i for i, t in enumerate(vocabulary)},
                          dtype=np.float32)
    vec.idf_ = idf.astype(np.float64)
    return vec


def _text_array(items: Sequence[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array (newline-separated): stored without pickle."""
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def _text_list(array: np.ndarray) -> list[str]:
    return bytes(array).decode("utf-8").split("\n") if array.size else []


@dataclass
class EventTypeModel:
    """The fitted classifier: two TF-IDF vocabularies (word 1-2-grams, character 2-5-grams), the
    type model's coefficients (features x sub-event types) and the event gate's."""

    word_params: dict
    word_vocab: list[str]
    word_idf: np.ndarray
    char_params: dict
    char_vocab: list[str]
    char_idf: np.ndarray
    type_coef: np.ndarray          # (n_features, n_classes), word features first
    type_bias: np.ndarray
    classes: tuple[str, ...]
    gate_coef: np.ndarray          # (n_features,)
    gate_bias: float
    platt: tuple[float, float]     # p(event) = 1 / (1 + exp(-(a * decision + b)))
    threshold: float               # p(event) at or above it: an event
    temperature: float = 1.0       # type scores = softmax(temperature * decision)
    violent_threshold: float = 0.5  # violent sub-types' share of the scores that is violence
    trained_on: str = ""
    _vecs: tuple = field(default=(), repr=False, compare=False)
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)

    # --- features ----------------------------------------------------------------------------
    def _vectorizers(self):
        if not self._vecs:
            self._vecs = (_vectorizer(self.word_params, self.word_vocab, self.word_idf),
                          _vectorizer(self.char_params, self.char_vocab, self.char_idf))
        return self._vecs

    def features(self, texts: Sequence[str]):
        """Sparse TF-IDF rows (word features, then character features) of ``texts``: what
        scikit-learn's ``TfidfVectorizer.transform`` gives (sublinear tf x idf, each block
        L2-normalised), computed here without its per-call validation (a few ms per text)."""
        from scipy import sparse

        blocks = []
        offset = 0
        for vec, idf in zip(self._vectorizers(), (self.word_idf, self.char_idf), strict=True):
            analyze, vocab = vec.build_analyzer(), vec.vocabulary_
            indptr, indices, data = [0], [], []
            for text in texts:
                counts: dict[int, int] = {}
                for gram in analyze(text):
                    j = vocab.get(gram)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
                cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                values = (1.0 + np.log(tf)) * idf[cols] if len(cols) else tf
                norm = np.sqrt((values * values).sum())
                indices.append(cols + offset)
                data.append(values / norm if norm > 0 else values)
                indptr.append(indptr[-1] + len(cols))
            blocks.append((indptr, indices, data))
            offset += len(vocab)
        rows_indptr, rows_indices, rows_data = [0], [], []
        for i in range(len(texts)):
            for _, indices, data in blocks:
                rows_indices.append(indices[i])
                rows_data.append(data[i])
            rows_indptr.append(rows_indptr[-1] + sum(len(b[1][i]) for b in blocks))
        ind = np.concatenate(rows_indices) if rows_indices else np.zeros(0, np.int64)
        dat = np.concatenate(rows_data) if rows_data else np.zeros(0)
        return sparse.csr_matrix((dat.astype(np.float32), ind, np.asarray(rows_indptr)),
                                 shape=(len(texts), offset))

    # --- raw classifiers ---------------------------------------------------------------------
    def decisions(self, x) -> np.ndarray:
        """Type model decision values, (n_texts, n_classes)."""
        if not self.type_coef.flags.c_contiguous:  # scipy would copy it on every product
            self.type_coef = np.ascontiguousarray(self.type_coef)
        return np.asarray(x @ self.type_coef, dtype=np.float64) + self.type_bias

    def event_probability(self, x) -> np.ndarray:
        """Calibrated probability that each row reports an event."""
        d = np.asarray(x @ self.gate_coef, dtype=np.float64).ravel() + self.gate_bias
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * d + b)))

    def predict(self, text: str) -> str:
        """The most probable sub-event type of ``text`` (no event gate; the plain classifier)."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        d = self.decisions(self.features([strip_boilerplate(t) for t in texts]))
        return [self.classes[int(k)] for k in d.argmax(axis=1)]

    def probabilities(self, text: str) -> dict[str, float]:
        """Sub-event type -> score for the whole of ``text`` (no event gate)."""
        p = _softmax(self.temperature * self.decisions(self.features([strip_boilerplate(text)])))
        return {c: float(v) for c, v in zip(self.classes, p[0], strict=True)}

    # --- the full reading: window, gate, type, explanation -----------------------------------
    def classify_event(self, text: str, language: str | None = None) -> EventTypePrediction:
        """Event type and sub-event type of ``text`` (see the module docstring)."""
        return self.classify_many([text], language)[0]

    def classify_many(self, texts: Sequence[str], language: str | None = None
                      ) -> list[EventTypePrediction]:
        """:meth:`classify_event` of each text, the uncached ones in one vectorizer pass."""
        if language and language.split("-")[0].lower() not in ENGLISH:
            return [EventTypePrediction(None, None, {}, {}, False, [], None,
                                        f"English model: {language} is not read")] * len(texts)
        texts = [t or "" for t in texts]
        done = {t: self._cache[t] for t in texts if t in self._cache}
        todo = list(dict.fromkeys(t for t in texts if t not in done))
        if todo:
            windows = [window(t) for t in todo]
            read = [strip_boilerplate(t[a:b]) for t, (a, b) in zip(todo, windows, strict=True)]
            x = self.features(read)
            p_event = self.event_probability(x)
            d = self.decisions(x)
            for i, t in enumerate(todo):
                if language is None and not looks_english(read[i]):
                    done[t] = self._cache[t] = EventTypePrediction(
                        None, None, {}, {}, False, [], None, "not English: not read")
                    continue
                done[t] = self._cache[t] = self._reading(t, windows[i], x[i],
                                                         float(p_event[i]), d[i])
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return [done[t] for t in texts]

    def _reading(self, text: str, span: tuple[int, int], x, p_event: float,
                 decision: np.ndarray) -> EventTypePrediction:
        if p_event < self.threshold or span[1] <= span[0]:
            return EventTypePrediction(None, None, {}, {}, False, [], None,
                                       f"no event (p={p_event:.2f} < {self.threshold:.2f})")
        p = _softmax(self.temperature * decision[None, :])[0]
        sub_scores = {c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)}
        type_scores: dict[str, float] = {}
        for c, v in sub_scores.items():
            t = SUB_EVENT_TYPES[c]
            type_scores[t] = round(type_scores.get(t, 0.0) + v, 4)
        k = int(np.argmax(decision))
        sub = self.classes[k]
        event_type = SUB_EVENT_TYPES[sub]
        evidence, sentence = self._evidence(text, span, x, k)
        chem = CHEMICAL.search(text, span[0], span[1])
        if chem and event_type in ("Explosions/Remote violence", "Battles",
                                   "Violence against civilians"):
            event_type, sub = "Explosions/Remote violence", "Chemical weapon"
            evidence = [(chem.start(), chem.end(), chem.group())]
        violent_share = float(sum(v for c, v in zip(self.classes, p, strict=True)
                                  if is_violent(SUB_EVENT_TYPES[c], c)))
        # a plain bool: it is stored (is_conflict) and serialised
        violent = bool(is_violent(event_type, sub) or violent_share >= self.violent_threshold)
        return EventTypePrediction(event_type, sub, sub_scores, type_scores,
                                   violent, evidence, sentence,
                                   f"event (p={p_event:.2f})")

    def _evidence(self, text: str, span: tuple[int, int], x, k: int
                  ) -> tuple[list[tuple[int, int, str]], tuple[int, int] | None]:
        """The word n-grams (offsets in ``text``) that pushed class ``k`` most, and the sentence
        that holds most of that push."""
        words, _ = self._vectorizers()
        row = x.tocsr()
        values = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        tokens = [(m.start() + span[0], m.end() + span[0], m.group().lower())
                  for m in _TOKEN.finditer(text[span[0]:span[1]])]
        grams = list(tokens)
        grams += [(a[0], b[1], f"{a[2]} {b[2]}") for a, b in pairwise(tokens)]
        scored: dict[tuple[int, int], float] = {}
        seen: set[str] = set()
        for start, end, gram in grams:
            j = words.vocabulary_.get(gram)
            if j is None or gram in seen or not _explains(gram):
                continue
            seen.add(gram)
            push = values.get(j, 0.0) * float(self.type_coef[j, k])
            if push > 0:
                scored[(start, end)] = push
        best = sorted(scored, key=lambda s: -scored[s])[:MAX_EVIDENCE]
        evidence = sorted((s, e, text[s:e]) for s, e in best)
        sentences = [(a + span[0], b + span[0])
                     for a, b in sentence_spans(text[span[0]:span[1]])]
        weight = [sum(v for (s, _), v in scored.items() if a <= s < b) for a, b in sentences]
        sentence = sentences[int(np.argmax(weight))] if sentences else None
        return evidence, sentence

    # --- storage -----------------------------------------------------------------------------
    def save(self, path: Path = MODEL_FILE) -> None:
        """Compressed numpy archive, no pickle: vocabularies as UTF-8 text, coefficients as
        float16 (what the model needs, half the size)."""
        meta = {"classes": list(self.classes), "trained_on": self.trained_on,
                "word_params": self.word_params, "char_params": self.char_params,
                "gate_bias": self.gate_bias, "platt": list(self.platt),
                "threshold": self.threshold, "temperature": self.temperature,
                "violent_threshold": self.violent_threshold}
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh, word_vocab=_text_array(self.word_vocab),
                char_vocab=_text_array(self.char_vocab),
                word_idf=self.word_idf.astype(np.float32),
                char_idf=self.char_idf.astype(np.float32),
                type_coef=self.type_coef.astype(np.float16),
                type_bias=self.type_bias.astype(np.float32),
                gate_coef=self.gate_coef.astype(np.float16), meta=np.array(json.dumps(meta)))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> EventTypeModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return cls(
                word_params=meta["word_params"], word_vocab=_text_list(data["word_vocab"]),
                word_idf=data["word_idf"], char_params=meta["char_params"],
                char_vocab=_text_list(data["char_vocab"]), char_idf=data["char_idf"],
                type_coef=np.ascontiguousarray(data["type_coef"], dtype=np.float32),
                type_bias=data["type_bias"].astype(np.float64), classes=tuple(meta["classes"]),
                gate_coef=data["gate_coef"].astype(np.float32),
                gate_bias=float(meta["gate_bias"]), platt=tuple(meta["platt"]),
                threshold=float(meta["threshold"]), temperature=float(meta["temperature"]),
                violent_threshold=float(meta.get("violent_threshold", 0.5)),
                trained_on=meta.get("trained_on", ""))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _explains(gram: str) -> bool:
    """A function word or a number alone explains nothing to a reader."""
    return not all(w.lower() in _FUNCTION_WORDS or w.isdigit() for w in gram.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence (a plain split on ., !, ? and line ends)."""
    out = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((start, end))
    return out


@lru_cache(maxsize=4)
def load_event_model(path: Path = MODEL_FILE) -> EventTypeModel | None:
    """The shipped model, or ``None`` when the file is missing."""
    return EventTypeModel.load(path) if path.exists() else None


def classify_event(text: str, model: EventTypeModel | None = None,
                   language: str | None = None) -> EventTypePrediction:
    """Event type and sub-event type of ``text`` with ``model`` (default: the shipped one)."""
    model = model or load_event_model()
    if model is None:
        raise FileNotFoundError(f"{MODEL_FILE} is missing: run `newsmon train-events`")
    return model.classify_event(text, language)
