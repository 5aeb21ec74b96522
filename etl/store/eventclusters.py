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

Each store recomputes the blocks its articles' reports were in and are in now
(:func:`recluster`), under the ``events`` pipeline lock: the same reports always give the same
clusters (idempotent, order-independent), and re-tagging an article moves its reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from etl.store.db import execute_values
from etl.store.locks import lock_row

EVENTS_LOCK = "events"
RADIUS_KM = 25.0
MAX_ROUNDS = 4  # widening a block by stories and old clusters: a few hops at most
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
    """What a store touched: blocks (event_date, sub_event_type, country), old cluster ids."""

    blocks: set[tuple[date, str, str]] = field(default_factory=set)
    cluster_ids: set[int] = field(default_factory=set)

    def __or__(self, other: Seeds) -> Seeds:
        return Seeds(self.blocks | other.blocks, self.cluster_ids | other.cluster_ids)


def lock(cur) -> None:
    """Take the ``events`` pipeline lock: the first thing a transaction that writes events does
    (before any row lock), so that two stores never recompute one block at once."""
    lock_row(cur, EVENTS_LOCK)


def seeds_of_articles(cur, article_ids: Sequence[int]) -> Seeds:
    """The blocks and clusters of these articles' stored reports."""
    seeds = Seeds()
    if not article_ids:
        return seeds
    cur.execute("""SELECT event_date, sub_event_type, country, cluster_id FROM events
                   WHERE article_id = ANY(%s)""", (list(article_ids),))
    for day, sub, country, cluster_id in cur.fetchall():
        seeds.blocks.add((day, sub, country))
        if cluster_id is not None:
            seeds.cluster_ids.add(cluster_id)
    return seeds


_EVENT_COLUMNS = """e.id, e.article_id, e.event_index, e.event_date, e.sub_event_type,
    e.event_type, e.time_precision, e.actor1, e.actor2, e.country, e.admin1, e.location,
    e.latitude, e.longitude, e.geo_precision, e.fatalities, e.outlet, e.cluster_id"""

# Each statement is an index lookup on one table (a join of many reports to articles tempts the
# planner into scanning all articles): events by block (events_date_idx) and by old cluster
# (events_cluster_idx), their articles by primary key, the blocks of multi-article stories.
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
STORY_BLOCKS_SQL = """
    SELECT DISTINCT e.event_date, e.sub_event_type, e.country
    FROM articles a JOIN events e ON e.article_id = a.id
    WHERE a.story_id = ANY(%s)
      AND a.story_id IN (SELECT id FROM stories WHERE id = ANY(%s) AND article_count > 1)"""


def _load(cur, seeds: Seeds) -> tuple[list[Report], set[int], dict[int, int | None]]:
    """The reports of the seeds' blocks, widened to their stories' and old clusters' reports."""
    blocks, cluster_ids = set(seeds.blocks), set(seeds.cluster_ids)
    loaded: dict[int, tuple] = {}
    articles: dict[int, tuple] = {}
    new_blocks, new_clusters = set(blocks), set(cluster_ids)
    for _ in range(MAX_ROUNDS):
        if not new_blocks and not new_clusters:
            break
        fetched = []
        if new_blocks:
            days, subs, countries = zip(*sorted(new_blocks), strict=True)
            cur.execute(BLOCK_REPORTS_SQL, (list(days), list(subs), list(countries)))
            fetched += cur.fetchall()
        if new_clusters:
            cur.execute(CLUSTER_REPORTS_SQL, (sorted(new_clusters),))
            fetched += cur.fetchall()
        fresh = list({row[0]: row for row in fetched if row[0] not in loaded}.values())
        for row in fresh:
            loaded[row[0]] = row
        wanted = sorted({row[1] for row in fresh} - set(articles))
        if wanted:
            no_outlet = sorted({row[1] for row in fresh if row[16] is None})
            cur.execute(ARTICLES_SQL, (no_outlet, wanted))
            articles.update((row[0], row[1:]) for row in cur.fetchall())
        found_clusters = {row[-1] for row in fresh if row[-1] is not None} - cluster_ids
        cluster_ids |= found_clusters
        found_blocks = {(row[3], row[4], row[9]) for row in fresh} - blocks
        stories = sorted({articles[row[1]][0] for row in fresh
                          if articles[row[1]][0] is not None})
        if stories:
            cur.execute(STORY_BLOCKS_SQL, (stories, stories))
            found_blocks |= set(cur.fetchall()) - blocks
        blocks |= found_blocks
        new_blocks, new_clusters = found_blocks, found_clusters
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
    if not seeds.blocks and not seeds.cluster_ids:
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
