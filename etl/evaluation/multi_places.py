"""Places in French, Spanish, Arabic, Russian and Ukrainian text (issue 18), beside today's
gazetteer (``newsmon eval``, per-language place rows).

Data (``NEWSMON_CORPUS_DIR``/multi, read only; see its README): the named-entity files, whose
``LOC`` mentions are place names (countries and other political entities included). Gold
``LOC`` mentions nested inside another ``PER``/``LOC``/``ORG`` mention are left out, as the
README says. Metrics:

- **found and placed** (the issue's "gold places found and placed"): the share of gold ``LOC``
  mentions that a ``places`` entry (which always has coordinates) overlaps;
- **precision (span)**: the share of ``places`` entries that overlap a gold ``LOC`` mention
  (an entry on a person or organisation, or on no entity, is wrong; these files label every
  place, so this is a fair reading of spurious places);
- **resolution (SlavicNER ids)**: where the gold mention has a cross-lingual id
  (``GPE-Pakistan``), the share of overlapping places whose GeoNames name or country name is
  that id's name (the Russian and Ukrainian files only; a lower bound: ids spell some names
  differently).

The baseline is the gazetteer built with today's English-only name rules
(:func:`etl.build.gazetteer.build_places` with ``multilingual=False``), run by the same
resolver on the same texts with the same model entities and actor context in the same pass.
Both are the tagger's own place step (:meth:`PlaceGazetteer.analyse` with the tagger's model
entities, actor spans and actors' countries, as ``Tagger._entities`` calls it), given the
file's language.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl.tagging.core.names import ascii_fold
from etl.tagging.core.ner import pipe_docs
from etl.tagging.core.spans import STYLE_NAMES, model_spans
from etl.tagging.core.tagger import MAX_TEXT_CHARS, Tagger
from etl.tagging.geo.gazetteer import PlaceGazetteer

# language -> files (the README's); Spanish: the development part of CoNLL-2002 only
FILES = {
    "ru": ("ru_slavicner.jsonl.gz",),
    "uk": ("uk_slavicner.jsonl.gz", "uk_ner-uk_dev.jsonl.gz"),
    "es": ("es_conll2002_testa.jsonl.gz",),
    "fr": ("fr_hipe2020_dev.jsonl.gz", "fr_letemps_dev.jsonl.gz"),
    "ar": ("ar_anercorp.jsonl.gz",),
}
TARGETS = {"ru": 0.70, "uk": 0.70, "es": 0.70, "fr": 0.70, "ar": 0.50}
NAME_TYPES = frozenset({"PER", "LOC", "ORG"})


@dataclass
class PlaceScores:
    n_gold: int = 0
    gold_found: int = 0
    n_pred: int = 0
    pred_on_gold: int = 0
    n_with_id: int = 0
    id_right: int = 0

    @property
    def found(self) -> float:
        return self.gold_found / self.n_gold if self.n_gold else 0.0

    @property
    def precision(self) -> float:
        return self.pred_on_gold / self.n_pred if self.n_pred else 0.0

    @property
    def resolution(self) -> float:
        return self.id_right / self.n_with_id if self.n_with_id else 0.0


@dataclass
class LanguageReport:
    language: str
    docs: int = 0
    new: PlaceScores = field(default_factory=PlaceScores)
    baseline: PlaceScores = field(default_factory=PlaceScores)
    places_seconds: float = 0.0
    baseline_seconds: float = 0.0

    def ms(self, seconds: float) -> float:
        return 1000 * seconds / self.docs if self.docs else 0.0


def read_docs(path: Path, limit: int | None = None) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    return docs[:limit] if limit else docs


def gold_places(doc: dict) -> list[dict]:
    """The doc's LOC mentions that lie inside no other PER/LOC/ORG mention."""
    names = [e for e in doc["entities"] if e["type"] in NAME_TYPES]
    return [e for e in names if e["type"] == "LOC" and not any(
        o is not e and o["start"] <= e["start"] and e["end"] <= o["end"]
        and (o["end"] - o["start"]) > (e["end"] - e["start"]) for o in names)]


def _id_name(xid: str | None) -> str | None:
    if not xid or "-" not in xid:
        return None
    return ascii_fold(xid.split("-", 1)[1].replace("_", " ")).lower()


def score_doc(gold: list[dict], pred: list[tuple[int, int, str, str]],
              scores: PlaceScores) -> None:
    """``pred``: (start, end, place name, country name) per places entry."""
    def touches(p, g) -> bool:
        return p[0] < g["end"] and g["start"] < p[1]

    scores.n_gold += len(gold)
    scores.gold_found += sum(any(touches(p, g) for p in pred) for g in gold)
    scores.n_pred += len(pred)
    scores.pred_on_gold += sum(any(touches(p, g) for g in gold) for p in pred)
    for g in gold:
        want = _id_name(g.get("xid"))
        over = [p for p in pred if touches(p, g)]
        if want and over:
            scores.n_with_id += 1
            scores.id_right += any(want in (ascii_fold(p[2]).lower(), ascii_fold(p[3]).lower())
                                   for p in over)


@lru_cache(maxsize=1)
def load_baseline() -> PlaceGazetteer:
    """Today's gazetteer: the English-only name rules, cached beside the real one."""
    from etl.tagging.geo.gazetteer import load_places

    return load_places(multilingual=False)


def eval_language(tagger: Tagger, baseline: PlaceGazetteer, language: str, docs: list[dict]
                  ) -> LanguageReport:
    report = LanguageReport(language, len(docs))
    texts = [d["text"][:MAX_TEXT_CHARS] for d in docs]
    nlp_docs = (pipe_docs(tagger.nlp, texts, batch_size=16) if tagger.nlp is not None
                else [None] * len(texts))
    countries = {r: tagger.places.places.name[r] for r in range(tagger.places.places.n_countries)}
    by_iso = {tagger.places.places.country[r]: name for r, name in countries.items()}
    if texts:  # one-time loads (the language's stop words) are not a per-article cost
        tagger.places.analyse(texts[0], language=language)
        baseline.analyse(texts[0], language=language)
    for doc, text, nlp_doc in zip(docs, texts, nlp_docs, strict=True):
        gold = gold_places(doc)
        model_ents = tagger.model_entities(nlp_doc)
        labels = ({(s, e): t for s, e, t in model_spans(text, model_ents, STYLE_NAMES)}
                  if tagger.nlp is not None else None)
        matches = tagger._actor_matches(text)
        actors = [tagger.actors.actors[m.payloads[0]] for m in matches]
        blocked = [(m.start, m.end) for m in matches]
        context = {a.country for a in actors if a.country and a.country != "XX"}
        started = time.perf_counter()
        new = tagger.places.analyse(text, context_countries=context, ner_labels=labels,
                                    blocked=blocked, language=language)
        report.places_seconds += time.perf_counter() - started
        started = time.perf_counter()
        old = baseline.analyse(text, context_countries=context, ner_labels=labels,
                               blocked=blocked)
        report.baseline_seconds += time.perf_counter() - started
        new_pred = [(m.start, m.end, m.place.name, by_iso.get(m.place.country, ""))
                    for m in new.mentions]
        old_pred = [(m.start, m.end, m.place.name, by_iso.get(m.place.country, ""))
                    for m in old.mentions]
        score_doc(gold, new_pred, report.new)
        score_doc(gold, old_pred, report.baseline)
    return report


def run_multi_places(tagger: Tagger, corpus: Path, limit: int | None = None,
                     languages: tuple[str, ...] = tuple(FILES)) -> list[LanguageReport]:
    """Score the places of each language's files (``limit`` documents per file)."""
    multi = corpus / "multi"
    if not multi.is_dir():
        raise FileNotFoundError(f"no multilingual corpus at {multi} (set NEWSMON_CORPUS_DIR)")
    baseline = load_baseline()
    reports = []
    for language in languages:
        docs = [d for name in FILES[language] if (multi / name).is_file()
                for d in read_docs(multi / name, limit)]
        if docs:
            reports.append(eval_language(tagger, baseline, language, docs))
    return reports


def multi_place_rows(reports: list[LanguageReport]) -> list[tuple[str, str, str, str]]:
    """(metric, newsmon, baseline, target) rows for ``newsmon eval``'s table."""
    rows = [("places by language: baseline = today's English-only gazetteer", "", "", "")] \
        if reports else []
    for r in reports:
        rows.append((f"{r.language} gold places found and placed ({r.docs} docs)",
                     f"{r.new.found:.3f}", f"{r.baseline.found:.3f}",
                     f">= {TARGETS[r.language]:.2f}"))
        rows.append((f"{r.language} places on a gold place (precision)",
                     f"{r.new.precision:.3f}", f"{r.baseline.precision:.3f}", ""))
        if r.new.n_with_id:
            rows.append((f"{r.language} places resolved as the gold id (SlavicNER)",
                         f"{r.new.resolution:.3f}", f"{r.baseline.resolution:.3f}", ""))
        rows.append((f"{r.language} ms per article (places alone)",
                     f"{r.ms(r.places_seconds):.2f}", f"{r.ms(r.baseline_seconds):.2f}", ""))
    return rows


def multi_place_dict(reports: list[LanguageReport]) -> dict:
    out = {}
    for r in reports:
        for metric in ("found", "precision", "resolution"):
            out[f"places_{r.language}_{metric}"] = getattr(r.new, metric)
            out[f"places_{r.language}_baseline_{metric}"] = getattr(r.baseline, metric)
        out[f"places_{r.language}_ms"] = r.ms(r.places_seconds)
    return out


if __name__ == "__main__":  # python -m etl.evaluation.multi_places [limit] [languages...]
    import sys

    from etl.settings import corpus_dir

    limit = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "0" else None
    langs = tuple(sys.argv[2:]) or tuple(FILES)
    for row in multi_place_rows(run_multi_places(Tagger(), corpus_dir(), limit, langs)):
        print(f"{row[0]:<62} {row[1]:>8} {row[2]:>8} {row[3]:>9}")
