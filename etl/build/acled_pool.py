"""The ACLED pool of the shared corpus: ONE reader and ONE held-out split (by source).

``<corpus>/events/acled_pool.csv.gz`` (ACLED events with their notes, current taxonomy; see that
folder's README) is read here and nowhere else: the event-model trainer
(:mod:`etl.build.event_model`), the event-type evaluation (:mod:`etl.evaluation.events`) and the
event-record evaluation (:mod:`etl.evaluation.event_records`) all take rows and the split from
this module.

Split by ``source_repo``, never by row: :data:`HELD_OUT_SOURCES` are kept for ``newsmon eval``
(regions, years and coders no model or rule was fitted on); everything else may train. The list
was fixed before any model was fitted: the one global sample (dtacled/acledR, 2022, 100+
countries, the only large Latin American and European coverage), one protest-only source
(Bangladesh), one war (Ukraine 2022), one explosions-only source (Myanmar), two West African
sources (Burkina Faso, Benin).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from etl.tagging.events.text import strip_boilerplate

POOL_FILE = Path("events") / "acled_pool.csv.gz"
HELD_OUT_SOURCES = frozenset({
    "dtacled/acledR",
    "zachessesjohnson/Protest-Diffusion",
    "BW-GIS-Developer/EGM722-ACLED-Analysis",
    "food-security-cluster-myanmar/exploratory-data-analysis-acled-fsc",
    "ElliottMess/WSC_bfa_analysis",
    "JoshMerfeld/saereplication",
})


@dataclass(frozen=True)
class EventRow:
    """One ACLED event: its note (as written) and its coding."""

    notes: str
    event_type: str
    sub_event_type: str
    source_repo: str
    country: str
    fatalities: int
    event_date: str = ""
    location: str = ""
    latitude: str = ""
    longitude: str = ""
    geo_precision: str = ""
    actor1: str = ""
    fatalities_raw: str = ""
    actor2: str = ""

    @property
    def text(self) -> str:
        """The note without ACLED's template (what the model reads)."""
        return strip_boilerplate(self.notes)

    def __getitem__(self, key: str) -> str:
        """Column access as in the CSV (``row["notes"]``), for dict-style readers."""
        if key == "fatalities":
            return self.fatalities_raw
        return getattr(self, key)

    def get(self, key: str, default: str = "") -> str:
        try:
            return self[key]
        except AttributeError:
            return default


def is_held_out(source_repo: str) -> bool:
    """Is this source kept for evaluation (never trained or tuned on)?"""
    return source_repo in HELD_OUT_SOURCES


def read_events(corpus: Path) -> list[EventRow]:
    """Every modern-taxonomy event with a note and a sub-event type, in file order."""
    path = corpus / POOL_FILE
    if not path.exists():
        raise FileNotFoundError(f"no ACLED events at {path} (set NEWSMON_CORPUS_DIR)")
    rows = []
    with gzip.open(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not (r.get("notes") or "").strip() or not r.get("sub_event_type"):
                continue
            raw_fat = (r.get("fatalities") or "").strip()
            try:
                fatalities = int(float(raw_fat or 0))
            except ValueError:
                fatalities = 0
            rows.append(EventRow(
                r["notes"], r["event_type"], r["sub_event_type"], r["source_repo"],
                r.get("country", ""), fatalities, r.get("event_date", ""), r.get("location", ""),
                r.get("latitude", ""), r.get("longitude", ""), r.get("geo_precision", ""),
                r.get("actor1", ""), raw_fat, r.get("actor2", "")))
    return rows


def split_by_source(rows: Sequence[EventRow]) -> tuple[list[EventRow], list[EventRow]]:
    """(train, held-out) by source repository."""
    train = [r for r in rows if not is_held_out(r.source_repo)]
    held = [r for r in rows if is_held_out(r.source_repo)]
    return train, held
