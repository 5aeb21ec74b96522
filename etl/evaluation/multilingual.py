"""Per-language figures for ``newsmon eval``: entities and protest sentences, beside today's tagger.

Data: ``<corpus>/multi`` (see its README; development data, never shipped). In one pass each
text is tagged twice: routed by its language (:mod:`etl.tagging.lang`) and as every text was
tagged before issue 18 (the English path, ``language=None``: the baseline).

- entities: micro precision / recall / F1 over PER, LOC and ORG, exact spans, the README's
  rules (gold names nested in another are left out; a prediction on the exact span of a gold name
  of another class, MISC, PRO, ..., is not counted wrong);
- protest sentences: recall = label-1 sentences given a Protests or Riots event record; false
  positives = label-0 sentences given any event record.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from etl.tagging.core.tagger import Tagger
from etl.tagging.lang import ner as langner

NER_FILES = {  # language -> files scored together
    "ru": ["ru_slavicner.jsonl.gz"],
    "uk": ["uk_slavicner.jsonl.gz", "uk_ner-uk_dev.jsonl.gz"],
    "es": ["es_conll2002_testa.jsonl.gz"],
    "fr": ["fr_hipe2020_dev.jsonl.gz", "fr_letemps_dev.jsonl.gz"],
    "ar": ["ar_anercorp.jsonl.gz"],
}
PROTEST_FILES = {"es": "es_case2021_protest.jsonl.gz", "pt": "pt_case2021_protest.jsonl.gz"}
TARGETS = {"ru": 70, "uk": 60, "es": 60, "fr": 50, "ar": 40}
KEEP = {"PER", "LOC", "ORG"}
TYPES = {"person": "PER", "location": "LOC", "organization": "ORG"}
PROTEST_TYPES = {"Protests", "Riots"}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def f1(self) -> float:
        return round(100 * 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn), 1)

    @property
    def precision(self) -> float:
        return round(100 * self.tp / max(1, self.tp + self.fp), 1)

    @property
    def recall(self) -> float:
        return round(100 * self.tp / max(1, self.tp + self.fn), 1)


@dataclass
class LanguageRow:
    language: str
    metric: str
    newsmon: float
    baseline: float
    target: str
    detail: str = ""


def read(path: Path, limit: int | None = None) -> list[dict]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line))
            if limit and len(out) >= limit:
                break
    return out


def gold(record: dict) -> tuple[set[tuple[int, int, str]], set[tuple[int, int]]]:
    """(scored gold names, spans of gold names of other classes)."""
    names = [e for e in record["entities"] if e["type"] in KEEP]
    spans = [(e["start"], e["end"]) for e in names]
    kept = {(e["start"], e["end"], e["type"]) for e in names
            if not any(s <= e["start"] and e["end"] <= t and (s, t) != (e["start"], e["end"])
                       for s, t in spans)}
    other = {(e["start"], e["end"]) for e in record["entities"] if e["type"] not in KEEP}
    return kept, other


def add(score: Score, predicted: set, record: dict) -> None:
    kept, other = gold(record)
    predicted = {p for p in predicted if p in kept or (p[0], p[1]) not in other}
    score.tp += len(predicted & kept)
    score.fp += len(predicted - kept)
    score.fn += len(kept - predicted)


def _entities(result) -> set[tuple[int, int, str]]:
    return {(e.start, e.end, TYPES[e.type]) for e in result.entities if e.type in TYPES}


def eval_ner(tagger: Tagger, corpus: Path, language: str, limit: int | None
             ) -> tuple[Score, Score, float, int, float]:
    """(routed score, baseline score, routed CPU seconds, characters, baseline CPU seconds)
    of one language."""
    routed, base = Score(), Score()
    seconds, chars, base_seconds = 0.0, 0, 0.0
    for name in NER_FILES[language]:
        path = corpus / "multi" / name
        if not path.exists():
            continue
        for record in read(path, limit):
            text = record["text"]
            t0 = time.process_time()
            result = tagger.tag(text, None, language)
            seconds += time.process_time() - t0
            chars += len(text)
            add(routed, _entities(result), record)
            t0 = time.process_time()
            baseline = tagger.tag(text)
            base_seconds += time.process_time() - t0
            add(base, _entities(baseline), record)
    return routed, base, seconds, chars, base_seconds


def eval_protest(tagger: Tagger, corpus: Path, language: str
                 ) -> dict[str, tuple[float, float]] | None:
    """{"newsmon"|"baseline": (recall %, false-positive rate %)} on CASE sentences."""
    path = corpus / "multi" / PROTEST_FILES[language]
    if not path.exists():
        return None
    rows = read(path)
    out = {}
    for which, lang in (("newsmon", language), ("baseline", None)):
        hit = pos = fp = neg = 0
        texts = [r["text"] for r in rows]
        results = tagger.tag_many(texts, languages=[lang] * len(texts))
        for r, res in zip(rows, results, strict=True):
            if r["label"] == 1:
                pos += 1
                hit += any(e.event_type in PROTEST_TYPES for e in res.events)
            else:
                neg += 1
                fp += bool(res.events)
        out[which] = (round(100 * hit / max(1, pos), 1), round(100 * fp / max(1, neg), 1))
    return out


def run_multilingual(tagger: Tagger | None = None, corpus: Path | None = None,
                     limit: int | None = 150) -> list[LanguageRow]:
    """Every per-language row; ``limit`` documents per NER file (None: all)."""
    from etl.settings import corpus_dir

    corpus = corpus or corpus_dir()
    if not (corpus / "multi").is_dir():
        raise FileNotFoundError(f"no multilingual corpus at {corpus / 'multi'}")
    tagger = tagger or Tagger()
    rows: list[LanguageRow] = []
    for language in NER_FILES:
        routed, base, seconds, chars, base_seconds = eval_ner(tagger, corpus, language, limit)
        ms, base_ms = (1000 * s / max(1, chars) * 3000 for s in (seconds, base_seconds))
        rows.append(LanguageRow(language, "NER F1 (PER/LOC/ORG, exact)", routed.f1, base.f1,
                                f">= {TARGETS[language]}",
                                f"P {routed.precision} R {routed.recall}; tagging CPU per "
                                f"3,000 chars {ms:.0f} ms (English path {base_ms:.0f} ms)"))
    for language in PROTEST_FILES:
        found = eval_protest(tagger, corpus, language)
        if found is None:
            continue
        rows.append(LanguageRow(language, "protest sentences found %", found["newsmon"][0],
                                found["baseline"][0], ">= 70"))
        rows.append(LanguageRow(language, "non-protest given an event %", found["newsmon"][1],
                                found["baseline"][1], "<= 10"))
    for key, (load_s, rss) in langner.LOAD_STATS.items():
        rows.append(LanguageRow(key, "model load s (+MB RSS)", load_s, 0.0, "",
                                f"+{rss} MB"))
    return rows


def as_dicts(rows: list[LanguageRow]) -> list[dict]:
    return [asdict(r) for r in rows]


def print_multilingual(corpus: Path, as_json: bool = False) -> None:
    """``newsmon eval``'s per-language table (or JSON lines with ``as_json``)."""
    from rich.console import Console
    from rich.table import Table

    rows = run_multilingual(corpus=corpus)
    if as_json:
        print(json.dumps({"multilingual": as_dicts(rows)}))
        return
    table = Table(title="newsmon eval: languages (baseline: the same texts tagged as English, "
                        "today's path)")
    for column in ("language", "metric", "newsmon", "baseline", "target", "detail"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.language, r.metric, f"{r.newsmon}", f"{r.baseline}", r.target, r.detail)
    Console().print(table)
