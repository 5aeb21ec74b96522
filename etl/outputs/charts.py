"""Charts and a world map as inline SVG (matplotlib), for reports that render offline.

No JavaScript and no tiles: the map draws Natural Earth country outlines
(``etl/data/countries-110m.json``, TopoJSON from world-atlas) in an equirectangular projection,
so a report opens anywhere, including on machines without internet access.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from etl.settings import PACKAGE_DIR  # noqa: E402

WORLD = PACKAGE_DIR / "data" / "countries-110m.json"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    label: str
    weight: float = 1.0


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prologue: the SVG is inlined in HTML


@lru_cache(maxsize=1)
def country_rings() -> tuple[tuple[tuple[float, float], ...], ...]:
    """All country outline rings as (lon, lat) tuples, decoded from TopoJSON."""
    topo = json.loads(WORLD.read_text())
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:  # delta-encoded, quantised positions
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> tuple[tuple[float, float], ...]:
        coords: list[tuple[float, float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(points[1:] if coords else points)
        return tuple(coords)

    rings = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs", [])
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            rings.extend(ring(r) for r in polygon)
    return tuple(rings)


def world_map(points: Sequence[Point], *, title: str = "", width: float = 9.0) -> str:
    """An SVG map of ``points`` (sized by weight) over country outlines, zoomed to the points."""
    if points:
        lons = [p.lon for p in points]
        lats = [p.lat for p in points]
        pad = 8.0
        west, east = max(-180, min(lons) - pad), min(180, max(lons) + pad)
        south, north = max(-90, min(lats) - pad), min(90, max(lats) + pad)
        if east - west < 30:
            mid = (east + west) / 2
            west, east = mid - 15, mid + 15
        if north - south < 20:
            mid = (north + south) / 2
            south, north = mid - 10, mid + 10
    else:
        west, east, south, north = -180, 180, -60, 85
    aspect = (north - south) / (east - west)
    fig, ax = plt.subplots(figsize=(width, max(3.0, width * aspect)))
    ax.add_collection(PolyCollection(country_rings(), facecolors="#eeeeee",
                                     edgecolors="#999999", linewidths=0.4))
    if points:
        top = max(p.weight for p in points)
        ax.scatter([p.lon for p in points], [p.lat for p in points],
                   s=[30 + 400 * p.weight / top for p in points], c="#d62728", alpha=0.6,
                   edgecolors="#7f0000", linewidths=0.5, zorder=3)
        for p in sorted(points, key=lambda p: -p.weight)[:15]:
            ax.annotate(p.label, (p.lon, p.lat), xytext=(4, 4), textcoords="offset points",
                        fontsize=8, zorder=4)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#dfefff")
    if title:
        ax.set_title(title)
    return _svg(fig)


def line_chart(series: dict[str, Sequence[tuple[date, float]]], *, title: str = "",
               ylabel: str = "articles") -> str:
    """One line per series over days."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for i, (name, values) in enumerate(series.items()):
        values = sorted(values)
        ax.plot([d for d, _ in values], [v for _, v in values], marker="o", markersize=3,
                label=name, color=PALETTE[i % len(PALETTE)])
    if series:
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.autofmt_xdate()
    return _svg(fig)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str = "",
              xlabel: str = "mentions") -> str:
    """Horizontal bars, largest on top."""
    items = list(items)[::-1]
    fig, ax = plt.subplots(figsize=(9, max(2.0, 0.35 * len(items) + 1)))
    ax.barh([name for name, _ in items], [v for _, v in items], color=PALETTE[0])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig)
