"""feedparser's own 63 malformed and hostile feeds, served with the headers their cases need."""

from __future__ import annotations

import json

import feedparser
import pytest
from conftest import corpus_dir, rows

from bench import campaign
from etl.stages.poll import neutralise_doctype
from etl.web.urls import BadURL, canonical_url

BADFEEDS = corpus_dir() / "badfeeds"
pytestmark = [pytest.mark.campaign, pytest.mark.corpus, pytest.mark.skipif(
    not (BADFEEDS / "manifest.json").is_file(),
    reason=f"evaluation corpus not found at {BADFEEDS.parent} (set NEWSMON_CORPUS_DIR)",
)]


def test_every_bad_feed_has_a_recorded_outcome_and_readable_entries_are_kept(
    db_url, tmp_path, conn
):
    result = campaign.scenario_badfeeds(db_url, tmp_path, corpus_dir())
    assert result.survived == result.runs == 1
    assert result.loaded == result.expected == 63 and result.lost == 0, result.notes
    outcomes = rows(conn, "SELECT f.url, p.error, p.warning FROM feeds f JOIN feed_polls p "
                          "ON p.feed_id = f.id")
    assert len(outcomes) == 63
    stored = {r[0] for r in rows(conn, "SELECT url FROM articles")}
    manifest = json.loads((BADFEEDS / "manifest.json").read_text())["files"]
    expected_urls = set()
    for name, spec in manifest.items():
        headers = {k.lower(): v for k, v in (spec.get("http_headers") or {}).items()}
        base = f"http://127.0.0.1/bad/{name}"
        parsed = feedparser.parse(neutralise_doctype((BADFEEDS / name).read_bytes()),
                                  response_headers={**headers, "content-location": base})
        for entry in parsed.entries:
            try:
                expected_urls.add(canonical_url(entry.get("link") or "", base).split("/", 3)[3])
            except BadURL:
                pass
    stored_paths = {u.split("/", 3)[3] for u in stored}
    assert expected_urls <= stored_paths  # every entry with a usable link became an article
    errors = [e for _, e, _ in outcomes if e]
    assert all(e.split(":")[0] in {"ParseError"} for e in errors), errors
