"""Per-language vocabulary tables for the event modules (numbers, fatalities, dates, triggers).

One module per language (``fr``, ``es``, ``pt``, ``ru``, ``uk``, ``ar``) defines the same names,
plain data read by the shared logic in :mod:`etl.tagging.events.numbers`,
:mod:`etl.tagging.events.fatalities`, :mod:`etl.tagging.events.dates` and
:mod:`etl.tagging.lang.events`:

- ``UNITS`` (word -> value, 0-19 and round tens/hundreds), ``VAGUE`` (ACLED's figures for
  "dozens" words);
- ``DEATH``: regular expressions of death words ("tués", "погибли"); ``INJURY`` likewise (never
  counted; they stop a list of the dead);
- ``RELATIVE`` (word -> days before publication: "hier" 1), ``WEEKDAYS`` (Monday first, each a
  regex), ``MONTHS`` (January first, each a regex);
- ``TRIGGERS``: ACLED sub-event type -> regular expressions of words that report it; the
  strongest matching type wins (order in :data:`etl.tagging.lang.events.PRIORITY`).

Every table was written by hand for newsmon (no data set was copied).
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

LANGUAGES = ("fr", "es", "pt", "ru", "uk", "ar")


@cache
def vocabulary(language: str | None) -> ModuleType | None:
    """The tables of ``language`` (None for English and for languages without tables)."""
    if language not in LANGUAGES:
        return None
    return importlib.import_module(f"etl.tagging.events.lang.{language}")
