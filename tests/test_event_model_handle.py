"""One handle on the event model (issue 19): the tagger holds it and passes it to the record
builder; ``use_event_model=False`` turns event types and records off; a missing model file
degrades (logged) instead of raising."""

from __future__ import annotations

import logging

from etl.tagging.core import tagger as tagger_module
from etl.tagging.core.tagger import Tagger
from etl.tagging.events.classifier import load_event_model
from etl.tagging.events.records import build_events

REPORT = ("Gunmen killed three soldiers in an attack on a checkpoint near Mosul, in northern "
          "Iraq, on Monday, the Iraqi army said.")


def test_the_tagger_passes_its_model_to_the_records(gazetteer_tagger):
    result = gazetteer_tagger.tag(REPORT)
    assert gazetteer_tagger.event_model is not None
    assert result.event_type is not None and result.events
    # the records come from the model they are given, and from none without one
    assert build_events(REPORT, result, model=gazetteer_tagger.event_model)
    assert build_events(REPORT, result, model=None) == []


def test_use_event_model_false_turns_event_types_and_records_off():
    off = Tagger(use_model=False, use_event_model=False)
    assert off.event_model is None
    result = off.tag(REPORT)
    assert result.event_type is None and result.events == []
    assert result.categories  # keyword categories still come
    assert off.version != Tagger(use_model=False).version  # its tags are not the full ones


def test_a_missing_model_file_degrades_with_a_warning(tmp_path, monkeypatch, caplog):
    missing = tmp_path / "event_model.npz"
    # the real loader, pointed at a file that is not there
    monkeypatch.setattr(tagger_module, "load_event_model", lambda: load_event_model(missing))
    with caplog.at_level(logging.WARNING, logger="etl.tagging.core.tagger"):
        degraded = Tagger(use_model=False)
    assert degraded.event_model is None
    assert any("event model" in r.getMessage() for r in caplog.records)
    result = degraded.tag(REPORT)  # no exception: no event type, no records
    assert result.event_type is None and result.events == []
