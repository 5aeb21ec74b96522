"""The campaign's "bombs" scenario, smaller: every bomb recorded, good articles loaded, bounded."""

from __future__ import annotations

import pytest

from bench import bombs

pytestmark = pytest.mark.campaign


def test_bombs_scenario_loads_the_good_records_the_bombs_in_bounded_memory(db_url, tmp_path):
    result = bombs.scenario_bombs(db_url, tmp_path, n_good=6, entity_items=2_000)
    assert result.runs == result.survived == 2, result.notes
    assert result.loaded == result.expected == 6, result.notes
    assert result.lost == 0 and result.duplicated == 0, result.notes
    assert result.peak_mb < result.baseline_peak_mb + bombs.PEAK_MARGIN_MB, result.notes
