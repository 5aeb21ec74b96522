"""The benchmark runs end to end (a tiny version: speed is measured by ``make bench``, not here)."""

from __future__ import annotations

import re

import pytest
from conftest import corpus_dir

from bench import run as bench

pytestmark = [pytest.mark.slow, pytest.mark.corpus, pytest.mark.skipif(
    not (corpus_dir() / "extraction" / "zyte" / "ground-truth.json").is_file(),
    reason=f"evaluation corpus not found at {corpus_dir()} (set NEWSMON_CORPUS_DIR)",
)]


def test_bench_runs_and_prints_its_summary_line(capsys):
    assert bench.main(["--articles", "24", "--feeds", "3", "--baseline-pages", "4",
                       "--processes", "2"]) == 0
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    match = re.fullmatch(r"articles_per_s=([\d.]+) ratio_to_baseline=([\d.]+) "
                         r"repoll_fraction=([\d.]+) peak_rss_mb=(\d+)", last)
    assert match, last
    assert float(match.group(1)) > 0 and float(match.group(3)) < 1
    assert "24 extracted and tagged" in out  # by two worker processes
    assert re.search(r"peak memory: \d+ MB summed PSS", out)
    assert "3 feeds 304, 0 pages fetched" in out  # the re-poll costs no page fetch
