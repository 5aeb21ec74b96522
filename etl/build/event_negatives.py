"""Texts that report no event, for the event/no-event decision (``newsmon train-events``).

From the shared corpus, read only (never copied): the article bodies of ``extraction/zyte``
(``ground-truth.json``; repository MIT) and the items (title and summary) of the English news
feeds in ``feeds/`` (repositories MIT). Both are general news: technology, business, sport,
culture, politics, disasters, accidents, and some conflict news. Passages that name an armed or
political actor or a conflict act (:data:`CONFLICT`) are left out, since some of them report
events; a passage whose context is sport, disaster, accident or business (:data:`NON_POLITICAL`)
stays even so ("an earthquake killed 42", "the striker's shot"): those are the hard negatives.
Articles are cut into lede-sized passages (one to three sentences) so that a negative looks like
a note or a lede, not like a long page.

Beside them, passages written for newsmon from templates (:func:`written_negatives`): disasters,
accidents, epidemics, sport, business, diplomacy, told with the words of conflict news.

Which corpus passage is negative is a rule on words (weak labels); the rule decides only what is
learned from, never what the product answers.
"""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

from etl.tagging.events.classifier import sentence_spans

ZYTE = Path("extraction") / "zyte" / "ground-truth.json"
FEEDS = Path("feeds")
# feeds that are not in English (the model reads English)
NOT_ENGLISH = ("heise", "qq_news", "uol_", "jn_pt")
CONFLICT = re.compile(
    r"\b(?:militan\w*|rebel\w*|insurgen\w*|troops?|soldiers?|army|armed|military|militia\w*|"
    r"gunm[ae]n|terror\w*|jihad\w*|bomb\w*|shell(?:ed|ing)|airstrikes?|air strikes?|drones?|"
    r"missiles?|rockets?|war|wars|warfare|fighting|fighters|clash\w*|protest\w*|demonstrat\w*|"
    r"riot\w*|police|arrest\w*|detain\w*|abduct\w*|kidnap\w*|hostages?|assassin\w*|murder\w*|"
    r"shot|shooting|gunfire|stabbed|attack\w*|killed|killing|wounded|violence|violent|massacre|"
    r"taliban|hamas|hezbollah|isis|isil|al-qaeda|shabaab|boko|ceasefire|invasion|invaded|"
    r"occupation|coup|junta|regime|genocide|refugees?|strikes?|raid\w*|looted|looting|"
    r"torched|arson|mob|lynch\w*|executed|execution|insurrection|uprising|separatist\w*)\b",
    re.I)
NON_POLITICAL = re.compile(
    r"\b(?:match|league|goal|striker|coach|tournament|championship|season|scored|football|"
    r"soccer|cricket|tennis|rugby|basketball|baseball|hockey|olympic\w*|athletes?|stadium|"
    r"earthquake|quake|floods?|flooding|cyclone|hurricane|typhoon|landslide|tsunami|wildfires?|"
    r"storms?|drought|volcano|eruption|tornado|avalanche|heatwave|monsoon|accident|crash\w*|"
    r"collision|collided|derail\w*|capsized|drowned|blaze|firefighters|shares|profits?|revenue|"
    r"earnings|investors?|stocks?|merger|acquisition|ceo|dividend|bankruptcy|inflation|nfl|nba)\b",
    re.I)
MAX_PASSAGES = 12  # per article: a long page does not outweigh the others


def passages(text: str, size: int = 3, limit: int = MAX_PASSAGES) -> list[str]:
    """Consecutive groups of one to ``size`` sentences (varying with the position, so both short
    and lede-sized passages are seen)."""
    spans = sentence_spans(text)
    out, i = [], 0
    while i < len(spans) and len(out) < limit:
        n = 1 + (i % size)
        group = spans[i:i + n]
        out.append(text[group[0][0]:group[-1][1]])
        i += n
    return out


def is_negative(passage: str) -> bool:
    """No armed or political actor or conflict act named, or a non-political context."""
    return len(passage) >= 40 and (not CONFLICT.search(passage)
                                   or bool(NON_POLITICAL.search(passage)))


def _zyte(corpus: Path) -> list[tuple[str, str]]:
    path = corpus / ZYTE
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        truth = json.load(fh)
    return [(f"zyte:{key}", item.get("articleBody") or "") for key, item in sorted(truth.items())]


def _feeds(corpus: Path) -> list[tuple[str, str]]:
    import feedparser

    folder = corpus / FEEDS
    out = []
    for path in sorted(folder.glob("*.xml")) if folder.is_dir() else []:
        if path.name.startswith(NOT_ENGLISH):
            continue
        parsed = feedparser.parse(path.read_bytes())
        for n, entry in enumerate(parsed.entries):
            summary = re.sub(r"<[^>]+>", " ", entry.get("summary") or "")
            text = " ".join(f"{entry.get('title') or ''}. {summary}".split())
            out.append((f"feed:{path.stem}:{n}", text))
    return out


def read_negatives(corpus: Path) -> list[tuple[str, str]]:
    """(document key, passage) of every negative passage, in a fixed order: the corpus' pages
    and feed items, then the passages written for newsmon (:func:`written_negatives`)."""
    out = []
    for key, text in _zyte(corpus) + _feeds(corpus):
        out.extend((key, p) for p in passages(text) if is_negative(p))
    return out + written_negatives()


def held_back(key: str, parts: int = 4) -> bool:
    """A fixed quarter of the documents, kept out of the fit to calibrate the threshold."""
    return zlib.crc32(key.encode()) % parts == 0


# --- passages written for newsmon: the hard negatives -----------------------------------------
# News about disasters, accidents, epidemics, sport, business and diplomacy uses the words of
# conflict news ("killed", "explosion", "attack", "battle", "fired"), and the corpus pages hold
# few of them. These templates (written for this project, no copied text) are filled
# deterministically; the evaluation's texts (etl/evaluation/data/non_violent.yaml, CASE 2021) are
# never used to write or fill them.
TOWNS = ("Ardmore", "Bexley", "Kestrel Bay", "Lowmoor", "San Aurelio", "Port Halden", "Vinsk",
         "Tamarind", "Okoro", "Batu Merah", "Qasr Nadim", "Riverton", "Chalkhill", "Dunmore",
         "Pradesh Nagar", "Kalani", "Mirova", "Santa Lucia", "Elbrook", "Nuevo Campo")
DAYS = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
        "on Sunday", "overnight", "early on Sunday", "late on Friday", "this morning")
TEMPLATES = """
A magnitude {m} earthquake struck near {town} {day}, killing at least {n} people and damaging hundreds of buildings, the disaster management agency said.
Rescue teams were searching the rubble for survivors after the quake, which toppled homes and cut power across the region; {n} deaths have been confirmed.
Flash floods after days of heavy rain swept through {town} {day}, killing {n} people and forcing thousands from their homes.
The river burst its banks and flooded low-lying districts of {town}; soldiers were deployed to evacuate residents and distribute food.
A landslide buried several houses in {town} {day} after torrential rain, and {n} bodies have been recovered so far.
The cyclone made landfall near {town} with winds of {k} km per hour, destroying crops and killing {n} people, officials said.
Hurricane winds flattened homes along the coast near {town}; the governor declared a state of emergency as the death toll rose to {n}.
A typhoon battered the islands {day}, uprooting trees and cutting off electricity to {k},000 households; {n} people died.
Wildfires raged for a third day near {town}, destroying {k} homes, and firefighters battled the flames from the air.
A forest fire forced the evacuation of villages around {town} as strong winds drove the blaze towards the highway.
Lightning killed {n} farmers working in the fields outside {town} {day}, local officials said.
The heatwave has claimed {n} lives in {town} this week, most of them elderly people, as temperatures passed {k} degrees.
The drought has wiped out the harvest around {town}, and aid agencies warn that families face hunger.
The volcano erupted {day}, sending a column of ash over {town} and forcing the airport to close.
A tornado ripped through {town} {day}, killing {n} people and tearing the roofs off dozens of houses.
An avalanche buried a group of hikers near {town}; rescuers pulled {n} bodies from the snow.
A bus carrying pilgrims plunged into a gorge near {town} {day}, killing {n} passengers and injuring {k} others.
{n} people were killed when a truck collided head-on with a minibus on the highway outside {town}, police said.
A passenger train derailed near {town} {day}, killing {n} people; the railway ministry ordered an inquiry.
A small plane crashed shortly after take-off from {town}, killing all {n} people on board, the aviation authority said.
An overloaded ferry capsized on the river near {town} {day}; {n} passengers drowned and dozens are missing.
A five-storey building collapsed in {town} {day}, trapping residents; {n} bodies were pulled from the debris.
A gas cylinder explosion ripped through a restaurant in {town}, killing {n} people; firefighters blamed a leaking pipe.
An explosion at a chemical plant outside {town} killed {n} workers and sent a plume of smoke over the city.
A fire broke out in a garment factory in {town} {day}, killing {n} workers who were trapped behind locked doors.
A blast in a coal mine near {town} killed {n} miners, and rescue teams were trying to reach others trapped underground.
A boiler exploded at a sugar mill in {town}, killing {n} labourers and injuring {k}.
A fireworks warehouse exploded in {town} {day}, killing {n} people and shattering windows across the neighbourhood.
A bridge collapsed in {town} during the evening rush hour, sending cars into the river; {n} people died.
{n} people were crushed to death in a stampede at a religious festival in {town} {day}.
{n} people died after drinking toxic bootleg liquor in villages around {town}, health officials said.
A gas leak at a fertiliser factory near {town} killed {n} people and sent {k} to hospital.
An electrical short circuit started a fire in a hospital ward in {town}, killing {n} patients.
Health officials reported {k} new cases of cholera in {town} this week and {n} deaths.
Covid-19 infections rose again in {town}, with {k} new cases and {n} deaths reported over the past day.
A measles outbreak has killed {n} children in {town}, and the health ministry launched a vaccination campaign.
Hospitals in {town} are overwhelmed as dengue cases climb, with {n} deaths recorded this month.
The striker fired a shot into the top corner as {town} City beat their rivals {n}-1 {day}.
The home side attacked from the first whistle and won the derby {n}-0 in front of a record crowd.
Fans celebrated in the streets of {town} after their team won the championship final on penalties.
The champion defended her title in a battle of five sets, firing {k} aces in the final.
The coach said his squad fought bravely but were beaten by a late goal in the semi-final.
The boxer knocked out his opponent in the third round to keep his unbeaten record.
{town} Rovers besieged the visitors' penalty area and fought back from two goals down; the winger's shot sealed the comeback.
After a tense battle in midfield, the visitors struck on the counter-attack and won the shootout {n}-{m2}.
Tempers flared in a clash between the two captains near the touchline, and the referee sent both off.
The defenders came under heavy attack in the second half but the goalkeeper held firm for a {n}-0 win.
The quarterback was sacked {n} times as the home side's defence overran the visitors' offensive line.
The challenger fought back from a set down, firing winners from the baseline to take the title in {town}.
The captain struck a century as the visitors took control of the second test at {town}.
The two companies are locked in a price war for the smartphone market, and shares fell {n} per cent.
Investors fled bank stocks after the central bank raised interest rates by {n} basis points.
The retailer launched a hostile takeover bid for its rival, valuing the group at {k} million dollars.
The carmaker will cut {k} jobs at its plant in {town} as sales slump, the company said.
Oil prices jumped {n} per cent after the producers' group agreed to extend output cuts.
The startup raised {k} million dollars to expand its delivery service to {town}.
The foreign minister met his counterpart in {town} {day} to discuss trade, energy and visas.
The two governments signed an agreement on fisheries and promised closer cooperation on climate.
The president travelled to {town} for a summit on infrastructure investment and regional trade.
The ambassador said relations between the two countries had never been stronger.
Parliament passed the budget {day} after a long debate on taxes and pensions.
The prime minister announced a cabinet reshuffle, naming a new finance minister.
The court sentenced a former bank manager to {n} years in prison for fraud and money laundering.
Customs officers seized {k} kilograms of cocaine hidden in a shipment of bananas at the port of {town}.
The museum in {town} reopened after renovation with an exhibition on the history of the railway.
Scientists in {town} unveiled a new battery that charges in {n} minutes.
The festival drew {k},000 visitors to {town} for three days of music and food.
""".strip().splitlines()


def written_negatives(per_template: int = 25, seed: int = 0) -> list[tuple[str, str]]:
    """(key, passage) of the filled templates (deterministic: a seeded generator)."""
    import random

    rng = random.Random(seed)  # noqa: S311 - deterministic filling, not security
    out = []
    for i, template in enumerate(TEMPLATES):
        for _j in range(per_template):
            text = template.format(town=rng.choice(TOWNS), day=rng.choice(DAYS),
                                   n=rng.randint(2, 60), k=rng.randint(3, 400),
                                   m=f"{rng.uniform(5.0, 7.9):.1f}", m2=rng.randint(1, 5))
            out.append((f"written:{i}", text[:1].upper() + text[1:]))  # one document
    return out
