"""Geoparsing (issue 12): gazetteer coverage, disambiguation from context, output, warehouse,
and the LGL / GeoWebNews evaluation.

The texts here are written for these tests; no corpus text is copied into the repository.
"""

from __future__ import annotations

import csv
import gzip

import pytest
from conftest import corpus_dir, rows

from etl.build.supplement import (
    SUPPLEMENT_FILE,
    build_supplement,
    read_supplement,
    write_supplement,
)
from etl.evaluation.geo import GeoScores, GoldToponym, Predicted, run_geo_eval, score_article
from etl.tagging.core.tagger import Tagger
from etl.tagging.geo.gazetteer import load_places


@pytest.fixture(scope="module")
def gazetteer():
    return load_places()


def _places(gazetteer, text: str, **kwargs) -> dict[str, object]:
    return {m.text: m for m in gazetteer.resolve(text, **kwargs)}


# --- disambiguation rules -----------------------------------------------------------------------
def test_tripoli_in_a_lebanese_protest_is_in_lebanon(gazetteer):
    text = "Thousands of Lebanese protesters marched through Tripoli against the new taxes."
    tripoli = _places(gazetteer, text)["Tripoli"]
    assert tripoli.place.country == "LB"
    alone = _places(gazetteer, "Fighting resumed around Tripoli airport.")["Tripoli"]
    assert alone.place.country == "LY"  # no context: the capital


def test_virginia_next_to_carolina_in_a_us_article_is_the_us_state(gazetteer):
    text = ("Storms crossed Virginia and North Carolina overnight; US officials in Virginia "
            "said power was out for thousands.")
    analysis = gazetteer.analyse(text)
    virginia = [m for m in analysis.mentions if m.text == "Virginia"]
    assert virginia and all(m.place.country == "US" and m.place.feature == "admin1"
                            for m in virginia)
    assert analysis.countries[0] == "US"


def test_puno_is_in_peru(gazetteer):
    puno = _places(gazetteer, "Farmers blocked the roads near Puno, Peru, on Monday.")["Puno"]
    assert puno.place.country == "PE" and puno.place.lat < -14


def test_region_qualifiers_choose_the_candidate_inside_them(gazetteer):
    text = "Clashes were reported in Trindade, Pernambuco, and in Rawson (Chubut)."
    found = _places(gazetteer, text)
    assert (found["Trindade"].place.country, found["Trindade"].place.admin1) == (
        "BR", "Pernambuco")
    assert (found["Rawson"].place.country, found["Rawson"].place.admin1) == ("AR", "Chubut")
    assert found["Rawson"].confidence >= 0.7


def test_seed_article_places_stay_in_nineveh_iraq(gazetteer):
    text = ("Iraqi security forces said remnants of the group were hiding in the Qairawan and "
            "Baaj areas about 100 km west of Mosul, in Nineveh province.")
    analysis = gazetteer.analyse(text)
    found = {m.text: m for m in analysis.mentions}
    assert "Qairawan" not in found or found["Qairawan"].place.country == "IQ"  # never Tunisia
    for name in ("Baaj", "Mosul"):
        assert (found[name].place.country, found[name].place.admin1) == ("IQ", "Ninawa")
    assert found["Nineveh"].place.feature == "admin1"
    assert analysis.countries == ["IQ"]


def test_us_is_the_united_states_with_coordinates(gazetteer):
    us = _places(gazetteer, "The US said it would send aid.")["US"]
    assert us.place.country == "US" and us.place.feature == "country"
    assert 25 < us.place.lat < 50 and -125 < us.place.lon < -65
    for alias in ("U.S.", "USA", "United States"):
        assert _places(gazetteer, f"Aid from the {alias} arrived.")[alias].place.country == "US"


def test_demonyms_give_the_focus_and_plurals_are_not_places(gazetteer):
    analysis = gazetteer.analyse("Syrians fled as Turkish artillery shelled the border.")
    assert set(analysis.countries) == {"SY", "TR"}
    texts = {m.text: m for m in analysis.mentions}
    assert "Syrians" not in texts
    assert texts["Turkish"].demonym and texts["Turkish"].place.country == "TR"


def test_datelines_in_capitals_are_read(gazetteer):
    found = _places(gazetteer, "CHARLESTON, W.Va. - The county board met on Monday.")
    assert found["CHARLESTON"].place.country == "US"
    assert found["CHARLESTON"].place.admin1 == "West Virginia"
    assert found["W.Va."].place.feature == "admin1"


def test_better_no_place_than_a_wrong_one(gazetteer):
    # a small town whose only candidates lie in a country the article never points to
    text = "Iraqi forces cleared Kairouan district and Mosul's old city, officials in Iraq said."
    found = _places(gazetteer, text)
    assert "Kairouan" not in found
    assert found["Mosul"].confidence >= 0.8


# --- tagger output ------------------------------------------------------------------------------
def test_tag_result_carries_place_fields_and_focus_countries():
    tagger = Tagger(use_model=False, use_event_model=False)
    result = tagger.tag("Iraqi oil exports through Mosul, in Nineveh, resumed, US buyers said.")
    mosul = next(p for p in result.places if p.text == "Mosul")
    assert (mosul.country, mosul.admin1, mosul.feature) == ("IQ", "Ninawa", "town")
    assert mosul.geonameid > 0 and 0 < mosul.confidence <= 1
    assert result.countries[0] == "IQ"
    as_dict = result.as_dict()
    assert as_dict["countries"] == result.countries
    assert {"admin1", "confidence", "feature"} <= set(as_dict["places"][0])
    # a demonym is on the map as its country, but is not a location entity
    assert any(p.demonym and p.text == "Iraqi" for p in result.places)
    assert not any(e.text == "Iraqi" and e.type == "location" for e in result.entities)


# --- ACLED supplement ---------------------------------------------------------------------------
def _acled_fixture(directory) -> None:
    events = directory / "events"
    events.mkdir(parents=True)
    header = ["location", "latitude", "longitude", "geo_precision", "country", "admin1"]
    data = {
        "acled_pool.csv.gz": [
            ["Tal Zahab", "36.10", "41.70", "1", "Iraq", "Ninewa"],
            ["Tal Zahab", "36.20", "41.80", "1", "Iraq", "Ninewa"],
            ["Tal Zahab", "37.00", "42.00", "3", "Iraq", "Ninewa"],  # imprecise: not used
            ["Nowhere", "1", "2", "1", "Atlantis", "X"],  # unknown country: skipped
        ],
        "acled_old_taxonomy.csv.gz": [["Kibati", "-1.6", "29.2", "2", "Democratic Republic "
                                       "of Congo", "North Kivu"]],
    }
    for name, lines in data.items():
        with gzip.open(events / name, "wt", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(lines)


def test_supplement_is_derived_and_reproducible(tmp_path):
    _acled_fixture(tmp_path)
    places = build_supplement(tmp_path)
    assert [(p.name, p.country, p.events) for p in places] == [
        ("Kibati", "CD", 1), ("Tal Zahab", "IQ", 3)]
    tal = places[1]
    assert (tal.lat, tal.lon) == (36.15, 41.75)  # median of the precise events only
    out = tmp_path / "supplement.tsv"
    write_supplement(places, out)
    assert "ACLED" in out.read_text().splitlines()[0]
    assert read_supplement(out) == places


def test_shipped_supplement_is_built_from_training_sources_only():
    # issue 17: the held-out ACLED sources (all of Iraq's rows among them, with the seed's
    # villages Al Baaj and Al Qayrawan) must not feed the gazetteer that eval measures
    first = SUPPLEMENT_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert "ACLED" in first and "(training sources)" in first
    places = read_supplement()
    assert len(places) > 5000 and all(p.country and p.name for p in places)


# --- evaluation metrics -------------------------------------------------------------------------
def test_geo_metrics_count_overlap_distance_and_country():
    gold = [GoldToponym(0, 5, "Mosul", 36.34, 43.13, 99072, None),
            GoldToponym(10, 14, "Iraq", 33.0, 44.0, 99237, "IQ"),
            GoldToponym(20, 26, "Sinjar", 36.32, 41.88, None, None)]
    pred = [Predicted(0, 5, 36.30, 43.10, 1, "IQ", False),      # within 161 km
            Predicted(10, 14, 34.2, 43.5, 2, "IQ", True),        # the same country
            Predicted(20, 26, 36.33, 10.0, 3, "TN", False),      # far: wrong
            Predicted(30, 35, 0.0, 0.0, 4, "XX", False)]         # no gold: a false place
    scores = GeoScores()
    score_article(gold, pred, scores)
    assert (scores.recall, scores.precision, scores.resolution) == (2 / 3, 2 / 4, 2 / 3)


# --- warehouse ----------------------------------------------------------------------------------
def test_warehouse_views_gain_admin1_and_confidence(conn):
    def columns(schema: str, table: str) -> list[str]:
        return [r[0] for r in rows(conn, "SELECT column_name FROM information_schema.columns "
                                         "WHERE table_schema = %s AND table_name = %s "
                                         "ORDER BY ordinal_position", (schema, table))]
    assert {"admin1", "confidence", "demonym"} <= set(columns("public", "article_places"))
    view = columns("analytics", "article_places")
    assert view[:3] == ["article_id", "url", "title"]  # existing columns keep their place
    assert view[-2:] == ["admin1", "confidence"]


# --- corpus evaluation --------------------------------------------------------------------------
@pytest.mark.corpus
@pytest.mark.timeout(900)  # 788 articles through the model, two gazetteers: minutes
def test_geoparsing_on_lgl_and_geowebnews_beats_the_old_resolver(tagger):
    geo = corpus_dir() / "geo"
    if not geo.is_dir():
        pytest.skip(f"geoparsing corpus not found at {geo} (set NEWSMON_CORPUS_DIR)")
    reports = {r.name: r for r in run_geo_eval(tagger, corpus_dir())}
    # regression floors, a little under what this version reaches (see docs/geoparsing.md)
    floors = {"LGL": (0.66, 0.62, 0.82), "GeoWebNews": (0.69, 0.83, 0.90)}
    for name, (recall, precision, resolution) in floors.items():
        new, old = reports[name].new, reports[name].baseline
        assert new.recall >= recall and new.precision >= precision, name
        assert new.resolution >= resolution, name
        assert new.recall > old.recall and new.resolution > old.resolution, name
