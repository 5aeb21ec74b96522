"""etl.run.tasks, the DAGs' entry points, called directly: batches, shards, the warehouse URL."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg2.extensions
import pytest

from etl.run import tasks
from etl.store.queue import Shard, claim


def add_feeds(conn, urls):
    with conn, conn.cursor() as cur:
        for url in urls:
            cur.execute("INSERT INTO feeds (url) VALUES (%s)", (url,))


def test_feed_batches_keep_a_host_together(newsmon_env, conn, monkeypatch):
    urls = [f"https://big.example/feed{i}.xml" for i in range(5)] + [
        f"https://site{i}.example/rss" for i in range(7)
    ]
    add_feeds(conn, urls)
    batches = tasks.due_feed_batches(batch_size=3)
    assert sorted(i for b in batches for i in b) == list(range(1, 13))
    big = set(range(1, 6))
    assert sum(1 for b in batches if big & set(b)) == 1  # one host's feeds are never split
    assert all(len(b) <= 3 for b in batches if not big & set(b))
    # never more mapped tasks than the cap: batches grow instead
    monkeypatch.setattr(tasks, "MAX_MAPPED", 2)
    capped = tasks.due_feed_batches(batch_size=1)
    assert len(capped) <= 2 and sorted(i for b in capped for i in b) == list(range(1, 13))


def test_host_shards_partition_the_hosts(settings, conn):
    hosts = [f"h{i}.example" for i in range(40)]
    with conn, conn.cursor() as cur:
        for host in hosts:
            for n in range(3):
                cur.execute(
                    "INSERT INTO articles (url, host, discovered_url) VALUES (%s, %s, %s)",
                    (f"https://{host}/a{n}", host, f"https://{host}/a{n}"),
                )
    since = datetime.now(UTC)
    shards = 4
    claimed = [claim(conn, "fetch", settings, 1000, since, Shard(k, shards, "host"))
               for k in range(shards)]
    per_shard = [{c.host for c in batch} for batch in claimed]
    assert sum(len(batch) for batch in claimed) == 120  # every article, each exactly once
    assert set().union(*per_shard) == set(hosts)
    for a in range(shards):
        for b in range(a + 1, shards):
            assert not per_shard[a] & per_shard[b]  # a host belongs to one shard only
    assert all(per_shard)  # 40 hosts spread over all 4 shards
    assert claim(conn, "fetch", settings, 1000, since) == []  # all leased now


def test_work_shard_rejects_bad_arguments(newsmon_env):
    with pytest.raises(ValueError, match="unknown stage"):
        tasks.work_shard("publish", 0, 2)
    with pytest.raises(ValueError, match="out of range"):
        tasks.work_shard("fetch", 2, 2)


def test_sync_then_poll_then_shards(newsmon_env, site, query):
    synced = tasks.sync_feed_list()
    assert (synced["active"], synced["added"], synced["problems"]) == (2, 2, [])
    [batch] = tasks.due_feed_batches()
    polled = tasks.poll_feed_batch(batch)
    assert (polled["feeds"], polled["ok"], polled["failed"], polled["new_articles"]) == (
        2, 2, 0, 5)
    fetched = [tasks.work_shard("fetch", k, 3) for k in range(3)]
    assert sum(f["fetched"] for f in fetched) == 3
    assert sorted(f["fetched"] + f["skipped"] + f["failed"] for f in fetched) == [0, 0, 5]
    processed = [tasks.work_shard("process", k, 3) for k in range(3)]
    assert sum(p["extracted"] for p in processed) == 3
    assert sum(p["tagged"] for p in processed) == 3
    # id shards partition the articles: each was extracted by the shard of its id
    ids = query("SELECT id FROM articles WHERE status = 'extracted' ORDER BY id")
    assert [p["extracted"] for p in processed] == [
        sum(1 for (i,) in ids if i % 3 == k) for k in range(3)]
    totals = tasks.summarize([polled], fetched + processed)
    assert (totals["new_articles"], totals["fetch_fetched"], totals["process_extracted"]) == (
        5, 3, 3)
    assert tasks.warehouse_counts()["articles_extracted"] == 3
    # a second pass finds nothing: no work, no tagger loaded
    again = [tasks.work_shard("process", k, 3) for k in range(3)]
    assert [(p["extracted"], p["tagged"]) for p in again] == [(0, 0)] * 3


def test_airflow_connection_url(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_NEWSMON_DB",
        "postgresql://us%40er:p%2Fss%3Aw%20rd@db.example:5433/ware?sslmode=require",
    )
    url = tasks.airflow_connection_url()
    assert psycopg2.extensions.parse_dsn(url) == {
        "user": "us@er", "password": "p/ss:w rd", "host": "db.example", "port": "5433",
        "dbname": "ware", "sslmode": "require",
    }
    monkeypatch.setenv("NEWSMON_DATABASE_URL", "postgresql://other/db")
    assert tasks.task_settings().database_url == url  # the connection wins
    monkeypatch.delenv("AIRFLOW_CONN_NEWSMON_DB")
    assert tasks.airflow_connection_url() is None
    assert tasks.task_settings().database_url == "postgresql://other/db"
