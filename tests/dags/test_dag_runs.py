"""End to end with ``dag.test()``: real Airflow, a real PostgreSQL, the real local HTTP server."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.airflow, pytest.mark.usefixtures("airflow_db")]
TABLES = ("feeds", "feed_polls", "articles", "feed_articles", "article_html")


def returned(run, task_id: str) -> list:
    """What ``task_id`` returned in ``run`` (one value per map index), from Airflow's XCom."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        found = session.scalars(
            XComModel.get_many(run_id=run.run_id, key="return_value", task_ids=task_id,
                               dag_ids=run.dag_id)
        ).all()
        return [XComModel.deserialize_value(x) for x in sorted(found, key=lambda x: x.map_index)]


def counts(query) -> dict[str, int]:
    return {t: query(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}  # noqa: S608


def test_ingest_loads_articles(dagbag, newsmon_env, site, query):
    started = time.monotonic()
    run = dagbag.get_dag("newsmon_ingest").test()
    print(f"newsmon_ingest dag.test() took {time.monotonic() - started:.1f}s")
    assert run.state == "success"
    base = site.base_url
    # one 404 page and one PDF among the articles: recorded, and the run still succeeds
    assert dict(query("SELECT url, status FROM articles")) == {
        f"{base}/news/shelling.html": "extracted",
        f"{base}/news/convoy.html": "extracted",
        f"{base}/news/ceasefire.html": "extracted",
        f"{base}/files/report.pdf": "skipped",
        f"{base}/news/missing.html": "failed",
    }
    assert query("SELECT count(*) FROM feed_articles") == [(6,)]
    assert query("SELECT count(*), sum(new_articles) FROM feed_polls") == [(2, 5)]
    assert query("SELECT count(*) FROM articles WHERE text IS NOT NULL") == [(3,)]
    # tagged and clustered in the same run
    assert query("SELECT count(*) FROM articles WHERE taxonomy_version IS NOT NULL "
                 "AND story_id IS NOT NULL") == [(3,)]
    assert query("SELECT count(DISTINCT article_id) FROM article_tags") == [(3,)]
    assert sum(t["tagged"] for t in returned(run, "process_shard")) == 3
    assert returned(run, "cluster_stories")[0]["clustered"] == 3

    # both test feeds are on one host, so one batch; and all of its articles in one shard
    assert returned(run, "due_feed_batches") == [[[1, 2]]]
    fetch = returned(run, "fetch_shard")
    assert len(fetch) == 2
    assert sorted(s["fetched"] + s["skipped"] + s["failed"] for s in fetch) == [0, 5]
    report = returned(run, "report")[0]
    assert {k: report[k] for k in (
        "feed_batches", "feeds_polled", "feeds_failed", "new_articles", "fetch_fetched",
        "fetch_skipped", "fetch_failed", "process_extracted", "articles_extracted",
        "articles_failed", "articles_skipped", "feeds_active",
    )} == {
        "feed_batches": 1, "feeds_polled": 2, "feeds_failed": 0, "new_articles": 5,
        "fetch_fetched": 3, "fetch_skipped": 1, "fetch_failed": 1, "process_extracted": 3,
        "articles_extracted": 3, "articles_failed": 1, "articles_skipped": 1, "feeds_active": 2,
    }
    assert report["process_tagged"] == 3 and report["clustered"] == 3


def test_running_twice_adds_nothing(dagbag, newsmon_env, site, query):
    dag = dagbag.get_dag("newsmon_ingest")
    assert dag.test().state == "success"
    before = counts(query)
    page_hits = site.hits("/news/shelling.html")

    # nothing is due yet: no poll batch at all, and the run still succeeds
    second = dag.test()
    assert second.state == "success"
    assert returned(second, "due_feed_batches") == [[]]
    assert returned(second, "poll_feed_batch") == []
    assert counts(query) == before

    # polling every feed now: 304 Not Modified, still nothing new
    third = dag.test(run_conf={"all_feeds": True})
    assert third.state == "success"
    after = counts(query)
    assert after.pop("feed_polls") == before.pop("feed_polls") + 2
    assert after == before
    assert query("SELECT count(*) FROM feed_polls WHERE not_modified") == [(2,)]
    assert site.hits("/news/shelling.html") == page_hits


def test_failing_feeds_never_fail_the_run(dagbag, newsmon_env, site, query, tmp_path):
    listing = tmp_path / "more.yaml"
    listing.write_text(newsmon_env.read_text() + "".join(
        f'  - url: "{site.base_url}{path}"\n'
        for path in ("/feeds/broken.xml", "/feeds/gone.xml")
    ))
    run = dagbag.get_dag("newsmon_ingest").test(run_conf={"feeds_file": str(listing)})
    assert run.state == "success"
    assert returned(run, "sync_feed_list")[0]["feeds_file"] == str(listing)
    failing = query("SELECT url, consecutive_failures FROM feeds WHERE consecutive_failures > 0")
    assert sorted(u.rsplit("/", 1)[1] for u, _ in failing) == ["broken.xml", "gone.xml"]
    assert query("SELECT count(*) FROM articles WHERE status = 'extracted'") == [(3,)]
    assert returned(run, "report")[0]["feeds_failed"] == 2


def test_airflow_connection_is_the_warehouse(dagbag, newsmon_env, db_url, query, monkeypatch):
    # the connection wins over NEWSMON_DATABASE_URL, which points at nothing here
    monkeypatch.setenv("AIRFLOW_CONN_NEWSMON_DB", db_url)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nothing")
    assert dagbag.get_dag("newsmon_ingest").test().state == "success"
    assert query("SELECT count(*) FROM articles WHERE status = 'extracted'") == [(3,)]


def test_database_down_fails_the_run(dagbag, newsmon_env, monkeypatch):
    from etl.errors import DatabaseError
    from etl.run.tasks import sync_feed_list

    monkeypatch.setenv("NEWSMON_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nothing")
    with pytest.raises(DatabaseError):  # raised, so Airflow retries the task, then fails the run
        sync_feed_list()
    dag = dagbag.get_dag("newsmon_ingest")
    for t in dag.tasks:
        t.retries = 0  # the real DAG waits 30 s, 60 s, 120 s between its 3 retries
    run = dag.test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["sync_feed_list"] == "failed"
    assert states["report"] == "upstream_failed"


def test_maintenance(dagbag, newsmon_env, site, query, db_url):
    import psycopg2

    assert dagbag.get_dag("newsmon_ingest").test().state == "success"
    base = site.base_url
    # the missing page is online now; its back-off has expired (NEWSMON_RETRY_BASE=0)
    site.files["/news/missing.html"] = (
        b"<html><head><title>Found</title></head><body><article><p>"
        + b"The page that was missing is now published with enough text to extract. " * 5
        + b"</p></article></body></html>"
    )
    conn = psycopg2.connect(db_url)
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE article_html SET fetched_at = now() - interval '100 days' "
                    "WHERE article_id = (SELECT id FROM articles WHERE url LIKE '%shelling.html')")
        cur.execute("UPDATE feeds SET redirected_to = url || '?moved' WHERE url LIKE '%beta%'")
        cur.execute("UPDATE feeds SET consecutive_failures = 3, last_error = 'x' "
                    "WHERE url LIKE '%alpha%'")
        cur.execute("CREATE MATERIALIZED VIEW public.per_status AS "
                    "SELECT status, count(*) AS n FROM articles GROUP BY status")
    conn.close()

    run = dagbag.get_dag("newsmon_maintenance").test(run_conf={"retention_days": 30})
    assert run.state == "success"
    assert query("SELECT status FROM articles WHERE url = %s", (f"{base}/news/missing.html",)) \
        == [("extracted",)]
    # pruned: the old page only; the others are recent
    assert query("SELECT count(*) FROM article_html h JOIN articles a ON a.id = h.article_id "
                 "WHERE a.url LIKE '%shelling.html'") == [(0,)]
    assert query("SELECT count(*) FROM article_html") == [(3,)]
    assert returned(run, "prune_raw_html") == [
        {"deleted": 1, "bytes_freed": pytest.approx(1, abs=10**6), "retention_days": 30}
    ]
    health = returned(run, "feed_health")[0]
    assert (health["active"], health["failing"], health["redirected"], health["silent"]) == (
        2, 1, 1, 0)
    assert health["failing_feeds"][0]["url"].endswith("/feeds/alpha.xml")
    assert returned(run, "refresh_warehouse")[0]["views_refreshed"] == ["public.per_status"]
    assert ("extracted", 4) in query("SELECT status, n FROM public.per_status")
