"""The events section of ``newsmon eval``: ACLED event type, sub-event type and ``is_conflict``.

Data (read only, never copied): ``<corpus>/events/acled_pool.csv.gz``, split by source repository
(:data:`etl.build.event_model.HELD_OUT_SOURCES` are scored; the shipped model never saw them),
and ``<corpus>/labels/satp/train_dev.jsonl`` (South Asian incident narratives, news-like text the
event model never saw). Plus ``etl/evaluation/data/non_violent.yaml``: texts written for newsmon
that report no political violence (sports, disasters, accidents, business).

Scored, with baselines from the same pass:

- held-out ACLED notes, as ACLED wrote them and stripped of the template (news-like): event type
  accuracy, sub-event accuracy and weighted F1 of
  :func:`~etl.tagging.events.classifier.classify_event`
  (a "no event" answer counts as wrong); the majority class of the training sources; a plain
  linear model (word unigrams, raw notes, no event gate) fitted on the training sources here;
- ``is_conflict`` recall per event type on held-out notes (what share of each type is called
  political violence; only the violent types should be near 1);
- SATP: the share of single-label incidents whose predicted type agrees with the SATP label
  (armed_assault = Battles or Violence against civilians, bombing_explosion =
  Explosions/Remote violence, kidnapping = Abduction/forced disappearance) and ``is_conflict``
  recall on them;
- false-positive rate of ``is_conflict`` on the non-violent texts, per kind;
- milliseconds per text for ``classify_event``.

PART B of issue 11 (fatalities, event place, actors) adds its metrics here: see
:func:`event_record_metrics`.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from etl.build.event_model import EventRow, read_events, split_by_source, train_model
from etl.settings import PACKAGE_DIR
from etl.tagging.events.classifier import (
    SUB_EVENT_TYPES,
    VIOLENT_EVENT_TYPES,
    EventTypeModel,
    is_violent,
    load_event_model,
)

NON_VIOLENT_FILE = PACKAGE_DIR / "evaluation" / "data" / "non_violent.yaml"
SATP_TYPES = {
    "armed_assault": {"Battles", "Violence against civilians"},
    "bombing_explosion": {"Explosions/Remote violence"},
    "kidnapping": {"Violence against civilians"},
}
TARGETS = {"event_type_accuracy": 0.93, "sub_event_accuracy": 0.90,
           "violent_recall": 0.97, "non_violent_false_positive_rate": 0.05}
# the plain baseline is fitted in the eval pass: fewer features and iterations keep it quick
BASELINE_FEATURES = 20_000
BASELINE_ITER = 60


def weighted_f1(gold: Sequence[str], pred: Sequence[str | None]) -> float:
    """F1 per gold class, weighted by the class's support (scikit-learn's ``weighted``)."""
    support = Counter(gold)
    tp: Counter = Counter()
    predicted: Counter = Counter()
    for g, p in zip(gold, pred, strict=True):
        if p is not None:
            predicted[p] += 1
        if g == p:
            tp[g] += 1
    total = 0.0
    for label, n in support.items():
        precision = tp[label] / predicted[label] if predicted[label] else 0.0
        recall = tp[label] / n
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total += n * f1
    return total / len(gold) if gold else 0.0


@dataclass
class Accuracy:
    """Event type accuracy, sub-event accuracy and weighted F1 of one system on one set."""

    type_accuracy: float
    sub_accuracy: float
    sub_weighted_f1: float
    n: int

    @classmethod
    def of(cls, gold: Sequence[EventRow], pred: Sequence[tuple[str | None, str | None]]
           ) -> Accuracy:
        n = len(gold)
        types = sum(g.event_type == p[0] for g, p in zip(gold, pred, strict=True))
        subs = [p[1] for p in pred]
        hits = sum(g.sub_event_type == s for g, s in zip(gold, subs, strict=True))
        return cls(types / n if n else 0.0, hits / n if n else 0.0,
                   weighted_f1([g.sub_event_type for g in gold], subs), n)


@dataclass
class EventScores:
    notes: Accuracy
    ungated: Accuracy                          # the classifier alone, every note an event
    stripped: Accuracy
    majority: Accuracy
    plain: Accuracy | None
    no_event_rate: float                       # held-out notes answered "no event"
    recall_by_type: dict[str, float]           # is_conflict share per gold event type
    violent_recall: float                      # over all violent held-out events
    satp_agreement: float
    satp_violent_recall: float
    satp_n: int
    false_positives: dict[str, float]          # is_conflict rate per non-violent kind
    false_positive_rate: float
    ms_per_text: float
    sources: list[str] = field(default_factory=list)
    # PART B (fatalities, place, actors) adds its figures here: name -> value
    records: dict[str, float] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        return {
            "event_type_accuracy": self.notes.type_accuracy,
            "sub_event_accuracy": self.notes.sub_accuracy,
            "sub_event_weighted_f1": self.notes.sub_weighted_f1,
            "violent_recall": self.violent_recall,
            "non_violent_false_positive_rate": self.false_positive_rate,
        }

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(metric, newsmon, baseline, target) rows for the printed table."""
        def f(x: float | None) -> str:
            return "" if x is None else f"{x:.3f}"

        plain = self.plain
        n = self.notes.n
        out = [
            (f"events: type accuracy, held-out notes ({n})", f(self.notes.type_accuracy),
             f"{f(self.majority.type_accuracy)} / {f(plain and plain.type_accuracy)}", ">= 0.93"),
            ("events: sub-event accuracy", f(self.notes.sub_accuracy),
             f"{f(self.majority.sub_accuracy)} / {f(plain and plain.sub_accuracy)}", ">= 0.90"),
            ("events: sub-event weighted F1", f(self.notes.sub_weighted_f1),
             f"{f(self.majority.sub_weighted_f1)} / {f(plain and plain.sub_weighted_f1)}", ""),
            ("events: classifier alone (no event gate): type / sub-event accuracy",
             f"{f(self.ungated.type_accuracy)} / {f(self.ungated.sub_accuracy)}", "", ""),
            ("events: type accuracy, notes without template", f(self.stripped.type_accuracy),
             "", ""),
            ("events: sub-event accuracy / weighted F1, without template",
             f"{f(self.stripped.sub_accuracy)} / {f(self.stripped.sub_weighted_f1)}", "", ""),
            ("events: held-out notes answered 'no event'", f(self.no_event_rate), "", ""),
            ("events: is_conflict recall, violent events", f(self.violent_recall), "",
             ">= 0.97"),
        ]
        for etype in sorted(self.recall_by_type):
            mark = "violent" if etype in VIOLENT_EVENT_TYPES else "not violent"
            out.append((f"  is_conflict share: {etype} ({mark})",
                        f(self.recall_by_type[etype]), "", ""))
        out += [
            (f"events: SATP type agreement ({self.satp_n} single-label incidents)",
             f(self.satp_agreement), "", ""),
            ("events: SATP is_conflict recall", f(self.satp_violent_recall), "", ""),
            ("events: is_conflict on non-violent texts (false positives)",
             f(self.false_positive_rate), "", "<= 0.05"),
        ]
        for kind, rate in sorted(self.false_positives.items()):
            out.append((f"  false positives: {kind}", f(rate), "", ""))
        out.append(("events: ms per text (classify_event)", f"{self.ms_per_text:.2f}", "", ""))
        for name, value in self.records.items():
            out.append((f"events: {name}", f(value), "", ""))
        return out

    def as_dict(self) -> dict:
        return {**{f"events_{k}": v for k, v in self.metrics().items()},
                "events_stripped_sub_accuracy": self.stripped.sub_accuracy,
                "events_ungated_sub_accuracy": self.ungated.sub_accuracy,
                "events_majority_sub_accuracy": self.majority.sub_accuracy,
                "events_plain_sub_accuracy": self.plain.sub_accuracy if self.plain else None,
                "events_plain_type_accuracy": self.plain.type_accuracy if self.plain else None,
                "events_is_conflict_by_type": self.recall_by_type,
                "events_satp_agreement": self.satp_agreement,
                "events_false_positives": self.false_positives,
                "events_ms_per_text": self.ms_per_text,
                "events_held_out_sources": self.sources,
                **{f"events_{k}": v for k, v in self.records.items()}}


def read_non_violent(path: Path = NON_VIOLENT_FILE) -> dict[str, list[str]]:
    with open(path, encoding="utf-8") as fh:
        return {kind: [str(t) for t in texts] for kind, texts in yaml.safe_load(fh).items()}


def _satp_rows(corpus: Path) -> list[dict]:
    path = corpus / "labels" / "satp" / "train_dev.jsonl"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if len(r["labels"]) == 1 and r["labels"][0] in SATP_TYPES]


def event_record_metrics(held_out: Sequence[EventRow], predictions: Sequence) -> dict[str, float]:
    """PART B's place: fatalities exact / within one, place within 25 km, actor1 match, ...

    Returns ``name -> value``; they are printed under the events section. Empty until the event
    records (issue 11, PART B) exist.
    """
    return {}


def eval_events(corpus: Path, model: EventTypeModel | None = None, *, limit: int | None = None,
                baseline: bool = True) -> EventScores:
    """Score event typing on held-out ACLED sources, SATP and the non-violent texts."""
    model = model or load_event_model()
    if model is None:
        raise FileNotFoundError("etl/data/event_model.npz is missing: run `newsmon train-events`")
    train, held = split_by_source(read_events(corpus))
    if limit:
        # every n-th row: all held-out sources stay represented
        step = max(1, len(held) // limit)
        held = held[::step][:limit]

    started = time.perf_counter()
    predictions = [model.classify_event(r.notes) for r in held]
    seconds = time.perf_counter() - started
    notes = Accuracy.of(held, [(p.event_type, p.sub_event_type) for p in predictions])
    subs = [model.predict(r.notes) for r in held]
    ungated = Accuracy.of(held, [(SUB_EVENT_TYPES[s], s) for s in subs])
    stripped_pred = [model.classify_event(r.text) for r in held]
    stripped = Accuracy.of(held, [(p.event_type, p.sub_event_type) for p in stripped_pred])

    majority_sub = Counter(r.sub_event_type for r in train).most_common(1)[0][0]
    majority = Accuracy.of(held, [(SUB_EVENT_TYPES[majority_sub], majority_sub)] * len(held))
    plain = None
    if baseline:
        plain_model = train_model([r.notes for r in train], [r.sub_event_type for r in train],
                                  max_features=BASELINE_FEATURES, max_iter=BASELINE_ITER,
                                  unigrams_only=True)
        subs = [plain_model.predict(r.notes) for r in held]
        plain = Accuracy.of(held, [(SUB_EVENT_TYPES[s], s) for s in subs])

    by_type: dict[str, list[bool]] = defaultdict(list)
    for r, p in zip(held, predictions, strict=True):
        by_type[r.event_type].append(p.violent)
    recall_by_type = {t: sum(v) / len(v) for t, v in by_type.items()}
    violent = [p.violent for r, p in zip(held, predictions, strict=True)
               if is_violent(r.event_type, r.sub_event_type)]

    satp = _satp_rows(corpus)
    satp_pred = [model.classify_event(r["text"]) for r in satp]
    agree = sum(p.event_type in SATP_TYPES[r["labels"][0]]
                and (r["labels"][0] != "kidnapping"
                     or p.sub_event_type == "Abduction/forced disappearance")
                for r, p in zip(satp, satp_pred, strict=True))

    false_positives = {kind: sum(model.classify_event(t).violent for t in texts) / len(texts)
                       for kind, texts in read_non_violent().items()}
    n_fp = sum(len(t) for t in read_non_violent().values())
    fp_rate = sum(rate * len(read_non_violent()[k]) for k, rate in false_positives.items()) / n_fp

    return EventScores(
        notes=notes, ungated=ungated, stripped=stripped, majority=majority, plain=plain,
        no_event_rate=sum(p.event_type is None for p in predictions) / max(1, len(held)),
        recall_by_type=recall_by_type,
        violent_recall=sum(violent) / len(violent) if violent else 0.0,
        satp_agreement=agree / len(satp) if satp else 0.0,
        satp_violent_recall=(sum(p.violent for p in satp_pred) / len(satp)) if satp else 0.0,
        satp_n=len(satp),
        false_positives=false_positives, false_positive_rate=fp_rate,
        ms_per_text=1000 * seconds / max(1, len(held)),
        sources=sorted({r.source_repo for r in held}),
        records=event_record_metrics(held, predictions),
    )
