"""The events section of ``newsmon eval``: event/no-event, ACLED event type and sub-event type.

Data (read only, never copied):

- ``<corpus>/events/acled_pool.csv.gz`` through :mod:`etl.build.acled_pool` (the one reader and
  the one split by source: :data:`~etl.build.acled_pool.HELD_OUT_SOURCES` are scored, the
  shipped model never saw them);
- ``<corpus>/events/case2021_dev.tsv``: CASE 2021 news snippets with ACLED sub-event types (and
  five types outside ACLED's taxonomy, which must give no event). Development only: no shipped
  weight is fitted on it;
- ``<corpus>/labels/satp/train_dev.jsonl`` (South Asian incident narratives, news-like);
- ``etl/evaluation/data/non_violent.yaml``: texts written for newsmon that report no political
  violence (sports, disasters, accidents, business).

Two systems are scored in the same pass:

- **newsmon**: :meth:`~etl.tagging.events.classifier.EventTypeModel.classify_event` as shipped
  (the learned event/no-event decision, then the type; a "no event" answer on an ACLED note
  counts as wrong);
- **baseline**: a plain scikit-learn TF-IDF (word 1-2-grams + character 2-5-grams) + LinearSVC
  with default settings, fitted here on the raw notes of the training sources, no event
  decision (every text is an event of its most likely sub-event type).

Measured: type accuracy and sub-event accuracy on held-out notes (as written, and stripped of
ACLED's template), ``is_conflict`` recall on violent held-out events, the share of disaster and
accident news called conflict (CASE's MAN_MADE_DISASTER / NATURAL_DISASTER snippets and the
disaster and accident texts of ``non_violent.yaml``), CASE weighted F1 over ACLED's sub-event
types, SATP type agreement, false positives per non-violent kind, ms per text.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from etl.build.acled_pool import EventRow, read_events, split_by_source
from etl.settings import PACKAGE_DIR
from etl.tagging.events.classifier import (
    SUB_EVENT_TYPES,
    VIOLENT_EVENT_TYPES,
    EventTypeModel,
    is_violent,
    load_event_model,
)

NON_VIOLENT_FILE = PACKAGE_DIR / "evaluation" / "data" / "non_violent.yaml"
CASE_FILE = Path("events") / "case2021_dev.tsv"
# CASE 2021 task 2 codes -> ACLED's sub-event types (the task's README); others: no ACLED event
CASE_TYPES = {
    "ARMED_CLASH": "Armed clash", "GOV_REGAINS_TERIT": "Government regains territory",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "CHEM_WEAP": "Chemical weapon", "AIR_STRIKE": "Air/drone strike",
    "SUIC_BOMB": "Suicide bomb", "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "REM_EXPLOS": "Remote explosive/landmine/IED", "GRENADE": "Grenade",
    "SEX_VIOL": "Sexual violence", "ATTACK": "Attack",
    "ABDUCT_DISSAP": "Abduction/forced disappearance", "PEACE_PROTEST": "Peaceful protest",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "VIOL_DEMONSTR": "Violent demonstration", "MOB_VIOL": "Mob violence",
    "AGREEMENT": "Agreement", "ARREST": "Arrests",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "DISR_WEAP": "Disrupted weapons use", "HQ_ESTABLISHED": "Headquarters or base established",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory", "OTHER": "Other",
}
CASE_DISASTERS = ("MAN_MADE_DISASTER", "NATURAL_DISASTER")
DISASTER_KINDS = ("disasters", "accidents")
SATP_TYPES = {
    "armed_assault": {"Battles", "Violence against civilians"},
    "bombing_explosion": {"Explosions/Remote violence"},
    "kidnapping": {"Violence against civilians"},
}
TARGETS = {"event_type_accuracy": 0.93, "sub_event_accuracy": 0.90, "violent_recall": 0.97,
           "disaster_false_conflict_rate": 0.05, "case_weighted_f1": 0.75}
# (event type, sub-event type, is_conflict); (None, None, False): no event
Prediction = tuple[str | None, str | None, bool]


def weighted_f1(gold: Sequence[str | None], pred: Sequence[str | None],
                labels: Sequence[str] | None = None) -> float:
    """F1 per gold class, weighted by the class's support (scikit-learn's ``weighted``), over
    ``labels`` (default: every gold class); a prediction of another class is a false positive
    of that class, ``None`` (no event) is nobody's."""
    support = Counter(g for g in gold if g is not None and (labels is None or g in labels))
    tp: Counter = Counter()
    predicted: Counter = Counter()
    for g, p in zip(gold, pred, strict=True):
        if p is not None:
            predicted[p] += 1
        if g == p and g is not None:
            tp[g] += 1
    total = 0.0
    for label, n in support.items():
        precision = tp[label] / predicted[label] if predicted[label] else 0.0
        recall = tp[label] / n
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total += n * f1
    n_all = sum(support.values())
    return total / n_all if n_all else 0.0


@dataclass
class Accuracy:
    """Event type accuracy, sub-event accuracy and weighted F1 of one system on one set."""

    type_accuracy: float
    sub_accuracy: float
    sub_weighted_f1: float
    n: int

    @classmethod
    def of(cls, gold: Sequence[EventRow], pred: Sequence[Prediction]) -> Accuracy:
        n = len(gold)
        types = sum(g.event_type == p[0] for g, p in zip(gold, pred, strict=True))
        subs = [p[1] for p in pred]
        hits = sum(g.sub_event_type == s for g, s in zip(gold, subs, strict=True))
        return cls(types / n if n else 0.0, hits / n if n else 0.0,
                   weighted_f1([g.sub_event_type for g in gold], subs), n)


@dataclass
class SystemScores:
    """Every figure of one system (newsmon or the baseline) from the same pass."""

    notes: Accuracy                            # held-out notes as ACLED wrote them
    stripped: Accuracy                         # the same notes without the template
    violent_recall: float                      # is_conflict on violent held-out events
    disaster_rate: float                       # disaster/accident news called conflict
    case_f1: float                             # CASE snippets, weighted F1 (ACLED sub-types)
    case_no_event_f1: float = 0.0              # CASE: snippets outside ACLED answered no event
    satp_agreement: float = 0.0
    false_positives: dict[str, float] = field(default_factory=dict)
    no_event_rate: float = 0.0                 # held-out notes answered "no event"
    recall_by_type: dict[str, float] = field(default_factory=dict)
    ms_per_text: float = 0.0

    def metrics(self) -> dict[str, float]:
        return {"event_type_accuracy": self.notes.type_accuracy,
                "sub_event_accuracy": self.notes.sub_accuracy,
                "sub_event_weighted_f1": self.notes.sub_weighted_f1,
                "stripped_type_accuracy": self.stripped.type_accuracy,
                "stripped_sub_event_accuracy": self.stripped.sub_accuracy,
                "violent_recall": self.violent_recall,
                "disaster_false_conflict_rate": self.disaster_rate,
                "case_weighted_f1": self.case_f1,
                "satp_agreement": self.satp_agreement}


@dataclass
class EventScores:
    newsmon: SystemScores
    baseline: SystemScores | None
    majority: Accuracy
    satp_n: int
    case_n: int
    disaster_n: int
    sources: list[str] = field(default_factory=list)

    # kept for callers of the old shape
    @property
    def notes(self) -> Accuracy:
        return self.newsmon.notes

    def metrics(self) -> dict[str, float]:
        return self.newsmon.metrics()

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(metric, newsmon, baseline, target) rows for the printed table."""
        def f(x: float | None) -> str:
            return "" if x is None else f"{x:.3f}"

        m, b = self.newsmon, self.baseline
        bm = b.metrics() if b else {}
        n = m.notes.n
        out = [
            (f"events: type accuracy, held-out notes ({n})", f(m.notes.type_accuracy),
             f(bm.get("event_type_accuracy")), ">= 0.93"),
            ("events: sub-event accuracy", f(m.notes.sub_accuracy),
             f(bm.get("sub_event_accuracy")), ">= 0.90"),
            ("events: sub-event weighted F1", f(m.notes.sub_weighted_f1),
             f(b and b.notes.sub_weighted_f1), ""),
            ("events: type / sub-event accuracy, notes without template",
             f"{f(m.stripped.type_accuracy)} / {f(m.stripped.sub_accuracy)}",
             f"{f(b and b.stripped.type_accuracy)} / {f(b and b.stripped.sub_accuracy)}", ""),
            ("events: majority class: type / sub-event accuracy",
             f"{f(self.majority.type_accuracy)} / {f(self.majority.sub_accuracy)}", "", ""),
            ("events: held-out notes answered 'no event'", f(m.no_event_rate), "", ""),
            ("events: is_conflict recall, violent events", f(m.violent_recall),
             f(bm.get("violent_recall")), ">= 0.97"),
        ]
        for etype in sorted(m.recall_by_type):
            mark = "violent" if etype in VIOLENT_EVENT_TYPES else "not violent"
            out.append((f"  is_conflict share: {etype} ({mark})",
                        f(m.recall_by_type[etype]),
                        f(b.recall_by_type.get(etype)) if b else "", ""))
        out += [
            (f"events: disaster/accident news called conflict ({self.disaster_n})",
             f(m.disaster_rate), f(bm.get("disaster_false_conflict_rate")), "<= 0.05"),
            (f"events: CASE 2021 dev snippets, weighted F1 ({self.case_n})", f(m.case_f1),
             f(bm.get("case_weighted_f1")), ">= 0.75"),
            ("events: CASE snippets outside ACLED answered 'no event'", f(m.case_no_event_f1),
             f(b and b.case_no_event_f1), ""),
            (f"events: SATP type agreement ({self.satp_n} single-label incidents)",
             f(m.satp_agreement), f(bm.get("satp_agreement")), ""),
        ]
        for kind, rate in sorted(m.false_positives.items()):
            out.append((f"  is_conflict on non-violent texts: {kind}", f(rate),
                        f(b.false_positives.get(kind)) if b else "", ""))
        out.append(("events: ms per text (classify_event)", f"{m.ms_per_text:.2f}",
                    f"{b.ms_per_text:.2f}" if b else "", ""))
        return out

    def as_dict(self) -> dict:
        out = {f"events_{k}": v for k, v in self.newsmon.metrics().items()}
        if self.baseline:
            out.update({f"events_baseline_{k}": v for k, v in self.baseline.metrics().items()})
        out.update({"events_is_conflict_by_type": self.newsmon.recall_by_type,
                    "events_false_positives": self.newsmon.false_positives,
                    "events_no_event_rate": self.newsmon.no_event_rate,
                    "events_ms_per_text": self.newsmon.ms_per_text,
                    "events_majority_sub_accuracy": self.majority.sub_accuracy,
                    "events_held_out_sources": self.sources})
        return out


def read_non_violent(path: Path = NON_VIOLENT_FILE) -> dict[str, list[str]]:
    with open(path, encoding="utf-8") as fh:
        return {kind: [str(t) for t in texts] for kind, texts in yaml.safe_load(fh).items()}


def read_case(corpus: Path) -> list[tuple[str, str]]:
    """(snippet, CASE code) of the CASE 2021 development half; [] when absent."""
    path = corpus / CASE_FILE
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [(r["EventSnippet"], r["SubType"])
                for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def _satp_rows(corpus: Path) -> list[dict]:
    path = corpus / "labels" / "satp" / "train_dev.jsonl"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if len(r["labels"]) == 1 and r["labels"][0] in SATP_TYPES]


class PlainBaseline:
    """TF-IDF (word 1-2-grams + character 2-5-grams) + LinearSVC, scikit-learn defaults."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union
        from sklearn.svm import LinearSVC

        self.pipe = make_pipeline(
            make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                       min_df=2)),
            LinearSVC(random_state=0)).fit(list(texts), list(labels))

    def __call__(self, texts: Sequence[str]) -> list[Prediction]:
        subs = self.pipe.predict(list(texts)) if texts else []
        return [(SUB_EVENT_TYPES[s], str(s), is_violent(SUB_EVENT_TYPES[s], str(s)))
                for s in subs]


def _score(predict, held: Sequence[EventRow], case: Sequence[tuple[str, str]],
           disasters: Sequence[str], satp: Sequence[dict],
           non_violent: dict[str, list[str]]) -> SystemScores:
    """Every figure of one system; ``predict(texts) -> [(type, sub)]``."""
    started = time.perf_counter()
    pred = predict([r.notes for r in held])
    seconds = time.perf_counter() - started
    stripped = predict([r.text for r in held])
    violent_of = [p[2] for p in pred]
    by_type: dict[str, list[bool]] = defaultdict(list)
    for r, v in zip(held, violent_of, strict=True):
        by_type[r.event_type].append(v)
    violent = [v for r, v in zip(held, violent_of, strict=True)
               if is_violent(r.event_type, r.sub_event_type)]
    case_pred = predict([t for t, _ in case])
    case_gold = [CASE_TYPES.get(code) for _, code in case]
    acled = list(dict.fromkeys(g for g in case_gold if g))
    outside = [p[1] is None for p, g in zip(case_pred, case_gold, strict=True) if g is None]
    disaster_pred = predict(list(disasters))
    satp_pred = predict([r["text"] for r in satp])
    agree = sum(p[0] in SATP_TYPES[r["labels"][0]]
                and (r["labels"][0] != "kidnapping" or p[1] == "Abduction/forced disappearance")
                for r, p in zip(satp, satp_pred, strict=True))
    fps = {kind: sum(p[2] for p in predict(texts)) / len(texts)
           for kind, texts in non_violent.items() if texts}
    return SystemScores(
        notes=Accuracy.of(held, pred), stripped=Accuracy.of(held, stripped),
        violent_recall=sum(violent) / len(violent) if violent else 0.0,
        disaster_rate=(sum(p[2] for p in disaster_pred) / len(disaster_pred)
                       if disaster_pred else 0.0),
        case_f1=weighted_f1(case_gold, [p[1] for p in case_pred], acled),
        case_no_event_f1=sum(outside) / len(outside) if outside else 0.0,
        satp_agreement=agree / len(satp) if satp else 0.0,
        false_positives=fps,
        no_event_rate=sum(p[1] is None for p in pred) / max(1, len(pred)),
        recall_by_type={t: sum(v) / len(v) for t, v in by_type.items()},
        ms_per_text=1000 * seconds / max(1, len(held)))


def product_predictor(model: EventTypeModel):
    """``predict(texts)`` of the product path (event decision, then type), in batches."""
    def predict(texts: Sequence[str]) -> list[Prediction]:
        out: list[Prediction] = []
        for i in range(0, len(texts), 256):
            out += [(p.event_type, p.sub_event_type, p.violent)
                    for p in model.classify_many(texts[i:i + 256])]
        return out
    return predict


def eval_events(corpus: Path, model: EventTypeModel | None = None, *, limit: int | None = None,
                baseline: bool = True) -> EventScores:
    """Score the event decision and typing, newsmon beside the plain baseline (same pass)."""
    model = model or load_event_model()
    if model is None:
        raise FileNotFoundError("etl/data/event_model.npz is missing: run `newsmon train-events`")
    train, held = split_by_source(read_events(corpus))
    if limit:
        # every n-th row: all held-out sources stay represented
        step = max(1, len(held) // limit)
        held = held[::step][:limit]
    case = read_case(corpus)
    non_violent = read_non_violent()
    disasters = [t for t, code in case if code in CASE_DISASTERS]
    disasters += [t for kind in DISASTER_KINDS for t in non_violent.get(kind, [])]
    satp = _satp_rows(corpus)
    args = (held, case, disasters, satp, non_violent)
    newsmon = _score(product_predictor(model), *args)
    plain = None
    if baseline:
        plain = _score(PlainBaseline([r.notes for r in train],
                                     [r.sub_event_type for r in train]), *args)
    majority_sub = Counter(r.sub_event_type for r in train).most_common(1)[0][0]
    majority = Accuracy.of(held, [(SUB_EVENT_TYPES[majority_sub], majority_sub, False)]
                           * len(held))
    return EventScores(newsmon, plain, majority, len(satp), len(case), len(disasters),
                       sorted({r.source_repo for r in held}))
