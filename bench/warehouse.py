"""The warehouse at scale: ``make bench-warehouse`` (``python -m bench.warehouse``).

Builds a synthetic warehouse with set-based SQL (``generate_series``, no row-by-row Python) in
a fresh embedded PostgreSQL under a temporary directory (deleted afterwards), then times, one
by one and warm (each query runs twice, the second run counts):

- every query of the SQL cookbook (``docs/cookbook.md``) and the report's one-day events query
  (:mod:`etl.outputs.report`); target under 1 s each;
- ``SELECT count(*) FROM analytics.events``;
- the incremental merge of one run's events: ``--run-events`` new reports stored through the
  store path (:func:`etl.store.events.store_events`: replace, then re-cluster), in batches as
  the tag stage stores them; target under 5 s;
- the maintenance DAG's refresh (:func:`etl.stages.maintenance.refresh_warehouse`).

The baseline is the schema before sql/011 (sql/010's views, which merge events in a correlated
subquery in every query), re-created as schema ``baseline`` and timed on small warehouses
(``--baseline-events 2000,4000,8000``) beside the current views on the same data: at 2 million
events it would not finish.

Sizes: ``--articles 1000000`` (default 10,000,000) with events for 30 % of articles, 1.5
reports per real event (so 10 M articles give 3 M reports and 2 M real events).
"""

# ruff: noqa: S608 - the SQL here is built from integers and constants of this file only
from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

from bench.cookbook import COOKBOOK, parse
from etl.store.db import connect, transaction
from etl.store.embedded import EmbeddedPostgres
from etl.store.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
SUBS = [("Armed clash", "Battles"), ("Attack", "Violence against civilians"),
        ("Air/drone strike", "Explosions/Remote violence"),
        ("Shelling/artillery/missile attack", "Explosions/Remote violence"),
        ("Remote explosive/landmine/IED", "Explosions/Remote violence"),
        ("Peaceful protest", "Protests"), ("Violent demonstration", "Riots"),
        ("Abduction/forced disappearance", "Violence against civilians")]
COUNTRIES = ["Iraq", "Syria", "Turkey", "Iran", "Jordan", "Lebanon", "Saudi Arabia", "Kuwait",
             "Israel", "Palestine"]
CHUNK = 1_000_000
REPORT_QUERY = """
SELECT location, country, latitude, longitude, fatalities, event_date, sub_event_type,
       coalesce(actor1, ''), coalesce(actor2, ''), source_count
FROM {schema}.events
WHERE event_date >= '2026-11-24'::date AND event_date < '2026-11-24'::date + 1
  AND latitude IS NOT NULL
ORDER BY fatalities DESC, event_date DESC, location LIMIT 200"""


# -- building ---------------------------------------------------------------------------------

def _articles_sql(lo: int, hi: int, days: int) -> str:
    """Articles ``lo``..``hi``: ids in chunks of ten share a day; ids ending 0-2 report events."""
    return f"""
INSERT INTO articles (id, url, host, discovered_url, status, title, text, published_at,
                      language, relevance, is_conflict, site_name, story_id, taxonomy_version)
OVERRIDING SYSTEM VALUE
SELECT g, 'http://n' || (g % 50) || '.test/a/' || g, 'n' || (g % 50) || '.test',
       'http://n' || (g % 50) || '.test/a/' || g, 'extracted', 'Story ' || g,
       'Fighting near town ' || (g % 500) || CASE WHEN g % 100 = 0
           THEN ' as a drone strike hits a convoy ' ELSE ' as talks resume ' END || g,
       timestamptz '2026-01-01' + ((g / 10) % {days}) * interval '1 day'
           + (g % 1440) * interval '1 min',
       'en', (g % 100) / 100.0, g % 3 = 0, 'Outlet ' || (g % 50),
       CASE WHEN g % 10 < 3 THEN g ELSE g - g % 10 + 3 END, 'v'
FROM generate_series({lo}, {hi}) g"""


def _tag_rows_sql(lo: int, hi: int) -> list[str]:
    between = f"a.id BETWEEN {lo} AND {hi}"
    return [
        f"INSERT INTO feed_articles (feed_id, article_id) SELECT 1 + id % 50, id "
        f"FROM articles a WHERE {between}",
        f"""INSERT INTO article_mentions (article_id, start_char, end_char, matched_text, type,
                                          entity_id, source, snippet, taxonomy_version)
            SELECT a.id, m.s, m.s + 5, 'x', 'organization', m.e, 'gazetteer', 'x', 'v'
            FROM articles a, LATERAL (VALUES (0, 'a' || a.id % 200),
                (10, CASE WHEN a.id % 100 = 0 THEN 'isis' ELSE 'a' || (a.id * 7) % 200 END)) m(s, e)
            WHERE {between}""",
        f"""INSERT INTO article_places (article_id, start_char, end_char, matched_text, name,
                                        country_code, lat, lon, geonameid, feature, snippet,
                                        taxonomy_version)
            SELECT a.id, 0, 5, 'x', CASE WHEN a.id % 500 = 7 THEN 'Mosul'
                                         ELSE 'Place ' || a.id % 500 END,
                   'C' || (a.id % 500) % 50, (a.id % 500) % 80, (a.id % 500) % 170,
                   a.id % 500, 'town', 'x', 'v'
            FROM articles a WHERE {between}""",
        f"""INSERT INTO article_tags (article_id, category_id, parent_id, score, evidence,
                                      is_event, taxonomy_version)
            SELECT a.id, c.id, c.parent, 0.6, 1, true, 'v'
            FROM articles a, LATERAL (VALUES
                (CASE a.id % 6 WHEN 0 THEN 'battles' WHEN 1 THEN 'protests' WHEN 2 THEN 'riots'
                 WHEN 3 THEN 'explosions_remote_violence' WHEN 4 THEN 'strategic_developments'
                 ELSE 'violence_against_civilians' END, NULL),
                (CASE WHEN a.id % 4 = 0 THEN 'air_drone_strike' ELSE 'armed_clash' END,
                 CASE WHEN a.id % 4 = 0 THEN 'explosions_remote_violence'
                      ELSE 'battles' END)) c(id, parent)
            WHERE {between}""",
    ]


def _events_sql(n_subs: int) -> str:
    """One report per article whose id ends 0-2; per (day, sub-event type) block, reports are
    numbered and every three reports make two real events (slot = rn * 2 / 3). A slot is a
    point of a 30 x 30 grid 0.3 deg apart (no two events of a block within 25 km), with its
    own pair of actors; the reports of one slot agree, so the store path's rule clusters them
    exactly as built here (cluster_id = the earliest report)."""
    subs = ", ".join(f"('{s}', '{t}')" for s, t in SUBS[:n_subs])
    countries = "ARRAY[" + ", ".join(f"'{c}'" for c in COUNTRIES) + "]"
    return f"""
WITH subs(i, sub, type) AS (
    SELECT row_number() OVER () - 1, s, t FROM (VALUES {subs}) v(s, t)),
reports AS (
    SELECT a.id, (a.published_at AT TIME ZONE 'UTC')::date AS day, s.sub, s.type,
           a.published_at, a.url, a.site_name
    FROM articles a JOIN subs s ON s.i = (a.id / 10) % {n_subs}
    WHERE a.id % 10 < 3),
slotted AS (
    SELECT r.*, (row_number() OVER (PARTITION BY day, sub ORDER BY id) - 1) * 2 / 3 AS slot
    FROM reports r),
grouped AS (
    SELECT s.*, first_value(id) OVER (PARTITION BY day, sub, slot
                                      ORDER BY published_at, url) AS cluster
    FROM slotted s)
INSERT INTO events (id, article_id, event_index, event_type, sub_event_type, event_date,
                    time_precision, actor1, actor2, country, country_code, location, latitude,
                    longitude, geo_precision, fatalities, notes, taxonomy_version, cluster_id,
                    outlet)
OVERRIDING SYSTEM VALUE
SELECT id, id, 0, type, sub, day, 1, 'g' || slot % 200, 'h' || (slot * 7 + 3) % 200,
       ({countries})[1 + slot % {len(COUNTRIES)}], 'XX', 'Place ' || slot,
       30.0 + (slot % 30) * 0.3, 38.0 + ((slot / 30) % 30) * 0.4, 1,
       (slot * 7 + id) % 5, 'Fighters clashed.', 'v', cluster, site_name
FROM grouped"""


CLUSTERS_SQL = """
INSERT INTO event_clusters (event_id, representative_id, event_date, time_precision, event_type,
    sub_event_type, actor1, actor2, country, admin1, location, latitude, longitude,
    geo_precision, fatalities, fatalities_min, fatalities_max, source_count, report_count,
    outlets, article_ids, article_event_ids)
SELECT e.cluster_id, e.cluster_id, min(e.event_date), min(e.time_precision), min(e.event_type),
       min(e.sub_event_type), min(e.actor1), min(e.actor2), min(e.country), '', min(e.location),
       min(e.latitude), min(e.longitude), 1,
       coalesce(min(e.fatalities) FILTER (WHERE e.fatalities > 0), 0), min(e.fatalities),
       max(e.fatalities), count(DISTINCT a.site_name), count(*),
       array_agg(DISTINCT a.site_name ORDER BY a.site_name),
       array_agg(e.article_id ORDER BY e.article_id),
       array_agg(e.id ORDER BY e.id)
FROM events e JOIN articles a ON a.id = e.article_id
GROUP BY e.cluster_id"""

STATIC_SQL = """
INSERT INTO feeds (url, title) SELECT 'http://f' || g || '.test/rss', 'Feed ' || g
FROM generate_series(1, 50) g;
INSERT INTO entities (id, name, type, kind, country)
SELECT 'a' || g, 'Actor ' || g, 'organization', 'militia', 'IQ' FROM generate_series(0, 199) g;
INSERT INTO entities (id, name, type, kind, country) VALUES
    ('isis', 'Islamic State', 'organization', 'jihadist_group', 'IQ');"""

BIG = ("articles", "feed_articles", "article_mentions", "article_places", "article_tags",
       "events", "event_clusters")


def _secondary_indexes(cur) -> list[tuple[str, str]]:
    """The big tables' indexes that back no constraint: dropped for the load, rebuilt after."""
    cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                     WHERE c.conname = i.indexname)""", (list(BIG),))
    return cur.fetchall()


def build(conn, articles: int, *, days: int = 365, subs: int = len(SUBS),
          say=print) -> dict:
    """Fill an empty, migrated warehouse; returns row counts and the build time."""
    started = time.perf_counter()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET work_mem = '256MB'")
        indexes = _secondary_indexes(cur)
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute(STATIC_SQL)
        for lo in range(1, articles + 1, CHUNK):
            hi = min(lo + CHUNK - 1, articles)
            t = time.perf_counter()
            cur.execute(_articles_sql(lo, hi, days))
            for statement in _tag_rows_sql(lo, hi):
                cur.execute(statement)
            say(f"  articles {hi:,} ({time.perf_counter() - t:.0f} s)")
        cur.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), %s)", (articles,))
        cur.execute("""INSERT INTO stories (id, article_count, outlet_count, first_article_id,
                                            first_published_at, last_published_at)
                       SELECT story_id, count(*), count(DISTINCT site_name), min(id),
                              min(published_at), max(published_at)
                       FROM articles GROUP BY story_id""")
        t = time.perf_counter()
        cur.execute(_events_sql(subs))
        cur.execute("SELECT setval(pg_get_serial_sequence('events', 'id'), %s)", (articles,))
        cur.execute(CLUSTERS_SQL)
        say(f"  events and clusters ({time.perf_counter() - t:.0f} s)")
        t = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        say(f"  indexes ({time.perf_counter() - t:.0f} s)")
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE")  # what autovacuum does on a live warehouse
        say(f"  vacuum analyze ({time.perf_counter() - t:.0f} s)")
        counts = {}
        for table in ("articles", "events", "event_clusters"):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant names
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts["size"] = cur.fetchone()[0]
    conn.autocommit = False
    counts["build_s"] = time.perf_counter() - started
    return counts


# -- the baseline: sql/010's views ------------------------------------------------------------

def baseline_views_sql() -> str:
    """sql/010's two views, as schema ``baseline`` (same tables, the old correlated merge)."""
    text = (ROOT / "sql" / "010_events.sql").read_text()
    views = re.findall(r"CREATE VIEW analytics\.\w+ AS.*?;\n", text, re.S)
    return "CREATE SCHEMA IF NOT EXISTS baseline;\n" + "\n".join(
        v.replace("analytics.", "baseline.") for v in views)


# -- timing -----------------------------------------------------------------------------------

def timed(conn, sql: str, timeout_s: float) -> float | None:
    """Warm wall time of ``sql`` in seconds (second run); None when it passed the timeout."""
    best = None
    with conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
        for _ in range(2):
            t = time.perf_counter()
            try:
                cur.execute(sql)
                cur.fetchall()
            except Exception:  # noqa: BLE001 - a timeout is a measurement here
                conn.rollback()
                return None
            best = time.perf_counter() - t
    conn.rollback()
    return best


def _fmt(seconds: float | None, timeout_s: float) -> str:
    return f"> {timeout_s:.0f} s" if seconds is None else f"{seconds * 1000:,.0f} ms"


def time_queries(conn, timeout_s: float, schema: str = "analytics") -> list[tuple[str, float]]:
    queries = [(f"cookbook {r.number}", r.sql) for r in parse(COOKBOOK.read_text())]
    queries += [("report one-day events", REPORT_QUERY.format(schema="analytics")),
                ("count(*) analytics.events", "SELECT count(*) FROM analytics.events")]
    return [(name, timed(conn, sql, timeout_s)) for name, sql in queries]


def merge_one_run(conn, run_events: int, batch: int = 200) -> dict:
    """Store ``run_events`` new reports through the store path, as one run's tag stage does:
    new articles, the last three days, batches of ``batch`` articles per transaction."""
    from etl.store.events import store_events
    from etl.tagging.events.records import EventRecord

    with transaction(conn) as cur:
        cur.execute("SELECT max(id), max(published_at) FROM articles")
        top, last = cur.fetchone()
        cur.execute(f"""INSERT INTO articles (url, host, discovered_url, status, title, text,
                                              published_at, language, site_name)
                        SELECT 'http://run.test/' || g, 'run.test', 'http://run.test/' || g,
                               'extracted', 'Run ' || g, 'x', %s - (g %% 72) * interval '1 hour',
                               'en', 'Run outlet ' || g %% 7
                        FROM generate_series(1, {int(run_events)}) g RETURNING id, published_at""",
                    (last,))
        new = cur.fetchall()
    items = []
    for i, (article_id, published) in enumerate(sorted(new)):
        sub, kind = SUBS[i % len(SUBS)]
        slot = i % 900
        items.append((article_id, [EventRecord(
            event_type=kind, sub_event_type=sub, sub_event_scores={sub: 0.9},
            event_date=published.astimezone(UTC).date().isoformat(), time_precision=1,
            actor1=f"g{slot % 200}", assoc_actor_1=[], actor2=f"h{(slot * 7 + 3) % 200}",
            assoc_actor_2=[], country=COUNTRIES[slot % len(COUNTRIES)], country_code="XX",
            admin1="", location=f"Place {slot}",
            latitude=30.0 + (slot % 30) * 0.3, longitude=38.0 + ((slot // 30) % 30) * 0.4,
            geo_precision=1, fatalities=i % 5, notes="Fighters clashed.", offsets={})]))
    t = time.perf_counter()
    slowest = 0.0
    for lo in range(0, len(items), batch):
        b = time.perf_counter()
        with transaction(conn) as cur:
            store_events(cur, items[lo:lo + batch], "v")
        slowest = max(slowest, time.perf_counter() - b)
    elapsed = time.perf_counter() - t
    with transaction(conn) as cur:
        cur.execute("SELECT count(*) FROM events WHERE article_id > %s AND cluster_id IS NULL",
                    (top,))
        unclustered = cur.fetchone()[0]
    return {"reports": len(items), "seconds": elapsed, "slowest_batch_s": slowest,
            "unclustered": unclustered}


# -- main -------------------------------------------------------------------------------------

def _server(tmp: Path):
    server = EmbeddedPostgres(tmp)
    url = server.url()
    return server, url


def _fresh_db(admin_url: str, name: str) -> str:
    import psycopg2

    c = psycopg2.connect(admin_url)
    c.autocommit = True
    with c.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    c.close()
    return admin_url.replace("/newsmon?", f"/{name}?", 1)


def run_baseline(admin_url: str, sizes: list[int], timeout_s: float) -> None:
    print("\nBaseline: sql/010's views (merge in every query) beside sql/011's, same data "
          "(one front: 10 days, 2 sub-event types)")
    print(f"{'events':>8} | {'query':<26} | {'010 views':>12} | {'011 views':>10}")
    for size in sizes:
        url = _fresh_db(admin_url, f"bench_base_{size}")
        conn = connect(url)
        migrate(conn)
        build(conn, size * 10 // 3, days=10, subs=2, say=lambda _m: None)
        with transaction(conn) as cur:
            cur.execute(baseline_views_sql())
            cur.execute("SELECT count(*) FROM events")
            reports = cur.fetchone()[0]
        cookbook = {r.number: r.sql for r in parse(COOKBOOK.read_text())}
        pairs = [("count(*) events", "SELECT count(*) FROM {s}.events"),
                 ("cookbook 14", cookbook[14].replace("analytics.", "{s}.")),
                 ("report one-day events", REPORT_QUERY.replace("{schema}", "{s}"))]
        for name, sql in pairs:
            old = timed(conn, sql.replace("{s}", "baseline"), timeout_s)
            new = timed(conn, sql.replace("{s}", "analytics"), timeout_s)
            print(f"{reports:>8,} | {name:<26} | {_fmt(old, timeout_s):>12} | "
                  f"{_fmt(new, timeout_s):>10}", flush=True)
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", default="10000000",
                        help="warehouse sizes, comma-separated (default 10,000,000)")
    parser.add_argument("--run-events", type=int, default=5000,
                        help="reports stored by the incremental merge (one run's events)")
    parser.add_argument("--baseline-events", default="2000,4000,8000",
                        help="sizes for sql/010's views ('' to skip)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per query, seconds")
    parser.add_argument("--dir", default=None, help="parent of the temporary data directory")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-warehouse-", dir=args.dir))
    # pgserver leaves a run/ folder behind at interpreter exit: removed after it too
    atexit.register(shutil.rmtree, tmp, True)
    print(f"data directory {tmp} (deleted at the end); free: "
          f"{shutil.disk_usage(tmp).free / 2**30:.0f} GiB")
    server, admin_url = _server(tmp)
    try:
        sizes = [int(s) for s in args.baseline_events.split(",") if s.strip()]
        if sizes:
            run_baseline(admin_url, sizes, args.timeout)
        for articles in [int(s) for s in args.articles.split(",")]:
            print(f"\nWarehouse of {articles:,} articles (sql/011: stored event clusters)")
            url = _fresh_db(admin_url, "bench_wh")
            conn = connect(url)
            migrate(conn)
            counts = build(conn, articles)
            print(f"built in {counts['build_s']:.0f} s: {counts['articles']:,} articles, "
                  f"{counts['events']:,} reports, {counts['event_clusters']:,} real events, "
                  f"{counts['size']}")
            over = 0
            for name, seconds in time_queries(conn, args.timeout):
                flag = "" if seconds is not None and seconds < 1 else "  (over 1 s)"
                over += bool(flag) and name.startswith(("cookbook", "report"))
                print(f"  {name:<28} {_fmt(seconds, args.timeout):>12}{flag}", flush=True)
            merged = merge_one_run(conn, args.run_events)
            print(f"  incremental merge of one run: {merged['reports']:,} reports in "
                  f"{merged['seconds']:.2f} s (slowest batch {merged['slowest_batch_s']:.2f} s, "
                  f"{merged['unclustered']} left unclustered)")
            from etl.stages.maintenance import refresh_warehouse

            t = time.perf_counter()
            refresh_warehouse(conn)
            print(f"  maintenance refresh_warehouse: {time.perf_counter() - t:.1f} s")
            print(f"articles={articles} queries_over_1s={over} "
                  f"merge_s={merged['seconds']:.2f}", flush=True)
            conn.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
