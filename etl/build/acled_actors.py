"""The ACLED actor-name table: how notes name an actor, and the name ACLED's coders gave it.

ACLED names actors its own way ("Military Forces of Iraq (2014-)", "Islamic State (Iraq)",
"NPA: New People's Army"). From the *training sources* of the shared pool (the held-out-by-source
split of :mod:`etl.evaluation.split`) this learns, for phrases of one to four words that notes
use ("Al Shabaab", "NPA", "Boko Haram", "Arakan Army"), the ACLED actor name (actor1 or actor2)
that goes with them: a phrase is kept when it appears in at least :data:`MIN_NOTES` notes, the
name is on at least :data:`MIN_SHARE` of them, and the phrase shares a word with the name or
is an acronym (so that place names, which go with their region's actors, are not learned).
Generic actors (Protesters, Rioters, Civilians, Unidentified Armed Group, ...) are left to the
rules of :mod:`etl.tagging.events.actors`.

What is shipped (``etl/data/acled_actor_names.tsv``) is derived data only: phrase, ACLED actor
name, notes with the phrase, share; no event, note or date. Provenance: ACLED (Armed Conflict
Location & Event Data Project, acleddata.com) exports gathered in ``../shared/corpus/events``.
Attribution: "Armed Conflict Location & Event Data Project (ACLED); acleddata.com". ACLED's terms
of use apply.

Rebuild (deterministic: the same corpus gives the same file)::

    python -m etl.build.acled_actors [CORPUS_DIR] [OUT_FILE]
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from etl.build.acled_pool import is_held_out as held_out
from etl.settings import PACKAGE_DIR

ACTOR_TABLE = PACKAGE_DIR / "data" / "acled_actor_names.tsv"
MIN_NOTES = 5
MIN_SHARE = 0.75
MIN_SHARE_WORD = 0.9  # a single word that is not an acronym
MAX_WORDS = 4
GENERIC = re.compile(r"^(?:Protesters|Rioters|Civilians|Unidentified|Communal Militia"
                     r"|Private Security|Labour Group|Students|Journalists|Farmers|Women"
                     r"|Health Workers|Lawyers|Teachers|Government of|Prisoners|Refugees"
                     r"|Muslim Group|Christian Group|Hindu Group|Ethnic Group)", re.I)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# lower-case words a phrase may hold ("Russian forces", "JNIM militants")
_FORCE_WORDS = frozenset("""forces force military army militants militia militiamen rebels
fighters police troops soldiers insurgents group movement""".split())
_MONTHS = frozenset("""january february march april may june july august september october
november december jan feb mar apr jun jul aug sep sept oct nov dec""".split())
_STOP = frozenset("""the of and in on at a an to for by with from as was were is are had has
have been this that who which it its their his her they he she on near after during
""".split())


def phrases(note: str) -> set[str]:
    """Candidate phrases of a note: runs of one to four words starting with a capital, each
    word capitalised or a word for armed men ("Russian forces"), no month, no stop word at
    either end."""
    words = _WORD.findall(note)
    out = set()
    for i, w in enumerate(words):
        if not w[0].isupper() or w.lower() in _STOP or w.lower() in _MONTHS:
            continue
        for n in range(1, MAX_WORDS + 1):
            chunk = words[i:i + n]
            if len(chunk) < n or chunk[-1].lower() in _STOP or not (
                    chunk[-1][0].isupper() or chunk[-1].lower() in _FORCE_WORDS):
                break
            if chunk[-1].lower() in _MONTHS:
                break
            out.add(" ".join(chunk))
    return out


def _related(phrase: str, name: str) -> bool:
    """The phrase names the actor: a shared word of 3+ letters, or an acronym in the name."""
    p_words = {w.lower() for w in _WORD.findall(phrase) if len(w) >= 3 and w.lower() not in _STOP}
    n_words = {w.lower() for w in _WORD.findall(name) if len(w) >= 3}
    if p_words & n_words:
        return True
    return phrase.isupper() and 2 <= len(phrase) <= 8 and phrase in name


def learn(corpus: Path) -> list[tuple[str, str, int, float]]:
    """(phrase, ACLED name, notes with the phrase, share) from the training sources."""
    seen: Counter[str] = Counter()
    with_name: dict[str, Counter[str]] = defaultdict(Counter)
    path = corpus / "events" / "acled_pool.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if held_out(row.get("source_repo") or ""):
                continue
            names = {(row.get(k) or "").strip() for k in ("actor1", "actor2")} - {""}
            names = {n for n in names if not GENERIC.match(n)}
            for p in phrases(row.get("notes") or ""):
                seen[p] += 1
                for n in names:
                    if _related(p, n):
                        with_name[p][n] += 1
    table = []
    for p, counts in with_name.items():
        name, hits = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        share = hits / seen[p]
        single = " " not in p and not p.isupper()  # "Tigray", "New": places, half-names
        if seen[p] >= MIN_NOTES and share >= (MIN_SHARE_WORD if single else MIN_SHARE):
            table.append((p, name, seen[p], round(share, 3)))
    return sorted(table)


def write_table(table: list[tuple[str, str, int, float]], out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write("# Derived from ACLED (Armed Conflict Location & Event Data Project; "
                 "acleddata.com), training sources of the shared pool: phrase, ACLED actor "
                 "name, notes with the phrase, share. Built by python -m etl.build.acled_actors.\n")
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(("phrase", "acled_name", "notes", "share"))
        writer.writerows(table)


def main(argv: list[str]) -> None:
    from etl.settings import corpus_dir

    corpus = Path(argv[0]) if argv else corpus_dir()
    out = Path(argv[1]) if len(argv) > 1 else ACTOR_TABLE
    table = learn(corpus)
    write_table(table, out)
    print(f"{len(table)} phrases written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
