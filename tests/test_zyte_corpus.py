"""Extraction through the pipeline matches trafilatura called directly (Zyte benchmark pages).

Needs ../shared/corpus (or NEWSMON_CORPUS_DIR); skipped with a message when it is absent.
The pages are served from memory by the local test server, never copied into the repository.
"""

from __future__ import annotations

import gzip
import json
from xml.sax.saxutils import escape

import pytest
from conftest import corpus_dir, rows
from trafilatura import extract

from bench.metrics import score
from etl.run.pipeline import run
from etl.web.site import Site

ZYTE = corpus_dir() / "extraction" / "zyte"
pytestmark = [pytest.mark.slow, pytest.mark.corpus, pytest.mark.skipif(
    not (ZYTE / "ground-truth.json").is_file(),
    reason=f"evaluation corpus not found at {ZYTE} (set NEWSMON_CORPUS_DIR)",
)]


def test_pipeline_extraction_quality_matches_direct_trafilatura(settings, conn, tmp_path):
    truth = json.loads((ZYTE / "ground-truth.json").read_text())
    pages = {key: gzip.decompress((ZYTE / "html" / f"{key}.html.gz").read_bytes())
             for key in sorted(truth)}
    assert len(pages) == 181
    files = {f"/zyte/{key}.html": html for key, html in pages.items()}
    items = "".join(
        f"<item><title>{escape(key)}</title><link>{{{{BASE_URL}}}}/zyte/{key}.html</link>"
        f"<guid>{key}</guid></item>"
        for key in pages
    )
    files["/zyte.xml"] = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Zyte</title>{items}'
        "</channel></rss>"
    ).encode()
    with Site(files=files) as site:
        feeds = tmp_path / "zyte.yaml"
        feeds.write_text(f'feeds:\n  - url: "{site.url("/zyte.xml")}"\n')
        summary = run(settings, feeds)
        base = site.base_url
    assert summary.articles_new == 181
    stored = dict(rows(conn, "SELECT url, text FROM articles"))
    through = {key: stored.get(f"{base}/zyte/{key}.html") for key in pages}
    direct = {key: extract(html, include_comments=False) for key, html in pages.items()}

    pipeline_score = score((truth[k]["articleBody"], through[k]) for k in pages)
    direct_score = score((truth[k]["articleBody"], direct[k]) for k in pages)
    print(f"\nZyte F1 through the pipeline {pipeline_score.f1:.3f} "
          f"(P {pipeline_score.precision:.3f} R {pipeline_score.recall:.3f}); "
          f"direct trafilatura {direct_score.f1:.3f}; "
          f"{summary.articles_extracted} extracted, {summary.articles_failed} failed")
    assert direct_score.f1 > 0.9  # the corpus README measured 0.960
    assert pipeline_score.f1 >= direct_score.f1 - 0.002
    identical = sum(1 for k in pages if (through[k] or "") == (direct[k] or ""))
    assert identical >= 178, f"only {identical} of 181 texts identical to direct extraction"
