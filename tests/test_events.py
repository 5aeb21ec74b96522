"""ACLED event type, sub-event type and is_conflict (issue 11, part A).

Texts here are written for these tests; the ACLED corpus is read from NEWSMON_CORPUS_DIR only
(tests marked ``corpus`` skip when it is absent).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import corpus_dir

from etl.build.acled_pool import HELD_OUT_SOURCES, EventRow, is_held_out, read_events
from etl.build.event_model import train_model
from etl.build.event_negatives import TEMPLATES, read_negatives, written_negatives
from etl.tagging.core.tagger import Tagger
from etl.tagging.core.taxonomy import load_taxonomy
from etl.tagging.events.classifier import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    EventTypeModel,
    EventTypePrediction,
    classify_event,
    load_event_model,
)
from etl.tagging.events.text import strip_boilerplate

GANG = "Two gang members were killed after exchanging fire with military police."
FOOTBALL = ("Northbridge laid siege to the goal and fought back after a counter-attack; the "
            "striker fired a shot and won the shootout. The fans celebrated the battle won. "
            "Two players were injured in a clash near the touchline and the referee showed red.")


@pytest.fixture
def tagger(gazetteer_tagger) -> Tagger:
    return gazetteer_tagger


# --- taxonomy ---------------------------------------------------------------------------------
def test_taxonomy_has_acleds_types_and_sub_event_types_one_to_one():
    taxonomy = load_taxonomy()
    events = [c for c in taxonomy.categories.values() if c.event]
    subs = {c.label: taxonomy.categories[c.parent].label for c in events if c.parent}
    assert subs == SUB_EVENT_TYPES
    assert len(subs) == 25 and len(set(EVENT_TYPES)) == 6
    assert {c.label for c in events if not c.parent} == set(EVENT_TYPES)


def test_general_terms_are_not_event_evidence():
    taxonomy = load_taxonomy()
    assert taxonomy.event_evidence("Soldiers and militants, refugees and weapons.") == 0
    assert taxonomy.event_evidence("A roadside bomb hit the convoy.") >= 1


# --- text preparation -------------------------------------------------------------------------
@pytest.mark.parametrize("note, expected", [
    ("On 6 May 2020, militants attacked a police post in Dori. [size=no report]",
     "Militants attacked a police post in Dori."),
    ("Looting: As reported on 3-5 May 2021, gunmen looted cattle in Kaya.",
     "Gunmen looted cattle in Kaya."),
    ("Around 14 April 2022 (week of), troops shelled Izium. Fatalities coded as 3.",
     "Troops shelled Izium."),
    ("On March 7, three rebels were killed near Goma (coded as Goma).",
     "Three rebels were killed near Goma."),
])
def test_acled_template_is_stripped(note, expected):
    assert strip_boilerplate(note) == expected


# --- training -----------------------------------------------------------------------------------
TINY = {
    "Armed clash": ["Troops exchanged fire with rebels for two hours near the river.",
                    "Militants clashed with soldiers at a checkpoint; both sides suffered losses.",
                    "Police and an armed gang fought a gun battle in the market."],
    "Air/drone strike": ["A drone strike hit a militant compound, killing four fighters.",
                         "Warplanes carried out airstrikes on rebel positions overnight.",
                         "An air raid destroyed a weapons depot outside the town."],
    "Peaceful protest": ["Teachers staged a peaceful protest demanding unpaid salaries.",
                         "Hundreds of students marched to the ministry to protest fee rises.",
                         "Farmers held a rally outside the district office over land rights."],
    "Abduction/forced disappearance": ["Gunmen abducted two engineers and demanded a ransom.",
                                       "Rebels kidnapped a trader from the highway at night.",
                                       "A journalist was abducted by unknown men in a car."],
}


NO_EVENT_TEXTS = [
    "The museum reopened after renovation with an exhibition on railways.",
    "Shares in the carmaker rose after strong sales in the third quarter.",
    "The festival drew thousands of visitors for three days of music.",
    "Scientists unveiled a new battery that charges in ten minutes.",
]


def _tiny_model() -> EventTypeModel:
    # sources whose CRC-32 puts them all on the fitting side (no calibration part: too small)
    rows = [EventRow(t, SUB_EVENT_TYPES[label], label, f"tiny/{label}", "", 0)
            for label, ts in TINY.items() for t in ts]
    negatives = [(f"neg:{i}", t) for i, t in enumerate(NO_EVENT_TEXTS)]
    return train_model(rows, negatives, min_df=1, log=lambda *_: None)


def test_training_is_deterministic_and_round_trips(tmp_path):
    one, two = _tiny_model(), _tiny_model()
    assert one.word_vocab == two.word_vocab and one.char_vocab == two.char_vocab
    assert np.array_equal(one.type_coef, two.type_coef)
    assert np.array_equal(one.gate_coef, two.gate_coef)
    assert one.predict("Soldiers clashed with rebels near the river.") == "Armed clash"
    assert one.predict("Students held a protest rally at the ministry.") == "Peaceful protest"
    assert one.predict("Unknown men kidnapped a trader.") == "Abduction/forced disappearance"
    one.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:  # arrays only, no pickle
        assert all(data[k].dtype != object for k in data.files)
    loaded = EventTypeModel.load(tmp_path / "m.npz")
    text = "A drone strike hit the compound."
    assert loaded.predict(text) == one.predict(text) == "Air/drone strike"
    assert loaded.probabilities(text) == pytest.approx(one.probabilities(text), abs=2e-3)
    assert loaded.classify_event(text) == one.classify_event(text)


def test_features_are_scikit_learns_tfidf():
    from scipy import sparse

    model = _tiny_model()
    texts = ["Troops clashed with rebels near the river.", "", "Shares rose 5 percent.",
             "Gunmen abducted two engineers; police said the kidnappers demanded a ransom."]
    words, chars = model._vectorizers()
    expected = sparse.hstack([words.transform(texts), chars.transform(texts)], format="csr")
    assert abs(model.features(texts) - expected).max() < 1e-6


def test_language_other_than_english_is_not_read():
    model = _tiny_model()
    p = model.classify_event("Des soldats ont affronté des rebelles.", language="fr")
    assert p.event_type is None and not p.violent and "fr" in p.reason
    assert model.classify_event("Troops clashed with rebels.", language="en").reason != p.reason
    spanish = ("Miles de personas protestaron en la capital contra el alza del precio del "
               "combustible y la policía dispersó a los manifestantes.")
    assert "not English" in model.classify_event(spanish).reason


def test_one_split_by_source():
    assert all(is_held_out(s) for s in HELD_OUT_SOURCES)
    assert not is_held_out("PeterRowing/ConflictProject")
    from etl.evaluation import event_records

    assert event_records.held_out("dtacled/acledR")
    assert not event_records.held_out("PeterRowing/ConflictProject")


def test_negatives_are_only_the_written_templates():
    negatives = read_negatives()
    assert negatives == read_negatives() == written_negatives()  # deterministic
    assert len(negatives) > 3000 and len(TEMPLATES) > 150
    # every passage comes from a template written for newsmon: no corpus document
    assert all(key.startswith("written:") for key, _ in negatives)
    assert {key for key, _ in negatives} == {f"written:{i}" for i in range(len(TEMPLATES))}
    assert all("{" not in text and not text[:1].islower() for _, text in negatives)
    # no attribution ("..., officials said."): news style is not "no event"
    assert not any(text.endswith(" said.") for _, text in negatives)
    # hard negatives: conflict words outside conflict
    assert any("killing" in text and "earthquake" in text for _, text in negatives)


# --- the shipped model ------------------------------------------------------------------------
def test_shipped_model_states_its_provenance():
    model = load_event_model()
    assert model is not None, "etl/data/event_model.npz is shipped"
    assert set(model.classes) <= set(SUB_EVENT_TYPES) and len(model.classes) >= 24
    assert "ACLED" in model.trained_on
    # the event gate's negatives are licence-clean: templates only, no corpus news text
    assert "written for newsmon" in model.trained_on
    assert "zyte" not in model.trained_on and "feeds/" not in model.trained_on
    assert all(source in model.trained_on for source in HELD_OUT_SOURCES)


def test_prediction_interface_and_evidence_offsets():
    p = classify_event("On Friday, Houthi forces fired a ballistic missile at Marib city, "
                       "killing three civilians.")
    assert isinstance(p, EventTypePrediction) and dataclasses.is_dataclass(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.event_type = "x"  # type: ignore[misc]
    assert (p.event_type, p.sub_event_type) == ("Explosions/Remote violence",
                                               "Shelling/artillery/missile attack")
    assert p.violent is True  # a plain bool (stored as is_conflict), not numpy's
    assert sum(p.sub_event_scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(p.event_type_scores, key=p.event_type_scores.get) == p.event_type
    text = ("On Friday, Houthi forces fired a ballistic missile at Marib city, killing three "
            "civilians.")
    assert p.evidence and all(text[s:e] == w for s, e, w in p.evidence)
    assert any("missile" in w for _, _, w in p.evidence)


def test_gang_fire_exchange_with_police_is_an_armed_clash():
    # ACLED codes gangs fighting state forces as Battles - Armed clash (political violence)
    p = classify_event(GANG)
    assert (p.event_type, p.sub_event_type) == ("Battles", "Armed clash") and p.violent


@pytest.mark.parametrize("text, event_type, sub, violent", [
    ("Hundreds of teachers staged a peaceful protest outside parliament demanding higher pay.",
     "Protests", "Peaceful protest", False),
    ("Police fired tear gas to disperse students protesting against fee increases.",
     "Protests", "Protest with intervention", False),
    ("The demonstration turned violent: protesters torched vehicles and threw stones at police.",
     "Riots", "Violent demonstration", True),
    ("Gunmen abducted a priest from his parish house and demanded a ransom.",
     "Violence against civilians", "Abduction/forced disappearance", True),
    ("An IED planted by militants exploded under an army truck, wounding four soldiers.",
     "Explosions/Remote violence", "Remote explosive/landmine/IED", True),
    ("A suicide bomber blew himself up at a mosque during Friday prayers.",
     "Explosions/Remote violence", "Suicide bomb", True),
    ("The army recaptured the town from the rebels after three days of fighting.",
     "Battles", "Government regains territory", True),
])
def test_sentences_get_acleds_types(text, event_type, sub, violent):
    p = classify_event(text)
    assert (p.event_type, p.sub_event_type, p.violent) == (event_type, sub, violent)


@pytest.mark.parametrize("text", [
    FOOTBALL,
    "A magnitude 6.8 earthquake killed at least 42 people and destroyed hundreds of homes.",
    "A gas cylinder explosion at a restaurant killed three people, fire officials said.",
    "Shares jumped 8 percent after the company reported record quarterly profits.",
    "",
])
def test_texts_without_political_violence(text):
    p = classify_event(text)
    assert not p.violent and p.event_type is None and p.sub_event_type is None
    assert p.sub_event_scores == {} and p.evidence == []


def test_tagger_categories_and_is_conflict_follow_the_classifier(tagger):
    football = tagger.tag(FOOTBALL)
    assert not football.is_conflict
    assert not [c.id for c in football.categories if c.event]
    assert football.event_type is not None and football.event_type.event_type is None
    gang = tagger.tag(GANG)
    assert gang.is_conflict
    event_ids = {c.id for c in gang.categories if c.event}
    assert {"battles", "armed_clash"} <= event_ids
    # 'killed' is a general casualty term: listed as a keyword and a general category, but no
    # evidence for an event type of its own
    assert any(k.category == "casualties" and k.text == "killed" for k in gang.keywords)
    assert gang.category_score("casualties") > 0
    assert gang.category_score("armed_clash") > gang.category_score("attack_on_civilians")
    assert tagger.event_model is not None
    assert gang.event_type == tagger.event_model.classify_event(GANG)


# --- corpus: regression floors on held-out sources --------------------------------------------
# `newsmon eval` on every 6th held-out note (what this test reads) measured the figures in
# docs/events.md; floors = measured minus ~0.02 (the CASE and disaster sets are small). The
# disaster ceiling and CASE floor were lowered (0.20 -> 0.36, 0.64 -> 0.63) when the corpus news
# passages (publishers' copyright) stopped being negatives: measured 0.338 and 0.652.
FLOORS = {"type": 0.86, "sub": 0.82, "violent_recall": 0.96, "disaster": 0.36, "case": 0.63}


@pytest.mark.corpus
def test_held_out_sources_regression_floors():
    corpus = corpus_dir()
    if not (corpus / "events").is_dir():
        pytest.skip(f"ACLED events not found at {corpus / 'events'} (set NEWSMON_CORPUS_DIR)")
    from etl.evaluation.events import eval_events

    scores = eval_events(corpus, limit=4000, baseline=False)
    m = scores.newsmon
    assert m.notes.type_accuracy >= FLOORS["type"]
    assert m.notes.sub_accuracy >= FLOORS["sub"]
    assert m.notes.sub_accuracy > scores.majority.sub_accuracy + 0.3
    assert m.violent_recall >= FLOORS["violent_recall"]
    assert m.disaster_rate <= FLOORS["disaster"]
    if scores.case_n:
        assert m.case_f1 >= FLOORS["case"]
    assert m.ms_per_text < 20


@pytest.mark.corpus
def test_the_pool_is_read_once_and_split_by_source():
    corpus = corpus_dir()
    if not (corpus / "events").is_dir():
        pytest.skip(f"ACLED events not found at {corpus / 'events'} (set NEWSMON_CORPUS_DIR)")
    rows = read_events(corpus)
    held = {r.source_repo for r in rows if is_held_out(r.source_repo)}
    assert held == set(HELD_OUT_SOURCES)
    model = load_event_model()
    # the shipped model names what it was trained on; no held-out source among its training
    assert f"{sum(not is_held_out(r.source_repo) for r in rows)} notes" in model.trained_on
