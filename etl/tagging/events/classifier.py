"""ACLED event type and sub-event type of a text, with what explains them.

Entry points (PART B of issue 11 calls these):

- :func:`classify_event` ``(text) -> EventTypePrediction`` with the shipped model;
- the same as a method on the loaded model, reachable from the tagger as
  ``tagger.event_model.classify_event(text)``.

Both work on a sentence, a short passage or an article. How a text is read:

1. **Does it report an event?** It needs taxonomy keyword evidence for an ACLED event category
   (``etl/data/taxonomy.yaml``, ``event: true``): a strong term (or three weak ones), or a weak
   one ("explosion", "attacked") or a casualty word ("killed") next to an armed or political
   actor word (:data:`POLITICAL`); newsmon's general conflict terms (casualties, military, ...)
   are not evidence on their own.
   A text whose non-political context (sports, disasters, accidents, business;
   :data:`NON_POLITICAL`) outweighs its political context reports no event either. No event:
   ``event_type`` and ``sub_event_type`` are ``None``.
2. **Which kind?** The first :data:`MAX_SENTENCES` sentences with event evidence go to a
   multinomial logistic regression over lemmatised word unigrams and bigrams and the taxonomy
   categories of their keywords (``tax:<category>``), trained on ACLED notes stripped of their
   template (:mod:`etl.build.event_model`). The event type is the type whose sub-event
   probabilities sum highest, except that an explosive or remote weapon named in the first
   evidence sentence makes a battle or an attack on civilians Explosions/Remote violence
   (ACLED's codebook); the sub-event type is
   the most probable one within the type. ACLED's "Chemical weapon" has no training example: a
   chemical-weapon term decides it.
3. **Why?** ``evidence`` lists the n-grams that pushed the chosen sub-event type most
   (character offsets in ``text``), ``sentence`` the span of the sentence that carried most.

``violent`` is "reports political violence" (``is_conflict``): Battles,
Explosions/Remote violence, Violence against civilians, Riots, the violent strategic
developments (Looting/property destruction) and Excessive force against protesters. Peaceful
protests, protests met with arrests or tear gas, and non-violent strategic developments are
events but not violence.

Weights: ``etl/data/event_model.npz`` (numbers and n-gram names only; provenance in
``etl/data/event_model.md``), written by ``newsmon train-events``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from etl.settings import PACKAGE_DIR
from etl.tagging.events.text import grams, plain_grams

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

MAX_SENTENCES = 2
MAX_EVIDENCE = 6
STRONG_EVIDENCE = 1.0   # event-category evidence a sentence needs (a strong term, 3 weak ones)

# Context that makes violent words non-political (sports, disasters, accidents, business) and
# context that names an armed or political actor. Whole words, lower case.
NON_POLITICAL = frozenset("""
match matches league goal goals striker strikers midfielder defender goalkeeper coach
tournament championship championships cup season scored scoring football soccer cricket
innings wicket wickets tennis rugby basketball baseball hockey olympic olympics athlete
athletes derby semifinal semi-final quarterfinal quarter-final final finals fixture fans
stadium referee penalty penalties playoff playoffs squad champions
earthquake earthquakes quake flood floods flooding cyclone hurricane typhoon landslide
landslides tsunami wildfire wildfires bushfire storm storms drought volcano eruption tornado
avalanche heatwave rainfall monsoon
accident accidents crash crashed collision collided derailed derailment capsized capsize
drowned drowning electrocuted short-circuit leak blaze firefighters
shares share profit profits revenue revenues earnings investors investor quarterly stock
stocks merger acquisition ceo market markets dividend ipo bankruptcy sales inflation
""".split())
POLITICAL = frozenset("""
militant militants rebel rebels insurgent insurgents gunmen gunman jihadist jihadists
terrorist terrorists soldiers soldier troops army military militia militiamen police
policemen forces protesters protestors demonstrators rioters mob government opposition
party activists separatist separatists guerrillas fighters taliban shabaab boko haram
maoists maoist isis isil force officers gang gangs armed civilians villagers convoy checkpoint
battalion brigade navy clan tribe tribal ethnic communal militias administrator administration
authorities ministry congress parliament governor mayor council union unions demand demanded
demanding denounce denounced supporters election elections rights
""".split())
_WORD = re.compile(r"[a-z][a-z-]*")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
CASUALTIES = "casualties"   # the taxonomy's general category of "killed", "wounded", ...
WEAPON_RULE_TYPES = frozenset({"Battles", "Violence against civilians"})
_FUNCTION_WORDS = frozenset("""a an the of in on at to and or by for with from as is was were be
been has have had it its this that these those he she they his her their which who after""".split())
CHEMICAL = re.compile(r"\b(chemical (?:weapon|attack|agent|munition)s?|sarin|nerve agent|"
                      r"chlorine (?:gas|bomb|attack)s?|mustard gas|toxic gas attack)\b", re.I)


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


@dataclass
class EventTypeModel:
    """The fitted classifier: n-gram index, idf, weights (features x classes) and bias."""

    features: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    classes: tuple[str, ...]
    trained_on: str = ""
    unigrams_only: bool = False

    # --- raw classifier --------------------------------------------------------------------
    def _grams(self, text: str) -> list[tuple[str, int, int]]:
        return plain_grams(text) if self.unigrams_only else grams(text)

    def _rows(self, found) -> tuple[list[int], list[tuple[int, int]]]:
        rows: dict[int, tuple[int, int]] = {}
        for gram, start, end in found:
            j = self.features.get(gram)
            if j is not None and j not in rows:
                rows[j] = (start, end)
        return list(rows), list(rows.values())

    def _scores(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        if not rows:
            z = self.bias.astype(float)
            values = np.zeros(0)
        else:
            values = self.idf[rows].astype(float)
            values /= np.sqrt((values * values).sum())
            z = values @ self.weights[rows] + self.bias
        z = z - z.max()
        p = np.exp(z)
        return p / p.sum(), values

    def probabilities(self, text: str) -> dict[str, float]:
        """Sub-event type -> probability for the whole of ``text`` (no event gate)."""
        p, _ = self._scores(self._rows(self._grams(text))[0])
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def predict(self, text: str) -> str:
        """The most probable sub-event type of ``text`` (no gate; the plain classifier)."""
        p, _ = self._scores(self._rows(self._grams(text))[0])
        return self.classes[int(np.argmax(p))]

    # --- the full reading: gate, classifier, explanation ---------------------------------------
    def classify_event(self, text: str) -> EventTypePrediction:
        """Event type and sub-event type of ``text`` (see the module docstring)."""
        text = text or ""
        sentences, evidence = evidence_sentences(text)
        political, non_political = _context(text)
        if evidence < STRONG_EVIDENCE - 1e-9 and not (sentences and political):
            return NO_EVENT
        if non_political >= 2 and non_political > political:
            return EventTypePrediction(None, None, {}, {}, False, [], None,
                                       "non-political context (sports, disaster, accident, "
                                       "business)")
        found = []
        for start, end in sentences:
            found.extend((g, s + start, e + start)
                         for g, s, e in self._grams(text[start:end]))
        rows, spans = self._rows(found)
        p, values = self._scores(rows)
        sub_scores = {c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)}
        type_scores: dict[str, float] = {}
        for c, v in sub_scores.items():
            type_scores[SUB_EVENT_TYPES[c]] = round(type_scores.get(SUB_EVENT_TYPES[c], 0.0) + v,
                                                    4)
        event_type = max(type_scores, key=lambda t: (type_scores[t], t))
        if event_type in WEAPON_RULE_TYPES and _explosive_named(text, sentences[:1]):
            # ACLED's codebook: an explosive or remote weapon makes the event
            # Explosions/Remote violence, whoever the target (civilians, troops); only the
            # first evidence sentence counts: a bomb in a later one is another event
            event_type = "Explosions/Remote violence"
        sub = max((c for c in self.classes if SUB_EVENT_TYPES[c] == event_type),
                  key=lambda c: (sub_scores[c], c))
        k = self.classes.index(sub)
        contrib = (values * self.weights[rows, k]) if rows else np.zeros(0)
        order = [i for i in np.argsort(-contrib, kind="stable")
                 if contrib[i] > 0 and _explains(text[spans[i][0]:spans[i][1]])]
        evidence = sorted({(spans[i][0], spans[i][1], text[spans[i][0]:spans[i][1]])
                           for i in order[:MAX_EVIDENCE]})
        chem = CHEMICAL.search(text)
        if chem and event_type in ("Explosions/Remote violence", "Battles",
                                   "Violence against civilians"):
            event_type, sub = "Explosions/Remote violence", "Chemical weapon"
            evidence = [(chem.start(), chem.end(), chem.group())]
        sentence = _best_sentence(sentences, spans, contrib, order)
        return EventTypePrediction(event_type, sub, sub_scores, type_scores,
                                   is_violent(event_type, sub), evidence, sentence)

    # --- storage -------------------------------------------------------------------------------
    def save(self, path: Path = MODEL_FILE) -> None:
        """Compressed numpy archive; weights as float16 (what the model needs, half the size)."""
        names = sorted(self.features, key=self.features.get)
        meta = {"classes": list(self.classes), "trained_on": self.trained_on,
                "unigrams_only": self.unigrams_only}
        with open(path, "wb") as fh:
            np.savez_compressed(fh, features=np.array(names), idf=self.idf.astype(np.float16),
                                weights=self.weights.astype(np.float16),
                                bias=self.bias.astype(np.float32),
                                meta=np.array(json.dumps(meta)))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> EventTypeModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            names = [str(n) for n in data["features"]]
            return cls({n: i for i, n in enumerate(names)}, data["idf"].astype(np.float32),
                       data["weights"].astype(np.float32), data["bias"].astype(np.float32),
                       tuple(meta["classes"]), meta.get("trained_on", ""),
                       bool(meta.get("unigrams_only", False)))


def _explains(gram: str) -> bool:
    """A function word or a number alone explains nothing to a reader."""
    return not all(w.lower() in _FUNCTION_WORDS or w.isdigit() for w in gram.split())


def _explosive_named(text: str, sentences: list[tuple[int, int]]) -> bool:
    """A strong (non-weak) explosive-weapon term in the evidence sentences."""
    from etl.tagging.core.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    for start, end in sentences:
        for m in taxonomy.index.find(text[start:end]):
            for hit in m.payloads:
                cat = taxonomy.categories[hit.category]
                if cat.parent == "explosions_remote_violence" and hit.weight >= 1.0:
                    return True
    return False


def _best_sentence(sentences, spans, contrib, order) -> tuple[int, int] | None:
    weight = [0.0] * len(sentences)
    for i in order:
        for n, (start, end) in enumerate(sentences):
            if start <= spans[i][0] < end:
                weight[n] += float(contrib[i])
    return sentences[int(np.argmax(weight))] if sentences else None


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


def evidence_sentences(text: str, limit: int = MAX_SENTENCES
                       ) -> tuple[list[tuple[int, int]], float]:
    """The first ``limit`` sentences holding event-category keyword evidence or casualty words
    ("killed", "wounded"), and the event-category evidence they hold together (casualty words
    alone add nothing to it: they only count beside an armed or political actor)."""
    from etl.tagging.core.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    hits = []  # (start, event weight, casualty word?) of every keyword, in text order
    for m in taxonomy.index.find(text):
        weights = [h.weight for h in m.payloads if taxonomy.categories[h.category].event]
        casualty = any(h.category == CASUALTIES for h in m.payloads)
        if weights or casualty:
            hits.append((m.start, max(weights, default=0.0), casualty))
    out, total = [], 0.0
    if not hits:
        return out, total
    for start, end in sentence_spans(text):
        inside = [h for h in hits if start <= h[0] < end]
        if inside:
            out.append((start, end))
            total += sum(h[1] for h in inside)
            if len(out) >= limit:
                break
        if start > hits[-1][0]:
            break
    return out, total


def _context(text: str) -> tuple[int, int]:
    """(distinct political/armed words, distinct non-political context words) in ``text``."""
    words = set(_WORD.findall(text.lower()))
    return len(words & POLITICAL), len(words & NON_POLITICAL)


@lru_cache(maxsize=4)
def load_event_model(path: Path = MODEL_FILE) -> EventTypeModel | None:
    """The shipped model, or ``None`` when the file is missing."""
    return EventTypeModel.load(path) if path.exists() else None


def classify_event(text: str) -> EventTypePrediction:
    """Event type and sub-event type of ``text`` with the shipped model."""
    model = load_event_model()
    if model is None:
        raise FileNotFoundError(f"{MODEL_FILE} is missing: run `newsmon train-events`")
    return model.classify_event(text)
