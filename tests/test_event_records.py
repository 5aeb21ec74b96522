"""Event records (issue 11, part B): fatalities, dates, actors, the records, the corpus floors.

The sentences here are written for these tests (no corpus text is copied into the repository).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from conftest import ROOT, corpus_dir

from etl.tagging.events.actors import (
    CIVILIANS,
    MILITARY,
    POLICE,
    PROTESTERS,
    UNIDENTIFIED,
    assign_roles,
    find_actors,
    typed_name,
)
from etl.tagging.events.dates import DAY, MONTH, WEEK, event_date, find_dates
from etl.tagging.events.fatalities import extract_fatalities, regex_baseline

# --- fatalities ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Three soldiers were killed and eight others wounded in the ambush.", 3),
    ("Gunmen killed two farmers and injured five near the river.", 2),
    ("Twenty-five people died when the market was shelled.", 25),
    ("At least 14 civilians were killed in the strike.", 14),
    ("Between 5 and 10 people were killed in the clashes.", 5),       # lowest credible figure
    ("Six soldiers, four police officers and two civilians were killed. 19 militants were "
     "killed when the air force intervened.", 31),                    # separate groups add up
    ("A farmer was shot dead by unknown assailants.", 1),             # one named victim
    ("Militants stormed the village, killing him and his brother.", 2),
    ("Several civilians were killed in the attack.", 3),               # ACLED's figure
    ("Dozens of people were killed in the fighting.", 12),
    ("Twelve people were injured in the blast.", 0),                   # the injured never count
    ("No one was killed in the attack on the checkpoint.", 0),
    ("The rebels threatened to kill the hostages.", 0),
    ("A cow was killed by a stray shell.", 0),
    ("Clashes erupted overnight. Unknown fatalities.", 3),
    ("The victim was stabbed to death by a mob.", 1),
])
def test_fatalities_by_acled_rules(text, expected):
    assert extract_fatalities(text).count == expected


def test_fatalities_count_a_restatement_once_and_report_offsets():
    text = ("Bombing kills 11 in northern town\n"
            "A car bomb left at least 11 people dead on Sunday, officials said. Seven soldiers "
            "and four civilians were killed, a commander said. The group said it had killed "
            "\"dozens of soldiers\".")
    found = extract_fatalities(text)
    assert found.count == 11
    assert [text[a:b] for a, b in found.spans] == ["at least 11 people dead"]


def test_regex_baseline_reads_only_plain_figures():
    assert regex_baseline("5 soldiers were killed") == 5
    assert regex_baseline("killing 7 civilians") == 7
    assert regex_baseline("Several soldiers were killed") == 0


# --- dates --------------------------------------------------------------------------------------
PUB = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(("text", "day", "precision"), [
    ("Gunmen attacked the village on Friday.", date(2026, 11, 20), DAY),
    ("The clashes began yesterday.", date(2026, 11, 23), DAY),
    ("Troops were ambushed on 6 May.", date(2026, 5, 6), DAY),
    ("Troops were ambushed on 28 December.", date(2025, 12, 28), DAY),  # not in the future
    ("On 19 July 2018, protesters gathered.", date(2018, 7, 19), DAY),
    ("A drug suspect was killed on Oct 5, 2019.", date(2019, 10, 5), DAY),
    ("A suspect was killed in Manila on 06 Jul 16.", date(2016, 7, 6), DAY),
    ("Protesters marched last week.", date(2026, 11, 17), WEEK),
    ("Fighting resumed last month.", date(2026, 10, 15), MONTH),
    ("Shelling intensified in May.", date(2026, 5, 15), MONTH),
    ("The base was attacked on Tuesday night.", date(2026, 11, 24), DAY),
    ("Militants raided the town last Tuesday.", date(2026, 11, 17), DAY),
    ("Two days ago, rebels seized the town.", date(2026, 11, 22), DAY),
])
def test_event_dates_resolve_against_the_publication_time(text, day, precision):
    found = event_date(text, PUB)
    assert (found.date, found.precision) == (day, precision)
    assert found.text and text[found.start:found.end] == found.text


def test_no_date_expression_means_the_publication_day_and_may_is_not_a_month():
    assert find_dates("Officials said talks may resume.", PUB) == []
    fallback = event_date("Rebels attacked the convoy.", PUB)
    assert (fallback.date, fallback.precision, fallback.text) == (PUB, DAY, "")


# --- actors -------------------------------------------------------------------------------------
def test_typed_actor_names_follow_acled():
    assert typed_name(MILITARY, "NG") == "Military Forces of Nigeria"
    assert typed_name(POLICE, "BR") == "Police Forces of Brazil"
    assert typed_name(MILITARY, "PH") == "Military Forces of the Philippines"
    assert typed_name(PROTESTERS, "IN") == "Protesters (India)"
    assert typed_name(CIVILIANS, "YE") == "Civilians (Yemen)"
    assert typed_name(UNIDENTIFIED, "MX") == "Unidentified Armed Group (Mexico)"
    assert typed_name(CIVILIANS, "CD") == "Civilians (Democratic Republic of Congo)"


def _roles(text: str, event_type: str, iso: str):
    mentions = find_actors(text, 0, len(text), [], iso)
    return assign_roles(text, mentions, event_type, iso)


def test_who_acted_reads_by_and_the_event_type():
    roles = _roles("Two villagers were killed by unidentified gunmen.",
                   "Violence against civilians", "MX")
    assert roles.actor1.actor == "Unidentified Armed Group (Mexico)"
    assert roles.actor2.actor == "Civilians (Mexico)"
    roles = _roles("Soldiers clashed with gunmen near the border.", "Battles", "NG")
    assert (roles.actor1.actor, roles.actor2.actor) == (
        "Military Forces of Nigeria", "Unidentified Armed Group (Nigeria)")
    roles = _roles("Police fired tear gas at demonstrators outside parliament.", "Protests",
                   "IN")
    assert (roles.actor1.actor, roles.actor2.actor) == ("Protesters (India)",
                                                         "Police Forces of India")
    # a country adjective says whose forces they are, wherever the event is
    roles = _roles("Russian troops shelled positions of Ukrainian soldiers.", "Battles", "UA")
    assert (roles.actor1.actor, roles.actor2.actor) == ("Military Forces of Russia",
                                                         "Military Forces of Ukraine")
    # a text that names no victims still has civilians as the target of an attack on civilians
    roles = _roles("Gunmen opened fire on a bus.", "Violence against civilians", "YE")
    assert roles.actor2.actor == "Civilians (Yemen)" and roles.actor2.start == -1


# --- records from the tagger --------------------------------------------------------------------
SEED = ("Iraq's Popular Mobilization Forces (PMF) and the Iraqi army fought Islamic State "
        "militants west of Mosul on Friday, in the Qairawan and Baaj areas of Nineveh province, "
        "security officials said. Three PMF fighters were killed and five wounded in the "
        "clashes, which lasted several hours. The army said 11 ISIS militants were killed.")


def test_seed_article_gives_one_battle_pmf_and_iraqi_forces_against_isis_in_nineveh(tagger):
    result = tagger.tag(SEED, published=PUB)
    assert len(result.events) == 1
    event = result.events[0]
    assert (event.event_type, event.sub_event_type) == ("Battles", "Armed clash")
    assert event.actor1 == "pmf" and event.assoc_actor_1 == ["iraqi-security-forces"]
    assert event.actor2 == "isis"
    assert (event.country, event.country_code) == ("Iraq", "IQ")
    assert event.admin1 in ("Nineveh", "Ninawa")  # GeoNames spells it Ninawa
    assert event.location == "Mosul" and event.geo_precision == 2  # "west of Mosul"
    assert (event.event_date, event.time_precision) == ("2026-11-20", DAY)
    assert event.fatalities == 14
    # every field's offsets point at what it was read from
    span = event.offsets["actor1"][0]
    assert SEED[span[0]:span[1]] == "Popular Mobilization Forces"
    assert [SEED[a:b] for a, b in event.offsets["fatalities"]] == [
        "Three PMF fighters were killed", "11 ISIS militants were killed"]
    assert SEED[slice(*event.offsets["event_date"][0])] == "on Friday"
    if event.offsets.get("admin1"):  # read from the text, or from the gazetteer (no offsets)
        assert SEED[slice(*event.offsets["admin1"][0])] == "Nineveh"


def test_separate_events_on_other_days_and_places(tagger):
    text = ("Gunmen killed four villagers in Maiduguri, Nigeria on Friday, police said. "
            "The attackers fled on motorbikes. "
            "On Sunday, a roadside bomb killed two soldiers in Damboa, about 80 km away.")
    events = tagger.tag(text, published=PUB).events
    assert [(e.location, e.event_date, e.fatalities) for e in events] == [
        ("Maiduguri", "2026-11-20", 4), ("Damboa", "2026-11-22", 2)]
    assert events[0].actor2 == "Civilians (Nigeria)"


def test_no_event_means_an_empty_list(tagger):
    sport = ("Northbridge laid siege to the goal and fought back after a counter-attack; the "
             "striker fired a shot and won the shootout.")
    assert tagger.tag(sport, published=PUB).events == []
    assert tagger.tag(sport).as_dict()["events"] == []
    business = "The central bank held interest rates at 4.5 percent on Thursday."
    assert tagger.tag(business, published=PUB).events == []


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_newsmon_tag_outputs_events_and_rejects_a_bad_date():
    env = {"PYTHONPATH": str(ROOT)}
    line = json.dumps({"id": 7, "text": SEED, "published": "2026-11-24T08:00:00Z"})
    out = subprocess.run([sys.executable, "-m", "etl.run.cli", "tag", "--jsonl"], input=line,
                         capture_output=True, text=True, env=env, timeout=240, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["id"] == 7 and result["events"][0]["event_date"] == "2026-11-20"
    assert result["events"][0]["actor2"] == "isis"
    bad = subprocess.run([sys.executable, "-m", "etl.run.cli", "tag", "--published", "soon"],
                         input="text", capture_output=True, text=True, env=env, timeout=240)
    assert bad.returncode != 0 and "not an ISO 8601 date" in bad.stderr


# --- corpus floors ------------------------------------------------------------------------------
@pytest.mark.corpus
def test_event_records_on_held_out_acled_notes(tagger):
    events = corpus_dir() / "events"
    if not events.is_dir():
        pytest.skip(f"ACLED events corpus not found at {events} (set NEWSMON_CORPUS_DIR)")
    from etl.evaluation.event_records import eval_event_records

    scores = eval_event_records(tagger, corpus_dir(), fatality_limit=3000, record_limit=300)
    m, b = scores.metrics(), scores.baselines()
    # regression floors (measured minus a margin) and better than the regex baseline
    assert m["fatalities_exact"] >= 0.90 and m["fatalities_exact"] > b["fatalities_exact"]
    assert m["fatalities_exact_deaths"] >= 0.74
    assert m["fatalities_exact_deaths"] > b["fatalities_exact_deaths"] + 0.3
    assert m["place_over_500km"] <= 0.08
    assert m["event_date_match_relative"] >= 0.6
    assert m["event_records_ms_per_text"] < 20
