"""Places and actors in French, Spanish, Arabic, Russian and Ukrainian (issue 18): the matcher's
rules for attached letters, the gazetteer's names in every script, actor aliases by language,
and the per-language evaluation on the multilingual corpus (``corpus`` marker).

The texts here are written for these tests; no corpus text is copied into the repository.
"""

from __future__ import annotations

import pytest
from conftest import corpus_dir

from etl.build.place_names import country_names, index_forms, is_common_word
from etl.evaluation.multi_places import PlaceScores, gold_places, run_multi_places, score_doc
from etl.tagging.core.actors import load_actors
from etl.tagging.core.matcher import PhraseIndex
from etl.tagging.core.morph import cyrillic_forms, script_of
from etl.tagging.core.tagger import Tagger
from etl.tagging.geo.gazetteer import load_places


@pytest.fixture(scope="module")
def gazetteer():
    return load_places()


def _index(*names: str) -> PhraseIndex:
    index = PhraseIndex()
    for name in names:
        for form in index_forms(name):
            index.add(form, name, case_sensitive=True)
    return index


def _found(index: PhraseIndex, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.payloads[0]) for m in index.find(text)]


# --- the matcher: attached letters ---------------------------------------------------------------
def test_arabic_names_after_attached_proclitics():
    index = _index("الموصل", "الرقة", "حلب")
    assert _found(index, "قتل خمسة بالموصل والرقة") == [("بالموصل", "الموصل"),
                                                       ("والرقة", "الرقة")]
    assert _found(index, "وصل الوفد إلى حلب") == [("حلب", "حلب")]
    assert _found(index, "للموصل") == [("للموصل", "الموصل")]  # ل + ال: the alef drops
    assert _found(index, "الرقه") == [("الرقه", "الرقة")]  # ta marbuta written as ha
    # a name inside another word is no match: حلبة (a ring), مستحلب
    assert _found(index, "في حلبة السباق مستحلب") == []


def test_cyrillic_names_with_case_endings():
    index = _index("Харьков", "Мариуполь", "Москва", "Харків", "Київ", "Україна")
    assert _found(index, "обстрел Харькова") == [("Харькова", "Харьков")]
    assert _found(index, "в Мариуполе и Москве") == [("Мариуполе", "Мариуполь"),
                                                     ("Москве", "Москва")]
    assert _found(index, "у Харкові, з Києва, в Україні") == [
        ("Харкові", "Харків"), ("Києва", "Київ"), ("Україні", "Україна")]
    # derived words are not the place: Харьковский (adjective), москвич (a Muscovite)
    assert _found(index, "Харьковский завод, Москвич") == []


def test_leading_adjectives_are_inflected():
    forms = cyrillic_forms("Велика Британія")
    assert {"Великої Британі", "Великій Британі"} <= forms
    assert "российских войск" in cyrillic_forms("российские войска")


def test_english_matching_is_unchanged():
    index = PhraseIndex()
    index.add("Paris", 1, case_sensitive=True)
    assert [m.text for m in index.find("Paris, not Parisian nor Parisa")] == ["Paris"]


def test_scripts():
    assert [script_of(n) for n in ("الموصل", "Харків", "Ménaka", "Mosul", "東京")] == [
        "arabic", "cyrillic", "latin", "latin", "other"]


# --- the builder: names per language ------------------------------------------------------------
def test_country_names_in_the_supported_languages():
    names = country_names("SY")
    assert {"Syrie", "Siria", "سوريا", "Сирия", "Сирія"} <= names
    assert {"États-Unis", "Estados Unidos", "США", "الولايات المتحدة"} <= country_names("US")


def test_common_words_are_not_place_names():
    # "the state" (a town in India), "peace" (a town in Belarus): far commoner as words
    assert is_common_word("الدولة", "arabic", "Dhule", home=False)
    assert is_common_word("Мир", "cyrillic", "Mir", home=True)
    # a famous place is frequent in every language
    assert not is_common_word("واشنطن", "arabic", "Washington", home=False)
    assert not is_common_word("الموصل", "arabic", "Mosul", home=True)


# --- the gazetteer: places in context -----------------------------------------------------------
def _places(gazetteer, text: str, language: str) -> dict[str, tuple[str, str]]:
    return {m.text: (m.place.name, m.place.country)
            for m in gazetteer.analyse(text, language=language).mentions}


def test_french_place_names(gazetteer):
    found = _places(gazetteer, "Des affrontements à Tombouctou et à Ménaka, au Mali.", "fr")
    assert found["Ménaka"] == ("Ménaka", "ML")
    assert found["Tombouctou"][1] == "ML"
    assert _places(gazetteer, "Les combats à Alep, en Syrie.", "fr")["Alep"] == ("Aleppo", "SY")


def test_spanish_place_names(gazetteer):
    found = _places(gazetteer, "El ataque en Cúcuta, Colombia, dejó tres muertos.", "es")
    assert found["Cúcuta"][1] == "CO" and found["Colombia"][1] == "CO"


def test_arabic_place_names(gazetteer):
    found = _places(gazetteer, "هجوم في الموصل", "ar")
    assert found["الموصل"] == ("Mosul", "IQ")
    found = _places(gazetteer, "قتل خمسة أشخاص بالموصل والرقة في العراق وسوريا", "ar")
    assert found["بالموصل"][1] == "IQ"
    assert found["والرقة"][1] == "SY"
    assert found["العراق"] == ("Iraq", "IQ")
    # common words that GeoNames also has as towns are not places
    assert not _places(gazetteer, "قالت اللجنة إن الدولة ستدفع يوميا لكل مدينة", "ar")


def test_russian_and_ukrainian_place_names(gazetteer):
    assert _places(gazetteer, "обстрел Харькова", "ru")["Харькова"] == ("Kharkiv", "UA")
    # a lone town of some size is kept: its own evidence does not put it outside the focus
    assert _places(gazetteer, "Бои в Мариуполе.", "ru")["Мариуполе"] == ("Mariupol", "UA")
    found = _places(gazetteer, "В Мариуполе и Донецке на востоке Украины продолжаются бои.", "ru")
    assert found["Мариуполе"][0] == "Mariupol" and found["Донецке"][0] == "Donetsk"
    found = _places(gazetteer, "Російські війська обстріляли Харків і Київ.", "uk")
    assert found["Харків"] == ("Kharkiv", "UA") and found["Київ"] == ("Kyiv", "UA")
    assert _places(gazetteer, "Делегація з Великої Британії", "uk")["Великої Британії"][1] == "GB"


# --- actors by alias ----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Une attaque de l'État islamique et du JNIM près de Ménaka.", ["isis", "jnim"]),
    ("El Estado Islámico y las disidencias de las FARC", ["isis", "farc-dissidents"]),
    ("هاجم مقاتلو داعش مواقع لقسد وقال الحوثيون إن حزب الله", ["isis", "sdf", "houthis",
                                                               "hezbollah"]),
    ("Боевики ИГИЛ и ХАМАСа, бойцы ЧВК «Вагнер» и российских войск",
     ["isis", "hamas", "wagner", "russian-armed-forces"]),
    ("ЗСУ відбили атаку російських військ", ["ukrainian-armed-forces", "russian-armed-forces"]),
])
def test_actor_aliases_by_language(text, expected):
    assert [m.payloads[0] for m in load_actors().index.find(text)] == expected


def test_every_alias_has_a_source():
    import yaml

    from etl.tagging.core.actors import ALIASES_FILE

    data = yaml.safe_load(ALIASES_FILE.read_text(encoding="utf-8"))
    assert data["source"] == "hand"
    actors = load_actors().actors
    assert set(data["aliases"]) <= set(actors)
    assert "داعش" in actors["isis"].aliases and "ИГИЛ" in actors["isis"].aliases


# --- the evaluation -----------------------------------------------------------------------------
def test_place_scoring_counts_overlaps():
    doc = {"entities": [
        {"start": 0, "end": 6, "type": "LOC", "text": "Mosul", "xid": "GPE-Mosul"},
        {"start": 10, "end": 20, "type": "ORG", "text": "x"},
        {"start": 12, "end": 15, "type": "LOC", "text": "nested"},  # inside the ORG: left out
        {"start": 30, "end": 35, "type": "LOC", "text": "Raqqa"},
    ]}
    gold = gold_places(doc)
    assert [g["text"] for g in gold] == ["Mosul", "Raqqa"]
    scores = PlaceScores()
    score_doc(gold, [(0, 7, "Mosul", "Iraq"), (10, 20, "Qaim", "Iraq")], scores)
    assert (scores.gold_found, scores.n_gold, scores.pred_on_gold, scores.n_pred) == (1, 2, 1, 2)
    assert scores.id_right == scores.n_with_id == 1


@pytest.mark.corpus
def test_places_by_language_on_the_multilingual_corpus():
    """Floors a little under the measured figures (docs/multilingual-places.md), 80 documents
    per file; the issue's targets are checked on held-out documents."""
    multi = corpus_dir() / "multi"
    if not multi.is_dir():
        pytest.skip(f"multilingual corpus not found at {multi} (set NEWSMON_CORPUS_DIR)")
    reports = {r.language: r for r in run_multi_places(Tagger(), corpus_dir(), limit=80)}
    floors = {"ru": 0.70, "uk": 0.40, "es": 0.58, "fr": 0.47, "ar": 0.52}
    for language, floor in floors.items():
        report = reports[language]
        assert report.new.found >= floor, (language, report.new.found)
        assert report.new.found > report.baseline.found, language
        assert report.new.precision >= 0.55, (language, report.new.precision)
