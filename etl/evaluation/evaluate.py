"""``newsmon eval``: score the tagger on the labelled corpus, against the plain model.

Data (``NEWSMON_CORPUS_DIR``, default ``../shared/corpus`` beside the checkout; see
:func:`etl.settings.corpus_dir`), read only, never copied into the repository:

- ``labels/re3d/dev.jsonl``: Person / Organisation (armed groups included) / Location spans;
- ``labels/conllpp/test_docs.jsonl``: PER / ORG / LOC spans (MISC is not scored);
- ``labels/satp/train_dev.jsonl``: multi-label events. armed_assault = battles or attack on
  civilians, bombing_explosion = explosions/remote violence, kidnapping = abduction,
  other = none of these. Predicted from the ACLED event type prediction (the type and sub-event
  scores, :func:`satp_predict`); the event model never saw SATP. Only the ``dev`` split (232
  texts) is scored, as before;
- ``events/``: ACLED event typing and ``is_conflict`` on held-out sources
  (:mod:`etl.evaluation.events`, printed as the "events:" rows).

Entities are scored per span: exact (same start, end and type) and overlap (a prediction counts
when it overlaps a gold span of the same type, and the other way round for recall). The baseline
is the spaCy model's own entities from the same pass; for SATP, three plain regular expressions.

The two entity data sets follow contradicting span conventions (``etl/tagging/core/spans.py``): re3d
annotates full mentions ("the United Nations", "the city of Mosul", "Defense Secretary Ash
Carter", pronouns such as "we" and "he", group nominals such as "Iraqi security forces"),
CoNLL++ the names alone ("United Nations"). Each is scored in its own convention; re3d is also
reported in the ``names`` convention, which is what ``newsmon tag`` outputs.

Geoparsing (``geo/``: LGL and GeoWebNews) is scored by :mod:`etl.evaluation.geo`, beside the
place resolver as it was before issue 12; places in French, Spanish, Arabic, Russian and
Ukrainian (``multi/``) by :mod:`etl.evaluation.multi_places`, beside today's English-only
gazetteer.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from etl.evaluation.event_records import EventRecordScores, eval_event_records
from etl.evaluation.events import EventScores, eval_events
from etl.evaluation.geo import GeoCorpusReport, geo_dict, geo_rows, run_geo_eval
from etl.evaluation.multi_places import (
    LanguageReport,
    multi_place_dict,
    multi_place_rows,
    run_multi_places,
)
from etl.settings import PACKAGE_DIR, corpus_dir  # noqa: F401 - corpus_dir re-exported
from etl.tagging.core.spans import STYLE_MENTIONS, STYLE_NAMES
from etl.tagging.core.tagger import Tagger, TagResult

RE3D_TYPES = {"Person": "person", "Organisation": "organization", "Location": "location"}
CONLL_TYPES = {"PER": "person", "ORG": "organization", "LOC": "location"}
SATP_LABELS = ("armed_assault", "bombing_explosion", "kidnapping", "other")
SATP_REGEXES = {
    "armed_assault": re.compile(r"\b(attack|fire|firing|shot|clash)", re.I),
    "bombing_explosion": re.compile(r"\b(bomb|blast|explo|IED)", re.I),
    "kidnapping": re.compile(r"\b(kidnap|abduct)", re.I),
}
# Span conventions (etl/tagging/core/spans.py): re3d annotates full mentions (determiners, titles,
# place
# descriptors, pronouns, group nominals), CoNLL the names alone; each is scored in its own.
RE3D_STYLE = STYLE_MENTIONS
# an SATP label is predicted from this share of the event type scores, or from keyword evidence
# scoring this much for its categories (both chosen on SATP's train split)
SATP_TYPE_SHARE = 0.4
SATP_KEYWORD_SCORE = 0.45
SATP_KEYWORD_CATEGORIES = {"armed_assault": ("battles", "attack_on_civilians"),
                           "bombing_explosion": ("explosions_remote_violence",),
                           "kidnapping": ("abduction",)}
SATP_SPLIT = "dev"  # the train split is what the event classifier is fitted on
TARGETS = {"re3d_exact_f1": 0.55, "conll_exact_f1": 0.70, "satp_macro_f1": 0.85}

Span = tuple[int, int, str]


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class PRF:
    tp_p: int = 0   # predictions that count as correct
    n_pred: int = 0
    tp_g: int = 0   # gold items found
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_p / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_g / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_spans(gold: Iterable[Span], pred: Iterable[Span], exact: PRF, overlap: PRF) -> None:
    gold, pred = set(gold), set(pred)
    hits = len(gold & pred)
    exact.tp_p += hits
    exact.tp_g += hits
    exact.n_pred += len(pred)
    exact.n_gold += len(gold)

    def touches(a: Span, b: Span) -> bool:
        return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]

    overlap.tp_p += sum(any(touches(p, g) for g in gold) for p in pred)
    overlap.tp_g += sum(any(touches(g, p) for p in pred) for g in gold)
    overlap.n_pred += len(pred)
    overlap.n_gold += len(gold)


@dataclass
class EntityScores:
    exact: PRF = field(default_factory=PRF)
    overlap: PRF = field(default_factory=PRF)
    base_exact: PRF = field(default_factory=PRF)
    base_overlap: PRF = field(default_factory=PRF)
    by_type: dict[str, PRF] = field(default_factory=dict)
    docs: int = 0
    seconds: float = 0.0
    style: str = STYLE_NAMES
    names_exact: PRF | None = None  # the same texts in the ``names`` convention (for re3d)


def predicted_spans(result: TagResult) -> set[Span]:
    return {(e.start, e.end, e.type) for e in result.entities}


def eval_entities(tagger: Tagger, docs: list[dict], types: dict[str, str],
                  style: str = STYLE_NAMES) -> EntityScores:
    """Score the tagger's entities in the data set's span convention ``style``."""
    scores = EntityScores(docs=len(docs), style=style)
    texts = [d["text"] for d in docs]
    started = time.perf_counter()
    results = tagger.tag_with_baseline(texts, style=style)
    scores.seconds = time.perf_counter() - started
    if style != STYLE_NAMES:
        scores.names_exact = PRF()
        for doc, (result, _) in zip(docs, tagger.tag_with_baseline(texts), strict=True):
            gold = {(e["start"], e["end"], types[e["type"]]) for e in doc["entities"]
                    if e["type"] in types}
            score_spans(gold, predicted_spans(result), scores.names_exact, PRF())
    for doc, (result, baseline) in zip(docs, results, strict=True):
        gold = {(e["start"], e["end"], types[e["type"]]) for e in doc["entities"]
                if e["type"] in types}
        pred = predicted_spans(result)
        score_spans(gold, pred, scores.exact, scores.overlap)
        score_spans(gold, set(baseline), scores.base_exact, scores.base_overlap)
        for etype in set(types.values()):
            prf = scores.by_type.setdefault(etype, PRF())
            score_spans({g for g in gold if g[2] == etype}, {p for p in pred if p[2] == etype},
                        prf, PRF())
    return scores


def satp_predict(result: TagResult, evidence: dict[str, float] | None = None,
                 threshold: float = SATP_TYPE_SHARE) -> set[str]:
    """SATP labels from the event type prediction (every kind with at least ``threshold`` of
    the probability: SATP codes several per incident; "other" for no event or a non-violent
    type) and from strong keyword evidence (``evidence``: category -> keyword evidence, as
    :meth:`Tagger.event_evidence` gives it) for the kinds the narrative also mentions."""
    labels = {label for label, categories in SATP_KEYWORD_CATEGORIES.items()
              if any(1 - math.exp(-(evidence or {}).get(c, 0.0) / 1.5) >= SATP_KEYWORD_SCORE
                     for c in categories)}
    event = result.event_type
    if event is None or event.event_type is None:
        return labels or {"other"}
    types, subs = event.event_type_scores, event.sub_event_scores
    abduction = subs.get("Abduction/forced disappearance", 0.0)
    scores = {
        "armed_assault": types.get("Battles", 0.0)
        + types.get("Violence against civilians", 0.0) - abduction,
        "bombing_explosion": types.get("Explosions/Remote violence", 0.0),
        "kidnapping": abduction,
    }
    labels |= {label for label, p in scores.items() if p >= threshold}
    labels.add(_SATP_OF_TYPE.get(event.sub_event_type or "", _SATP_OF_TYPE.get(
        event.event_type, "other")))
    return labels


_SATP_OF_TYPE = {"Battles": "armed_assault", "Violence against civilians": "armed_assault",
                 "Explosions/Remote violence": "bombing_explosion",
                 "Abduction/forced disappearance": "kidnapping"}


def satp_regex(text: str) -> set[str]:
    return {label for label, rx in SATP_REGEXES.items() if rx.search(text)} or {"other"}


def macro_f1(gold: list[set[str]], pred: list[set[str]]) -> tuple[float, dict[str, PRF]]:
    per = {}
    for label in SATP_LABELS:
        prf = PRF()
        for g, p in zip(gold, pred, strict=True):
            hit = label in g and label in p
            prf.tp_p += hit
            prf.tp_g += hit
            prf.n_pred += label in p
            prf.n_gold += label in g
        per[label] = prf
    return sum(p.f1 for p in per.values()) / len(per), per


@dataclass
class SatpScores:
    macro_f1: float
    baseline_macro_f1: float
    per_label: dict[str, PRF]
    docs: int
    seconds: float


def eval_satp(tagger: Tagger, rows: list[dict]) -> SatpScores:
    started = time.perf_counter()
    results = tagger.tag_many([r["text"] for r in rows])
    seconds = time.perf_counter() - started
    gold = [set(r["labels"]) for r in rows]
    f1, per = macro_f1(gold, [satp_predict(res, tagger.event_evidence(r["text"]))
                              for r, res in zip(rows, results, strict=True)])
    base, _ = macro_f1(gold, [satp_regex(r["text"]) for r in rows])
    return SatpScores(f1, base, per, len(rows), seconds)


@dataclass
class EvalReport:
    re3d: EntityScores
    conll: EntityScores
    satp: SatpScores
    mode: str
    model: str
    event_records: EventRecordScores | None = None  # None without the events corpus
    geo: list[GeoCorpusReport] = field(default_factory=list)  # LGL, GeoWebNews (geo.py)
    events: EventScores | None = None  # etl/evaluation/events.py (None: no events/ data)
    # places per language (etl/evaluation/multi_places.py; empty: no multi/ data)
    multi_places: list[LanguageReport] = field(default_factory=list)

    @property
    def ms_per_article(self) -> float:
        n = self.re3d.docs + self.conll.docs + self.satp.docs
        return 1000 * (self.re3d.seconds + self.conll.seconds + self.satp.seconds) / n

    def metrics(self) -> dict[str, float]:
        return {
            "re3d_exact_f1": self.re3d.exact.f1,
            "re3d_overlap_f1": self.re3d.overlap.f1,
            "conll_exact_f1": self.conll.exact.f1,
            "conll_overlap_f1": self.conll.overlap.f1,
            "satp_macro_f1": self.satp.macro_f1,
        }

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(metric, newsmon, baseline, target) rows for the printed table."""
        def f(x: float) -> str:
            return f"{x:.3f}"

        return [
            ("re3d dev exact F1 (mentions convention)", f(self.re3d.exact.f1),
             f(self.re3d.base_exact.f1), ">= 0.55"),
            ("re3d dev overlap F1", f(self.re3d.overlap.f1), f(self.re3d.base_overlap.f1), ""),
            ("re3d dev exact F1, names convention",
             f(self.re3d.names_exact.f1) if self.re3d.names_exact else "",
             f(self.re3d.base_exact.f1), ""),
            ("CoNLL++ exact F1 (names convention)", f(self.conll.exact.f1),
             f(self.conll.base_exact.f1), ">= 0.70"),
            ("CoNLL++ overlap F1", f(self.conll.overlap.f1), f(self.conll.base_overlap.f1), ""),
            ("SATP dev macro-F1 (4 labels)", f(self.satp.macro_f1),
             f(self.satp.baseline_macro_f1), ">= 0.85"),
            ("ms per article (tagging)", f"{self.ms_per_article:.1f}", "", ""),
            *geo_rows(self.geo),
            *multi_place_rows(self.multi_places),
        ] + (self.events.rows() if self.events else []) + (
            self.event_records.rows() if self.event_records else [])

    def as_dict(self) -> dict:
        return {"mode": self.mode, "model": self.model, "ms_per_article": self.ms_per_article,
                **self.metrics(),
                "re3d_baseline_exact_f1": self.re3d.base_exact.f1,
                "conll_baseline_exact_f1": self.conll.base_exact.f1,
                "satp_baseline_macro_f1": self.satp.baseline_macro_f1,
                "satp_per_label_f1": {k: v.f1 for k, v in self.satp.per_label.items()},
                **({"event_records": self.event_records.metrics(),
                    "event_records_baseline": self.event_records.baselines()}
                   if self.event_records else {}),
                **(self.events.as_dict() if self.events else {}),
                **geo_dict(self.geo), **multi_place_dict(self.multi_places)}


def run_eval(tagger: Tagger | None = None, corpus: Path | None = None,
             satp_limit: int | None = None, events_limit: int | None = None,
             events: bool = True, geo: bool = True) -> EvalReport:
    """Every score of ``newsmon eval``; ``geo=False`` leaves out geoparsing and
    ``events=False`` the event sections (minutes each)."""
    corpus = corpus or corpus_dir()
    labels = corpus / "labels"
    if not labels.is_dir():
        raise FileNotFoundError(f"no labelled corpus at {labels} (set NEWSMON_CORPUS_DIR)")
    tagger = tagger or Tagger()
    re3d = eval_entities(tagger, _read_jsonl(labels / "re3d" / "dev.jsonl"), RE3D_TYPES,
                         RE3D_STYLE)
    conll = eval_entities(tagger, _read_jsonl(labels / "conllpp" / "test_docs.jsonl"),
                          CONLL_TYPES)
    rows = [r for r in _read_jsonl(labels / "satp" / "train_dev.jsonl")
            if r.get("split") == SATP_SPLIT]
    satp = eval_satp(tagger, rows[:satp_limit] if satp_limit else rows)
    scores = records = None
    if events and (corpus / "events").is_dir():
        if tagger.event_model is not None:
            scores = eval_events(corpus, tagger.event_model, limit=events_limit)
        records = eval_event_records(tagger, corpus)
    places = run_geo_eval(tagger, corpus) if geo and (corpus / "geo").is_dir() else []
    multi = run_multi_places(tagger, corpus) if geo and (corpus / "multi").is_dir() else []
    return EvalReport(re3d, conll, satp, tagger.mode, tagger.model.name,
                      event_records=records, geo=places, events=scores, multi_places=multi)
