"""The pieces that make the pipeline fast and small: chunked NER, the cached place gazetteer,
the worker processes (which must end with their main process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from etl.tagging.core.matcher import PhraseIndex
from etl.tagging.core.ner import chunks, load_model, pipe_docs
from etl.tagging.geo.gazetteer import PlaceTable, load_places, write_cache


@pytest.mark.parametrize("text", [
    "",
    "short text",
    "First paragraph about Mosul.\n" * 300,
    "One sentence without line ends. " * 400,
    "x" * 5000,  # no whitespace at all: hard cuts
])
def test_chunks_join_back_exactly_and_stay_bounded(text):
    pieces = chunks(text, limit=2000)
    assert "".join(pieces) == text
    assert all(len(p) <= 2000 for p in pieces)
    # every piece but the last ends in whitespace when the text has any
    if " " in text or "\n" in text:
        assert all(p[-1].isspace() for p in pieces[:-1])


def test_chunked_ner_finds_the_same_entities_as_whole_text_ner():
    model = load_model()
    if model.nlp is None:
        pytest.skip(model.warning)
    nlp = model.nlp
    assert "tok2vec" not in nlp.pipe_names  # the NER embeds its own; the shared one is dropped
    paragraph = ("Iraqi forces led by General Abdul-Wahab al-Saadi entered Mosul on Monday, "
                 "the United Nations said in Geneva.\n")
    text = paragraph * 60  # about 7,000 characters: four pieces
    (doc,) = list(pipe_docs(nlp, [text]))
    assert doc.text == text
    whole = nlp(text)
    ours = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
    theirs = {(e.start_char, e.end_char, e.label_) for e in whole.ents}
    assert len(ours & theirs) >= 0.95 * len(theirs) > 0


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_place_gazetteer_cache_round_trips(tmp_path):
    directory = tmp_path / "places"
    write_cache(directory)  # builds from GeoNames, as a first run does
    loaded = PhraseIndex.load(directory)
    table = PlaceTable(json.loads((directory / "places.json").read_text()))
    reference = load_places()  # this process's gazetteer (from the user cache, or built)
    assert len(loaded) == len(reference.index) > 200_000
    assert len(table) == len(reference.places) > 150_000
    text = "Fighting near Qayyarah, south of Mosul in Iraq; Rafah and Goma too."
    assert [(m.start, m.end, m.payloads) for m in loaded.find(text)] == \
        [(m.start, m.end, m.payloads) for m in reference.index.find(text)]
    mosul = next(m for m in loaded.find(text) if m.text == "Mosul")
    assert "IQ" in {table[row].country for row in mosul.payloads}
    assert table[0].feature == "country" and table[len(table) - 1].feature == "town"


@pytest.mark.slow
def test_workers_end_with_a_killed_main_process(tmp_path):
    """SIGKILL the main process: its fork server and workers must not linger (they would keep
    the run's stdout open and hold memory)."""
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent("""
        import os, sys, time
        from etl.stages.process import Workers
        if __name__ == "__main__":
            workers = Workers(2, tag=False)
            pids = [workers.pool.submit(os.getpid).result() for _ in range(8)]
            print(" ".join(map(str, sorted(set(pids)))), flush=True)
            time.sleep(120)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,  # noqa: S603
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    line = proc.stdout.readline()
    workers = [int(p) for p in line.split()]
    assert workers, "no worker answered"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in workers if _running(p)]
    assert not alive, f"workers {alive} outlived their main process"
    assert proc.stdout.read() == ""  # the pipe closed: nobody holds it any more


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_inline_workers_leave_the_main_process_alone():
    """With one process the work runs inline: the main process must not arm the exit guards
    meant for workers (a service whose parent is init would end at once)."""
    import ctypes

    from etl.stages.process import Workers

    with Workers(1, tag=False) as workers:
        assert workers.pool is None
    libc = ctypes.CDLL(None)
    signal_number = ctypes.c_int(-1)
    assert libc.prctl(2, ctypes.byref(signal_number)) == 0  # PR_GET_PDEATHSIG
    assert signal_number.value == 0
