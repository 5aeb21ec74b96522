"""Event records, issue 17 parts 4 and 5: the place the event governs, ACLED's actor names,
fatalities split over events; and their floors on the held-out ACLED notes.

The sentences here are written for these tests (no corpus text is copied into the repository).
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import corpus_dir

from etl.tagging.core.tagger import Tagger
from etl.tagging.events.acled_names import learned_mentions
from etl.tagging.events.actors import find_actors
from etl.tagging.events.fatalities import extract_fatalities
from etl.tagging.events.records import build_events

PUB = date(2026, 11, 24)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def _main(tagger: Tagger, text: str):
    result = tagger.tag(text, published=PUB)
    assert result.events, f"no event in {text!r}"
    return result, result.events[0]


# --- the place governed by the event ----------------------------------------------------------
def test_where_it_happened_not_where_it_was_said(tagger):
    _, event = _main(tagger, "A statement issued in Baghdad said gunmen shot dead three farmers "
                             "in Baquba on Monday.")
    assert event.location in ("Baqubah", "Baquba") and event.geo_precision == 1
    _, base = _main(tagger, "Gunmen shot dead three farmers in Baquba on Monday.")
    assert base.location == event.location  # a lone town is kept although it is its own
    # only evidence for Iraq


def test_a_country_named_in_passing_is_not_the_event_country(tagger):
    text = ("On Monday, hundreds of people demonstrated in Nairobi, Kenya, waving Russian flags "
            "and calling for military cooperation with Russia.")
    result, event = _main(tagger, text)
    assert event.country_code == "KE" and event.location == "Nairobi"
    old = build_events(text, result, PUB, model=tagger.event_model, baseline=True)[0]
    assert old.country_code == "RU"  # what the rules before issue 17 said


def test_no_place_rather_than_the_attackers_country(tagger):
    _, event = _main(tagger, "Turkish airstrikes hit PKK positions on Monday, killing two "
                             "militants, officials said.")
    assert event.latitude is None and event.location == ""


def test_a_region_when_no_town_is_named(tagger):
    _, event = _main(tagger, "Gunmen killed four villagers in Borno state on Friday.")
    assert event.location == "Borno" and event.geo_precision == 3


def test_near_a_town_is_precision_two(tagger):
    _, event = _main(tagger, "Soldiers clashed with militants near Maiduguri, Nigeria on "
                             "Friday; two soldiers were killed.")
    assert event.location == "Maiduguri" and event.geo_precision == 2


# --- actors -----------------------------------------------------------------------------------
def test_unnamed_perpetrator_of_an_explosion_is_an_unidentified_armed_group(tagger):
    _, event = _main(tagger, "On Monday an IED exploded under a police vehicle in Kirkuk, Iraq, "
                             "wounding two officers.")
    assert event.actor1 == "Unidentified Armed Group (Iraq)"


def test_learned_acled_actor_names():
    text = "NPA rebels ambushed an army patrol in the hills."
    found = learned_mentions(text, 0, len(text))
    assert [(text[s:e], name) for s, e, name in found] == [("NPA rebels", "NPA: New People's Army")]
    learned = find_actors(text, 0, len(text), [], "PH")
    assert learned[0].actor == "NPA: New People's Army" and learned[0].armed
    assert all(m.actor != "NPA: New People's Army"
               for m in find_actors(text, 0, len(text), [], "PH", learned=False))


# --- fatalities --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Ten people were killed in the raids. Fatalities split between two events.", 5),
    ("Nine fighters were killed in three villages. Fatalities split over 3 locations (2).", 2),
    ("Clashes in the hills; unknown fatalities coded at 3.", 3),
    ("The strikes resulted in the killing of 12 militants.", 12),
    ("Troops have killed 18 militants in the forest, the army said.", 18),
    ("The war has killed thousands since 2014.", 0),   # background, still not counted
])
def test_fatalities_of_acled_notes(text, expected):
    assert extract_fatalities(text).count == expected


# --- corpus floors -----------------------------------------------------------------------------
@pytest.mark.corpus
def test_place_and_actors_on_held_out_acled_notes(tagger):
    events = corpus_dir() / "events"
    if not events.is_dir():
        pytest.skip(f"ACLED events corpus not found at {events} (set NEWSMON_CORPUS_DIR)")
    from etl.evaluation.event_records import eval_event_records

    scores = eval_event_records(tagger, corpus_dir(), fatality_limit=3000, record_limit=400)
    m, b = scores.metrics(), scores.baselines()
    # regression floors (measured on this sample minus a margin), and not below the baseline
    assert m["place_within_25km"] >= 0.50 and m["place_within_25km"] >= b["place_within_25km"]
    assert m["place_over_500km"] <= 0.04 and m["place_over_500km"] <= b["place_over_500km"]
    assert m["actor1_match"] >= 0.52 and m["actor1_match"] > b["actor1_match"]
    assert m["actor2_match"] >= b["actor2_match"]
    assert m["fatalities_exact"] >= 0.91 and m["fatalities_exact_deaths"] >= 0.78
