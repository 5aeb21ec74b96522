"""The conflict tagger: categories, keywords, entities and places for one text, explained.

:class:`Tagger` loads everything once (taxonomy, actor gazetteer, place gazetteer, spaCy model)
and tags texts: ``tag(text)`` or ``tag_many(texts)`` (batched through ``nlp.pipe``). Every tag in
a :class:`TagResult` carries the character offsets of the text it came from:

- keywords: taxonomy terms found (leftmost-longest, inflected), each with its category;
- categories: evidence per category (sum of term weights; weak terms count a third), a score
  ``1 - exp(-evidence / SCALE)`` in [0, 1), sub-categories and their ACLED parents;
- entities: the model's people, organisations and locations merged with the actor gazetteer
  (a known actor's span wins and gets its canonical id, name and kind) and the place gazetteer,
  then the span and type rules of :mod:`etl.tagging.core.spans` (``names`` convention);
- places: countries, regions (admin1/admin2), towns and villages with coordinates, ISO country
  code, first-level region and a confidence, disambiguated from the text's own context
  (:mod:`etl.tagging.geo.resolve`); ``countries`` lists the text's focus countries in order;
- relevance: ``1 - exp(-(event evidence + general evidence / 2 + armed actors) / 4)``;
- event type (:mod:`etl.tagging.events.classifier`, ``tagger.event_model.classify_event(text)``):
ACLED's
  event type and sub-event type when the text reports an event. ACLED event categories are
  listed only from it (the classifier's probabilities, not every keyword hit); general conflict
  terms stay keyword categories. ``is_conflict`` is "reports political violence" (the
  prediction's ``violent``); without the classifier (``use_event_model=False``) it falls back to
  relevance >= 0.5.
- events (:mod:`etl.tagging.events.records`): ACLED-style event records, the main event first,
  typed by the tagger's own event model (none without it).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from etl.tagging.core.actors import ActorGazetteer, load_actors
from etl.tagging.core.matcher import Match
from etl.tagging.core.ner import LABELS, MODE_MODEL, LoadedModel, load_model, pipe_docs
from etl.tagging.core.spans import STYLE_NAMES, Entity, model_spans, refine
from etl.tagging.core.taxonomy import TAXONOMY_FILE, Taxonomy, TermHit, load_taxonomy
from etl.tagging.events.classifier import EventTypeModel, EventTypePrediction, load_event_model
from etl.tagging.events.records import EventRecord, build_events
from etl.tagging.geo.gazetteer import FEATURE_COUNTRY, PlaceGazetteer, PlaceMention, load_places
from etl.tagging.lang import ner as langner
from etl.tagging.lang.events import classify_in_language
from etl.tagging.lang.routing import Route, route
from etl.tagging.version import tag_version

log = logging.getLogger(__name__)

SCALE = 1.5            # evidence -> score
MIN_CATEGORY_SCORE = 0.15
REPORTED_EVENT_SCORE = 0.5  # the predicted event type and sub-event type score at least this
RELEVANCE_SCALE = 4.0
CONFLICT_THRESHOLD = 0.5
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class CategoryTag:
    id: str
    parent: str | None
    score: float
    evidence: float
    event: bool


@dataclass(frozen=True)
class Keyword:
    term: str
    category: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class PlaceTag:
    name: str
    start: int
    end: int
    text: str
    country: str
    lat: float
    lon: float
    geonameid: int
    feature: str
    admin1: str = ""
    confidence: float = 1.0
    demonym: bool = False  # the text names the people (Iraqi), the place is their country


@dataclass
class TagResult:
    relevance: float
    is_conflict: bool
    categories: list[CategoryTag] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    places: list[PlaceTag] = field(default_factory=list)
    taxonomy_version: str = ""
    mode: str = MODE_MODEL
    # ACLED event type and sub-event type (etl/tagging/events/classifier.py); None without the
    # classifier.
    # Not in as_dict (the `events` records carry it).
    event_type: EventTypePrediction | None = None
    # ACLED-style event records (etl/tagging/events/records.py), the main event first
    events: list[EventRecord] = field(default_factory=list)
    # the text's focus countries (ISO 3166-1 alpha-2), most evidence first
    countries: list[str] = field(default_factory=list)
    # the language the text was read as and how fully it is supported (etl/tagging/lang)
    language: str | None = None
    language_support: str = "full"

    def category_score(self, category_id: str) -> float:
        return next((c.score for c in self.categories if c.id == category_id), 0.0)

    def as_dict(self) -> dict:
        return {
            "relevance": self.relevance,
            "is_conflict": self.is_conflict,
            "taxonomy_version": self.taxonomy_version,
            "mode": self.mode,
            "categories": [
                {"id": c.id, "parent": c.parent, "score": c.score} for c in self.categories
            ],
            "keywords": [
                {"term": k.term, "category": k.category, "start": k.start, "end": k.end,
                 "text": k.text} for k in self.keywords
            ],
            "entities": [
                {k: v for k, v in asdict(e).items() if k != "source"} for e in self.entities
            ],
            "places": [
                {"name": p.name, "start": p.start, "end": p.end, "text": p.text,
                 "country": p.country, "lat": p.lat, "lon": p.lon, "geonameid": p.geonameid,
                 "feature": p.feature, "admin1": p.admin1, "confidence": p.confidence,
                 "demonym": p.demonym}
                for p in self.places
            ],
            "events": [e.as_dict() for e in self.events],
            "countries": list(self.countries),
            "language": self.language,
            "language_support": self.language_support,
        }


def _score(evidence: float, scale: float = SCALE) -> float:
    return round(1 - math.exp(-evidence / scale), 4)


def _shouting(text: str, start: int, end: int) -> bool:
    """True inside an all-capitals line (a headline): acronyms there are not evidence."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Tagger:
    """Loads models and gazetteers once; ``tag``/``tag_many`` are then cheap per text."""

    def __init__(self, model: str | None = None, *, use_model: bool = True,
                 taxonomy_path: Path = TAXONOMY_FILE, use_event_model: bool = True) -> None:
        self.taxonomy: Taxonomy = load_taxonomy(taxonomy_path)
        # the one handle on the event model: the record builder gets it from here
        self.event_model: EventTypeModel | None = None
        if use_event_model:
            self.event_model = load_event_model()
            if self.event_model is None:  # degrade: no event types, but tag on
                log.warning("the event model file (etl/data/event_model.npz) is missing: no "
                            "event types or records (run `newsmon train-events`)")
        self.version = tag_version(taxonomy_path, model) + ("" if use_event_model else "-noev")
        # ACLED names (sub-event and event types) -> taxonomy category ids
        self._acled_ids = {c.label: c.id for c in self.taxonomy.categories.values() if c.event}
        self.actors: ActorGazetteer = load_actors()
        self.places: PlaceGazetteer = load_places()
        if use_model:
            self.model: LoadedModel = load_model(model)
        else:
            self.model = LoadedModel(None, "", "gazetteer-only",
                                     "model disabled: gazetteer-only tagging")
        self.nlp = self.model.nlp

    @property
    def mode(self) -> str:
        return self.model.mode

    @property
    def warning(self) -> str | None:
        return self.model.warning

    # --- public API -------------------------------------------------------------------------
    def tag(self, text: str, published: datetime | date | None = None,
            language: str | None = None) -> TagResult:
        return self.tag_many([text], published=[published], languages=[language])[0]

    def tag_many(self, texts: Iterable[str], batch_size: int = 32,
                 published: Sequence[datetime | date | None] | None = None,
                 languages: Sequence[str | None] | None = None) -> list[TagResult]:
        """Tag each text; ``published`` (one per text) dates its events ("on Friday");
        ``languages`` (one per text, None: English) routes it (:mod:`etl.tagging.lang`)."""
        texts = [(t or "")[:MAX_TEXT_CHARS] for t in texts]
        return [self.tag_doc(text, doc, published[i] if published else None,
                             languages[i] if languages else None)
                for i, (text, doc) in enumerate(zip(texts, self.docs(texts, languages,
                                                                     batch_size), strict=True))]

    def prepare(self, languages: Iterable[str | None]) -> None:
        """Load the entity models these languages route to (once per process), so that a
        model's load never counts against an article's time bound (:mod:`etl.stages.tagbound`)."""
        for key in {route(lang).ner for lang in languages}:
            if key and key != "spacy-en":
                langner.load(key)

    def docs(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
             batch_size: int = 32) -> list:
        """The English model's ``Doc`` of each text routed to it (cut to MAX_TEXT_CHARS); None
        for the others and without the model (other languages' models run in :meth:`tag_doc`)."""
        texts = [(t or "")[:MAX_TEXT_CHARS] for t in texts]
        routes = [route(lang) for lang in (languages or [None] * len(texts))]
        english = [i for i, r in enumerate(routes) if r.english]
        docs: list = [None] * len(texts)
        if self.nlp is not None and english:  # only English texts pay for the English model
            for i, doc in zip(english, pipe_docs(self.nlp, [texts[i] for i in english],
                                                 batch_size=batch_size), strict=True):
                docs[i] = doc
        return docs

    def tag_doc(self, text: str, doc, published: datetime | date | None = None,
                language: str | None = None) -> TagResult:
        """Tag one text whose ``doc`` (:meth:`docs`) is made: the per-article part of
        :meth:`tag_many`, which :mod:`etl.stages.tagbound` bounds in time article by article."""
        text = (text or "")[:MAX_TEXT_CHARS]
        result = self._tag(text, doc, route=route(language))
        # skip: no event in the article, no record (and no date, fatality or sentence scan)
        result.events = (build_events(text, result, published, model=self.event_model)
                         if _may_report_events(result) else [])
        return result

    def tag_with_baseline(
        self, texts: Sequence[str], batch_size: int = 32, style: str = STYLE_NAMES
    ) -> list[tuple[TagResult, list[tuple[int, int, str]]]]:
        """Each text's result and the model's own entities (one NER pass for
        both).

        ``style`` is the entity span convention (:mod:`etl.tagging.core.spans`): the evaluation
        scores
        each labelled data set in its own annotation convention.
        """
        texts = [(t or "")[:MAX_TEXT_CHARS] for t in texts]
        docs = (pipe_docs(self.nlp, texts, batch_size=batch_size) if self.nlp
                else [None] * len(texts))
        return [(self._tag(t, d, style), self.model_entities(d))
                for t, d in zip(texts, docs, strict=True)]

    def model_entities(self, doc) -> list[tuple[int, int, str]]:
        """The model's own entities, mapped to our types (the off-the-shelf baseline)."""
        if doc is None:
            return []
        return [(e.start_char, e.end_char, LABELS[e.label_]) for e in doc.ents
                if e.label_ in LABELS]

    # --- internals --------------------------------------------------------------------------
    def _tag(self, text: str, doc, style: str = STYLE_NAMES,
             route: Route | None = None) -> TagResult:
        route = route or _ENGLISH
        keywords, evidence = self._keywords(text)
        totals = self.category_totals(evidence)
        spans = None if route.english else langner.entities(route.ner, text)
        entities, places, countries = self._entities(text, doc, style, spans, route.language)
        event_evidence = sum(
            v for c, v in evidence.items() if self.taxonomy.categories[c].event
        )
        general = sum(v for c, v in evidence.items() if not self.taxonomy.categories[c].event)
        armed = {e.id for e in entities if e.kind in _ARMED}
        relevance = _score(event_evidence + general / 2 + len(armed), RELEVANCE_SCALE)
        prediction = None
        if self.event_model is not None:
            prediction = classify_in_language(self.event_model.classify_event, text,
                                              route.language)
            is_conflict = prediction.violent
        else:
            is_conflict = relevance >= CONFLICT_THRESHOLD
        return TagResult(
            relevance=relevance,
            is_conflict=is_conflict,
            categories=self._categories(totals, self._event_scores(prediction)),
            keywords=keywords,
            entities=entities,
            places=places,
            countries=countries,
            taxonomy_version=self.version,
            mode=self.model.mode,
            event_type=prediction,
            language=route.language,
            language_support=route.support,
        )

    def event_evidence(self, text: str) -> dict[str, float]:
        """Keyword evidence per category, parents included (the event classifier's input)."""
        return self.category_totals(self._keywords(text)[1])

    def category_totals(self, evidence: dict[str, float]) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for cid, value in evidence.items():
            totals[cid] += value
            parent = self.taxonomy.categories[cid].parent
            if parent:
                totals[parent] += value
        return dict(totals)

    def _event_scores(self, prediction: EventTypePrediction | None) -> dict[str, float] | None:
        """Event category id -> the classifier's probability (None: keyword scores stand)."""
        if prediction is None:
            return None
        scores = {**prediction.event_type_scores, **prediction.sub_event_scores}
        # the event the text reports is present (above the views' 0.45 cut) even when the
        # classifier spread its probability over neighbouring sub-event types
        for name in (prediction.event_type, prediction.sub_event_type):
            if name:
                scores[name] = max(scores.get(name, 0.0), REPORTED_EVENT_SCORE)
        return {self._acled_ids[name]: p for name, p in scores.items() if name in self._acled_ids}

    def _keywords(self, text: str) -> tuple[list[Keyword], dict[str, float]]:
        keywords: list[Keyword] = []
        evidence: dict[str, float] = defaultdict(float)
        for m in self.taxonomy.index.find(text):
            best: dict[str, TermHit] = {}
            for hit in m.payloads:
                if hit.category not in best or hit.weight > best[hit.category].weight:
                    best[hit.category] = hit
            for hit in best.values():
                keywords.append(Keyword(hit.term, hit.category, m.start, m.end, m.text))
                evidence[hit.category] += hit.weight
        return keywords, evidence

    def _categories(self, totals: dict[str, float],
                    event_scores: dict[str, float] | None = None) -> list[CategoryTag]:
        """General conflict categories by keyword evidence; ACLED event categories by the
        classifier's scores when it ran (a keyword hit alone no longer lists one)."""
        tags = []
        ids = set(totals) | set(event_scores or {})
        for cid in ids:
            cat = self.taxonomy.categories[cid]
            value = totals.get(cid, 0.0)
            if cat.event and event_scores is not None:
                score = round(event_scores.get(cid, 0.0), 4)
            else:
                score = _score(value)
            if score >= MIN_CATEGORY_SCORE:
                tags.append(CategoryTag(cid, cat.parent, score, round(value, 4), cat.event))
        tags.sort(key=lambda c: (-c.score, c.id))
        return tags

    def _is_country(self, name: str) -> bool:
        return self.places.is_country_name(name)

    def _actor_matches(self, text: str) -> list[Match]:
        return [
            m for m in self.actors.index.find(text)
            if not (m.text.isupper() and _shouting(text, m.start, m.end))
        ]

    def _entities(self, text: str, doc, style: str = STYLE_NAMES,
                  language_spans: list[tuple[int, int, str]] | None = None,
                  language: str | None = None
                  ) -> tuple[list[Entity], list[PlaceTag], list[str]]:
        entities: list[Entity] = []
        for m in self._actor_matches(text):
            actor = self.actors.actors[m.payloads[0]]
            entities.append(Entity(m.text, m.start, m.end, "organization", actor.id, actor.name,
                                   actor.kind, actor.country, "gazetteer"))
        actor_spans = [(e.start, e.end) for e in entities]
        if language_spans is not None:  # another language's model (etl/tagging/lang/ner.py)
            model = language_spans
            labels = {(s, e): t for s, e, t in model}
        else:
            model = model_spans(text, self.model_entities(doc), style)
            labels = {(s, e): t for s, e, t in model} if self.nlp is not None else None
        context = {e.country for e in entities if e.country and e.country != "XX"}
        analysis = self.places.analyse(text, context_countries=context, ner_labels=labels,
                                       blocked=actor_spans, language=language)
        # a demonym (Iraqi) places its country on the map but is not a location entity
        mentions = [p for p in analysis.mentions if not p.demonym]
        place_spans = {(p.start, p.end): p for p in mentions}
        for start, end, etype in model:
            span = (start, end)
            if any(_overlaps(span, a) for a in actor_spans):
                continue
            place = place_spans.get(span)
            if place is None:
                # a country named inside a longer model span is still that country
                inner = [p for p in mentions if start <= p.start and p.end <= end]
                if etype != "location" and any(
                    p.place.feature == FEATURE_COUNTRY and (p.start, p.end) == span
                    for p in inner
                ):
                    etype = "location"
                entities.append(Entity(text[start:end], start, end, etype))
        taken = [(e.start, e.end) for e in entities]
        for p in mentions:
            span = (p.start, p.end)
            same = [i for i, e in enumerate(entities) if (e.start, e.end) == span]
            entity = _place_entity(p)
            if same:
                entities[same[0]] = entity
            elif not any(_overlaps(span, t) for t in taken):
                entities.append(entity)
        entities = refine(text, entities, style, is_country=self._is_country)
        places = [
            PlaceTag(p.place.name, p.start, p.end, p.text, p.place.country, p.place.lat,
                     p.place.lon, p.place.geonameid, p.place.feature, p.place.admin1,
                     p.confidence, p.demonym)
            for p in analysis.mentions
        ]
        return entities, places, analysis.countries


_ENGLISH = route(None)
_ARMED = frozenset({
    "jihadist_group", "rebel_group", "militia", "separatist_group", "state_forces",
    "private_military", "criminal_group",
})


def _place_entity(p: PlaceMention) -> Entity:
    # places GeoNames lacks (derived regions, ACLED's villages) have negative ids of our own
    gid = p.place.geonameid
    canonical = f"geonames:{gid}" if gid > 0 else f"place:{-gid}"
    return Entity(p.text, p.start, p.end, "location", canonical, p.place.name, p.place.feature,
                  p.place.country, "gazetteer")


def _may_report_events(result: TagResult) -> bool:
    """False when the article's event records are known to be none without building them: the
    classifier found no event in the article as a whole, and then no sentence of it reports
    one (:func:`etl.tagging.events.records._event_type`), or no category matched at all.
    Skipping saves the date, fatality and sentence scans of every article without an event."""
    whole = result.event_type
    return bool(result.categories) and (whole is None or whole.event_type is not None)
