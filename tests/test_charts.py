"""Offline SVG charts and map."""

from datetime import date

from etl.outputs.charts import Point, bar_chart, country_rings, line_chart, world_map


def test_country_outlines_decode_to_plausible_coordinates():
    rings = country_rings()
    assert len(rings) > 200
    coords = [c for ring in rings for c in ring]
    assert all(-180.001 <= lon <= 180.001 and -90.001 <= lat <= 90.001 for lon, lat in coords)
    assert all(ring[0] == ring[-1] for ring in rings)  # closed rings


def test_map_is_inline_svg_with_points_and_labels():
    svg = world_map([Point(43.13, 36.34, "Mosul", 5), Point(44.36, 33.31, "Baghdad", 2)],
                    title="Places")
    assert svg.startswith("<svg") and "Mosul" in svg and "Baghdad" in svg
    assert 'href="http' not in svg and 'src="http' not in svg  # nothing to fetch
    assert svg.count("<path") > 50


def test_line_and_bar_charts():
    svg = line_chart({"battles": [(date(2026, 11, 20), 3), (date(2026, 11, 21), 5)]},
                     title="Categories")
    assert svg.startswith("<svg") and "battles" in svg and "20 Nov" in svg
    bars = bar_chart([("Islamic State", 10), ("PMF", 4)], title="Actors")
    assert "Islamic State" in bars and "PMF" in bars
