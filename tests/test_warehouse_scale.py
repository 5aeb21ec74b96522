"""The warehouse at scale (issue 21.5): plans, not times, on a modest synthetic warehouse built
the way ``make bench-warehouse`` builds its ten million articles (bench/warehouse.py): 100,000
articles, 30,000 event reports, 20,000 real events.

Event queries read the stored clusters (sql/011): no plan has a subplan over events or
articles, date-filtered event queries use the date index, ``count(*)`` touches one table, and
the store path's block lookup is indexed."""

from __future__ import annotations

import pytest
from conftest import TEMPLATE, _admin, _with_db
from test_warehouse import RECIPES

from bench.warehouse import REPORT_QUERY, build
from etl.store.db import connect
from etl.store.eventclusters import (
    ARTICLE_REPORTS_SQL,
    ARTICLES_SQL,
    BLOCK_REPORTS_SQL,
    CLUSTER_REPORTS_SQL,
    NEAR_REPORTS_SQL,
    STORY_ARTICLES_SQL,
)

EVENT_RECIPES = {r.number: r.sql for r in RECIPES if "analytics.events" in r.sql}


def nodes(plan: dict, under_subplan: bool = False):
    """Every node of a plan with whether it runs inside a subplan (once per outer row)."""
    inside = under_subplan or plan.get("Parent Relationship") == "SubPlan"
    yield plan, inside
    for child in plan.get("Plans", []):
        yield from nodes(child, inside)


@pytest.fixture(scope="module")
def warehouse(pg_admin_url):
    name = "newsmon_test_scale"
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_admin_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    conn = connect(_with_db(pg_admin_url, name))
    counts = build(conn, 100_000, say=lambda _m: None)
    assert counts["articles"] == 100_000 and counts["events"] == 30_000
    assert counts["event_clusters"] == 20_000
    yield conn
    conn.close()
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def plan_of(conn, sql: str, params=None) -> dict:
    with conn.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0][0]["Plan"]
    conn.rollback()
    return plan


@pytest.mark.timeout(900)
def test_no_event_query_merges_reports_per_row(warehouse):
    queries = dict(EVENT_RECIPES, report=REPORT_QUERY.format(schema="analytics"),
                   count="SELECT count(*) FROM analytics.events")
    assert {14, 15, 16} <= set(EVENT_RECIPES)
    for name, sql in queries.items():
        found = list(nodes(plan_of(warehouse, sql)))
        per_row = [n.get("Relation Name") for n, inside in found
                   if inside and n.get("Relation Name") in {"events", "articles"}]
        assert per_row == [], f"{name}: a subplan over {per_row} runs for every row"
        relations = {n.get("Relation Name") for n, _ in found} - {None}
        assert "articles" not in relations, name
    count = {n.get("Relation Name") for n, _ in nodes(plan_of(warehouse, queries["count"]))}
    assert count - {None} == {"event_clusters"}  # the join to the reports is removed


@pytest.mark.timeout(900)
def test_date_filtered_event_queries_use_the_date_index(warehouse):
    for name, sql in [("14", EVENT_RECIPES[14]), ("15", EVENT_RECIPES[15]),
                      ("report", REPORT_QUERY.format(schema="analytics"))]:
        indexes = {n.get("Index Name") for n, _ in nodes(plan_of(warehouse, sql))}
        assert "event_clusters_date_idx" in indexes, name


@pytest.mark.timeout(900)
def test_no_cookbook_query_scans_the_event_reports(warehouse):
    """The per-article reports (30,000 rows here, 3 million at 10 M articles) are read by
    index only, for the representative's notes; the article tables are pinned by
    test_warehouse's 100,000-article plan test."""
    scans = {}
    for recipe in RECIPES:
        found = [n["Relation Name"] for n, _ in nodes(plan_of(warehouse, recipe.sql))
                 if n.get("Node Type") == "Seq Scan" and n.get("Relation Name") == "events"]
        if found:
            scans[recipe.number] = found
    assert scans == {}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("query, params", [
    (BLOCK_REPORTS_SQL, (["2026-11-24"], ["Armed clash"], ["Iraq"])),
    (NEAR_REPORTS_SQL, (["2026-11-24"] * 2, ["Armed clash"] * 2, ["Iraq"] * 2, [36.1, 30.0],
                        [36.6, 30.5], [42.8, 38.0], [43.4, 38.6])),
    (ARTICLE_REPORTS_SQL, (list(range(1, 201)),)),
    (CLUSTER_REPORTS_SQL, ([1, 2],)),
    (ARTICLES_SQL, ([1], list(range(1, 2001)))),
    (STORY_ARTICLES_SQL, ([3, 13, 23], [3, 13, 23])),
], ids=["block", "near", "article", "cluster", "articles", "story"])
def test_the_store_paths_lookups_are_indexed(warehouse, query, params):
    plan = plan_of(warehouse, query, params)
    scanned = [n.get("Relation Name") for n, _ in nodes(plan)
               if n.get("Node Type") == "Seq Scan"]
    assert "events" not in scanned and "articles" not in scanned


@pytest.mark.timeout(900)
def test_bench_warehouse_runs_end_to_end_at_a_small_size():
    """As `make bench-warehouse` runs it: a process of its own with its own embedded server."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    tmp_path = Path(tempfile.mkdtemp(prefix="nbw", dir="/tmp"))  # a short socket path
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.warehouse", "--articles", "20000",
             "--baseline-events", "300", "--run-events", "400", "--timeout", "60",
             "--dir", str(tmp_path)],
            capture_output=True, text=True, timeout=850, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert list(tmp_path.iterdir()) == []  # the bench's database is deleted
    finally:
        tmp_path.rmdir()
    out = done.stdout
    for needle in ("cookbook 16", "report one-day events", "count(*) analytics.events",
                   "incremental merge of one run: 400 reports", "0 left unclustered",
                   "maintenance refresh_warehouse", "articles=20000 queries_over_1s="):
        assert needle in out, needle
    baseline = [line for line in out.splitlines() if line.strip().startswith("300 |")]
    assert len(baseline) == 3  # count, cookbook 14, the report's query: old and new views
