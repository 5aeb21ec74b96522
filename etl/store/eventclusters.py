"""Event identity, computed once when events are stored: reports (``events`` rows) -> real events.

Every report belongs to exactly one cluster (``events.cluster_id``); each cluster has a
representative, its most specific report, and one ``event_clusters`` row (sql/011). Merging is
transitive by construction: a report is compared with the clusters' representatives, never
with other reports, and joins at most one cluster, so "same event" is a partition, not a chain.

The rule (:func:`cluster`), over all reports of a *block* (same ``event_date``,
``sub_event_type`` and ``country``, as ACLED codes one event in one country), widened to the
other reports of the same stories and of the same old clusters:

1. Reports are taken most specific first: most actors named, best place precision, best time
   precision, then earliest published (URL and event index break ties). The order depends only
   on the reports, never on the order they were stored in, so the clusters do not either.
2. A report whose story (``articles.story_id``) already has a report with the same
   ``event_index`` joins that report's cluster (a wire copy or a light edit of one story).
3. A report naming an actor joins the nearest cluster whose representative is within
   ``RADIUS_KM`` of it and shares an actor with it (either role); else it starts a cluster.
4. A report naming no actor (a vague "clashes near Mosul") joins the nearest cluster within
   ``RADIUS_KM``, whoever its actors are; it can never become the representative of a cluster
   that has a report naming actors, so it never blanks actors, lowers the deaths or coarsens the
   place (the deaths of vaguer reports stay visible as ``fatalities_min`` / ``fatalities_max``).

Each store recomputes, under the ``events`` pipeline lock, the clusters its articles' reports
were in and are in now (:func:`recluster`): not whole blocks but their *connected component*,
the reports linked to them by "same block and within ``RADIUS_KM``", "same story and event
index" or "same old cluster", found with a bounding-box lookup. A report only ever joins a
representative within ``RADIUS_KM`` of it in its block, or its story's, so the clusters of a
component are exactly those of the whole blocks (tested), at a cost independent of the blocks'
size. The same reports always give the same clusters (idempotent, order-independent), and
re-tagging an article moves its reports.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from etl.store.db import execute_values
from etl.store.locks import lock_row

log = logging.getLogger(__name__)

EVENTS_LOCK = "events"
RADIUS_KM = 25.0
SPATIAL_ROUNDS = 8  # hops of RADIUS_KM looked up box by box; a longer chain: its whole blocks
MAX_ROUNDS = 64  # hops in all (a component wider than this is cut: logged)
_CELL_DEG = 0.25  # latitude cell (27.8 km >= RADIUS_KM): neighbours are one cell away
_KM_PER_DEG = 111.32


@dataclass(frozen=True)
class Report:
    """One stored report (an ``events`` row) with what clustering needs of its article."""

    id: int
    article_id: int
    event_index: int
    event_date: date
    sub_event_type: str
    event_type: str
    time_precision: int
    actor1: str | None
    actor2: str | None
    country: str
    admin1: str
    location: str
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    fatalities: int
    story_id: int | None
    published_at: datetime | None
    url: str
    outlet: str | None

    @cached_property  # asked for each candidate cluster: computed once per report
    def actors(self) -> frozenset[str]:
        return frozenset(a for a in (self.actor1, self.actor2) if a)

    @property
    def block(self) -> tuple[date, str, str]:
        return (self.event_date, self.sub_event_type, self.country)

    def specificity_key(self) -> tuple:
        """Most specific first; the rest of the key only makes the order total."""
        return (-len(self.actors), self.geo_precision or 4, self.latitude is None,
                self.time_precision, *self.publication_key())

    def publication_key(self) -> tuple:
        return (self.published_at is None, self.published_at or datetime.min, self.url,
                self.event_index, self.id)


@dataclass
class Cluster:
    representative: Report
    members: list[Report] = field(default_factory=list)

    def row(self) -> tuple:
        """The ``event_clusters`` row (without ``updated_at``)."""
        rep = self.representative
        first = min(self.members, key=Report.publication_key)
        # the reports as specific as the representative give the deaths (ACLED: lowest credible)
        tier = [m for m in self.members if len(m.actors) >= min(len(rep.actors), 1)]
        deaths = [m.fatalities for m in tier if m.fatalities > 0]
        figures = [m.fatalities for m in self.members]
        precisions = [m.geo_precision for m in self.members if m.geo_precision is not None]
        outlets = sorted({m.outlet for m in self.members if m.outlet})
        return (first.id, rep.id, rep.event_date,
                min(m.time_precision for m in self.members), rep.event_type,
                rep.sub_event_type, rep.actor1, rep.actor2, rep.country, rep.admin1,
                rep.location, rep.latitude, rep.longitude,
                rep.geo_precision if rep.geo_precision is not None
                else (min(precisions) if precisions else None),
                min(deaths) if deaths else 0, min(figures), max(figures), len(outlets),
                len(self.members), outlets, sorted({m.article_id for m in self.members}),
                sorted(m.id for m in self.members))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (the same formula as SQL's ``newsmon_km``)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


class _Grid:
    """Clusters of one block by the cell of their representative: near ones in a few lookups."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[int]] = {}

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / _CELL_DEG), math.floor(lon / _CELL_DEG))

    def add(self, index: int, lat: float, lon: float) -> None:
        self.cells.setdefault(self._cell(lat, lon), []).append(index)

    def near(self, lat: float, lon: float) -> Iterable[int]:
        row, col = self._cell(lat, lon)
        span_deg = RADIUS_KM / (_KM_PER_DEG * max(math.cos(math.radians(abs(lat) + _CELL_DEG)),
                                                  0.01))
        cols = min(math.ceil(span_deg / _CELL_DEG), int(360 / _CELL_DEG))
        for r in (row - 1, row, row + 1):
            for c in range(col - cols, col + cols + 1):
                yield from self.cells.get((r, c), ())


def cluster(reports: Sequence[Report]) -> list[Cluster]:
    """The clusters of these reports (see the module docstring for the rule)."""
    clusters: list[Cluster] = []
    grids: dict[tuple[date, str, str], _Grid] = {}
    by_story: dict[tuple[int, int], int] = {}
    for r in sorted(reports, key=Report.specificity_key):
        chosen = None
        if r.story_id is not None:
            chosen = by_story.get((r.story_id, r.event_index))
        if chosen is None and r.latitude is not None and r.longitude is not None:
            best = None
            for i in grids.get(r.block, _Grid()).near(r.latitude, r.longitude):
                rep = clusters[i].representative
                if r.actors and not (r.actors & rep.actors):
                    continue
                d = km(r.latitude, r.longitude, rep.latitude, rep.longitude)
                if d <= RADIUS_KM and (best is None or (d, i) < best):
                    best = (d, i)
            chosen = best[1] if best else None
        if chosen is None:
            chosen = len(clusters)
            clusters.append(Cluster(representative=r))
            if r.latitude is not None and r.longitude is not None:
                grids.setdefault(r.block, _Grid()).add(chosen, r.latitude, r.longitude)
        clusters[chosen].members.append(r)
        if r.story_id is not None:
            by_story.setdefault((r.story_id, r.event_index), chosen)
    return clusters


# -- the store side ---------------------------------------------------------------------------

@dataclass
class Seeds:
    """What a store touched: the reports of ``article_ids`` (stored now), the old clusters
    ``cluster_ids`` (of the reports before), and whole ``blocks`` (event_date,
    sub_event_type, country) to recompute (maintenance's unclustered reports)."""

    blocks: set[tuple[date, str, str]] = field(default_factory=set)
    cluster_ids: set[int] = field(default_factory=set)
    article_ids: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.blocks or self.cluster_ids or self.article_ids)


def lock(cur) -> None:
    """Take the ``events`` pipeline lock: the first thing a transaction that writes events does
    (before any row lock), so that two stores never recompute one block at once."""
    lock_row(cur, EVENTS_LOCK)


def seeds_of_articles(cur, article_ids: Sequence[int]) -> Seeds:
    """These articles (their reports are read when re-clustering) and the old clusters of
    their stored reports: taken before the reports are replaced, it is all a store needs."""
    seeds = Seeds(article_ids=set(article_ids))
    if not article_ids:
        return seeds
    cur.execute("""SELECT DISTINCT cluster_id FROM events
                   WHERE article_id = ANY(%s) AND cluster_id IS NOT NULL""",
                (list(article_ids),))
    seeds.cluster_ids.update(cluster_id for (cluster_id,) in cur.fetchall())
    return seeds


_EVENT_COLUMNS = """e.id, e.article_id, e.event_index, e.event_date, e.sub_event_type,
    e.event_type, e.time_precision, e.actor1, e.actor2, e.country, e.admin1, e.location,
    e.latitude, e.longitude, e.geo_precision, e.fatalities, e.outlet, e.cluster_id"""

# Each statement is an index lookup on one table (a join of many reports to articles tempts the
# planner into scanning all articles): events by article, by box in a block
# (events_block_place_idx), by block (events_date_idx) and by old cluster (events_cluster_idx),
# their articles by primary key, the articles of multi-article stories.
ARTICLE_REPORTS_SQL = f"""
    SELECT {_EVENT_COLUMNS} FROM events e WHERE e.article_id = ANY(%s)"""  # noqa: S608
NEAR_REPORTS_SQL = f"""
    SELECT {_EVENT_COLUMNS}
    FROM unnest(%s::date[], %s::text[], %s::text[], %s::float8[], %s::float8[], %s::float8[],
                %s::float8[]) AS b(event_date, sub_event_type, country, lat_lo, lat_hi, lon_lo,
                                   lon_hi)
    JOIN events e ON e.event_date = b.event_date AND e.sub_event_type = b.sub_event_type
                 AND e.country = b.country AND e.latitude BETWEEN b.lat_lo AND b.lat_hi
                 AND e.longitude BETWEEN b.lon_lo AND b.lon_hi"""  # noqa: S608
BLOCK_REPORTS_SQL = f"""
    SELECT {_EVENT_COLUMNS}
    FROM unnest(%s::date[], %s::text[], %s::text[]) AS b(event_date, sub_event_type, country)
    JOIN events e ON e.event_date = b.event_date AND e.sub_event_type = b.sub_event_type
                 AND e.country = b.country"""  # noqa: S608 - constant fragment
CLUSTER_REPORTS_SQL = f"""
    SELECT {_EVENT_COLUMNS} FROM events e WHERE e.cluster_id = ANY(%s)"""  # noqa: S608
ARTICLES_SQL = """
    SELECT id, story_id, published_at, url, CASE WHEN id = ANY(%s) THEN newsmon_outlet(id) END
    FROM articles WHERE id = ANY(%s)"""
STORY_ARTICLES_SQL = """
    SELECT a.id FROM articles a
    WHERE a.story_id = ANY(%s)
      AND a.story_id IN (SELECT id FROM stories WHERE id = ANY(%s) AND article_count > 1)"""


def box(lat: float, lon: float) -> tuple[float, float, float, float]:
    """A latitude/longitude box holding every point within ``RADIUS_KM`` of (lat, lon)."""
    margin = 1.01  # the box is a lookup, km() decides: a little wider never changes a cluster
    dlat = RADIUS_KM / _KM_PER_DEG * margin
    cos = math.cos(math.radians(min(90.0, abs(lat) + dlat)))
    if cos < 0.01:  # near a pole: every longitude
        return lat - dlat, lat + dlat, -180.0, 180.0
    dlon = dlat / cos
    if lon - dlon < -180.0 or lon + dlon > 180.0:  # across the antimeridian: every longitude
        return lat - dlat, lat + dlat, -180.0, 180.0
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _block_reports(cur, blocks: set[tuple[date, str, str]]) -> list[tuple]:
    """Every report of these blocks (event_date, sub_event_type, country)."""
    if not blocks:
        return []
    days, subs, countries = zip(*sorted(blocks), strict=True)
    cur.execute(BLOCK_REPORTS_SQL, (list(days), list(subs), list(countries)))
    return cur.fetchall()


def _near_lookups(cur, rows: list[tuple], loaded_blocks: set, whole: bool) -> list[tuple]:
    """The reports within ``RADIUS_KM`` of these in their blocks, or (``whole``) all of their
    blocks; none of the blocks already loaded whole (``loaded_blocks``, updated here)."""
    if whole:
        blocks = {(row[3], row[4], row[9]) for row in rows} - loaded_blocks
        loaded_blocks.update(blocks)
        return _block_reports(cur, blocks)
    boxes = sorted({(row[3], row[4], row[9], *box(row[12], row[13])) for row in rows
                    if row[12] is not None and row[13] is not None
                    and (row[3], row[4], row[9]) not in loaded_blocks})
    if not boxes:
        return []
    cur.execute(NEAR_REPORTS_SQL, [list(column) for column in zip(*boxes, strict=True)])
    return cur.fetchall()


def _load(cur, seeds: Seeds) -> tuple[list[Report], set[int], dict[int, int | None]]:
    """The reports of the seeds, closed under the links of the module docstring: all reports
    within ``RADIUS_KM`` in the same block, of the same multi-article story, of the same old
    cluster, and theirs in turn (the seeds' connected component)."""
    loaded: dict[int, tuple] = {}
    articles: dict[int, tuple] = {}
    cluster_ids: set[int] = set()
    stories_done: set[int] = set()
    whole_blocks = set(seeds.blocks)
    fetched: list[tuple] = []
    if seeds.article_ids:
        cur.execute(ARTICLE_REPORTS_SQL, (sorted(seeds.article_ids),))
        fetched += cur.fetchall()
    fetched += _block_reports(cur, seeds.blocks)
    new_clusters = set(seeds.cluster_ids)
    for round_ in range(MAX_ROUNDS):
        cluster_ids |= new_clusters
        if new_clusters:
            cur.execute(CLUSTER_REPORTS_SQL, (sorted(new_clusters),))
            fetched += cur.fetchall()
        fresh = list({row[0]: row for row in fetched if row[0] not in loaded}.values())
        if not fresh:
            break
        for row in fresh:
            loaded[row[0]] = row
        wanted = sorted({row[1] for row in fresh} - set(articles))
        if wanted:
            no_outlet = sorted({row[1] for row in fresh if row[16] is None})
            cur.execute(ARTICLES_SQL, (no_outlet, wanted))
            articles.update((row[0], row[1:]) for row in cur.fetchall())
        # the next hop: near reports, old clusters and multi-article stories of the fresh ones
        fetched = _near_lookups(cur, fresh, whole_blocks, whole=round_ >= SPATIAL_ROUNDS)
        new_clusters = {row[-1] for row in fresh if row[-1] is not None} - cluster_ids
        stories = sorted({articles[row[1]][0] for row in fresh
                          if articles[row[1]][0] is not None} - stories_done)
        stories_done.update(stories)
        if stories:
            cur.execute(STORY_ARTICLES_SQL, (stories, stories))
            # all their reports (another event index of a loaded article may be linked too)
            story_articles = sorted({a for (a,) in cur.fetchall()})
            if story_articles:
                cur.execute(ARTICLE_REPORTS_SQL, (story_articles,))
                fetched += cur.fetchall()
    else:
        log.warning("event clusters: a component wider than %d hops was cut", MAX_ROUNDS)
    reports = []
    for row in loaded.values():
        story, published, url, outlet = articles[row[1]]
        reports.append(Report(*row[:16], story, published, url, row[16] or outlet))
    return reports, cluster_ids, {row[0]: row[17] for row in loaded.values()}


_CLUSTER_COLUMNS = ("event_id, representative_id, event_date, time_precision, event_type, "
                    "sub_event_type, actor1, actor2, country, admin1, location, latitude, "
                    "longitude, geo_precision, fatalities, fatalities_min, fatalities_max, "
                    "source_count, report_count, outlets, article_ids, article_event_ids")


def recluster(cur, seeds: Seeds) -> dict:
    """Recompute the clusters of the seeds' blocks (call under :func:`lock`).

    Writes only what changed: clusters whose row differs are replaced, reports whose cluster
    changed are updated. Returns counts for the caller's log.
    """
    if not seeds:
        return {"reports": 0, "clusters": 0, "changed": 0}
    reports, old_ids, was = _load(cur, seeds)
    rows = {row[0]: row for row in (c.row() for c in cluster(reports))}
    old_ids |= {r.id for r in reports}  # a report's id may have been a cluster's id
    cur.execute(f"SELECT {_CLUSTER_COLUMNS} FROM event_clusters "  # noqa: S608
                "WHERE event_id = ANY(%s)", (sorted(old_ids | set(rows)),))
    old = {row[0]: _comparable(row) for row in cur.fetchall()}
    stale = sorted(i for i in old if _comparable(rows.get(i)) != old[i])
    fresh = [row for i, row in rows.items() if old.get(i) != _comparable(row)]
    if stale:
        cur.execute("DELETE FROM event_clusters WHERE event_id = ANY(%s)", (stale,))
    if fresh:
        execute_values(cur, f"INSERT INTO event_clusters ({_CLUSTER_COLUMNS}) VALUES %s",  # noqa: S608
                       fresh, template="(" + ", ".join(["%s"] * 22) + ")")
    # only the reports whose cluster changed, in one statement (a VALUES list joined to events
    # in pages of 100 rows let the planner scan all events once per page)
    moved = [(m, row[0]) for row in rows.values() for m in row[21] if was.get(m) != row[0]]
    if moved:
        cur.execute("""UPDATE events e SET cluster_id = v.cluster_id
                       FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, cluster_id)
                       WHERE e.id = v.id""", ([m for m, _ in moved], [c for _, c in moved]))
    return {"reports": len(reports), "clusters": len(rows), "changed": len(fresh)}


def _comparable(row: tuple | None):
    if row is None:
        return None
    return (*row[:19], list(row[19]), list(row[20]), list(row[21]))


def recluster_pending(cur, limit: int = 5000) -> dict:
    """Cluster reports stored without a cluster (after migration 011, or an interrupted step)."""
    cur.execute("""SELECT DISTINCT event_date, sub_event_type, country FROM events
                   WHERE cluster_id IS NULL LIMIT %s""", (limit,))
    return recluster(cur, Seeds(blocks=set(cur.fetchall())))
