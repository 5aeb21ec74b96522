"""
### newsmon_ingest: feeds → articles → PostgreSQL, every 15 minutes

One pass of the newsmon pipeline, the same as `newsmon run`, split into tasks you can watch:

1. **sync_feed_list**: migrate the warehouse schema, then make `feeds` match the feed list
   (the `feeds_file` param, else `NEWSMON_FEEDS_FILE`, else the shipped list).
2. **due_feed_batches**: the feeds due for polling, in batches; all feeds of one host are in the
   same batch.
3. **poll_feed_batch** (mapped, one per batch): conditional GET of each feed, new articles
   discovered. A failing feed is recorded on its row and never fails the task.
4. **fetch_shard** (mapped, one per host shard, `NEWSMON_SHARDS`): claims batches of articles of
   its hosts only, fetches them politely (`NEWSMON_PER_HOST` per host), stores the raw HTML.
5. **process_shard** (mapped, one per article-id shard): the executor of `newsmon run`
   (`etl/stages/process.py`): text and metadata from each stored page, then its event
   categories, actors, entities and places (spaCy + gazetteers), in one pass; then re-tags the
   shard's articles tagged with an older taxonomy version. The tagger is loaded once per task,
   and only when there is something to tag.
6. **cluster_stories**: near-duplicate articles (wire copies) grouped into stories.
7. **report**: the run's totals and the warehouse's state (shown as the task's return value).

**Event records.** Tagging also codes each article's events the way ACLED does (type and
sub-event type, date, actors, place, fatalities; the main event first) into the `events` table,
replaced whenever the article is re-tagged. `analytics.events` merges one real event reported by
several outlets into one row with ACLED's column names, `source_count` and the article ids;
`analytics.article_events` keeps the per-article rows.

Each task returns its counts (XCom tab). A failing feed or page never fails the run; a systemic
failure (the database down) does, after retries with exponential back-off.

SQL to look at (`psql "$(newsmon db url)"`):

```sql
SELECT f.title, p.polled_at, p.http_status, p.not_modified, p.new_articles, p.error
  FROM feed_polls p JOIN feeds f ON f.id = p.feed_id ORDER BY p.id DESC LIMIT 20;
SELECT status, count(*) FROM articles GROUP BY status;
SELECT published_at, outlet, left(title, 60), categories, actors, places
  FROM analytics.articles WHERE is_conflict ORDER BY published_at DESC LIMIT 20;
SELECT event_date, sub_event_type, actor1, actor2, location, fatalities, source_count
  FROM analytics.events ORDER BY event_date DESC LIMIT 20;
```

More in the cookbook (`docs/cookbook.md`).

Settings: every `NEWSMON_*` variable reaches the tasks unchanged; the warehouse is the Airflow
connection `newsmon_db`, else `NEWSMON_DATABASE_URL`, else the embedded PostgreSQL.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import Param, dag, task

# the DAGs folder is on the path under Airflow's own processors, not under every DagBag
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from newsmon_config import FEED_BATCH, PARALLEL, SHARDS
from newsmon_config import INGEST_SCHEDULE as SCHEDULE

DEFAULT_ARGS = {
    "owner": "newsmon",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=30),
}


@dag(
    dag_id="newsmon_ingest",
    schedule=SCHEDULE,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=PARALLEL * 2,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["newsmon", "ingest"],
    doc_md=__doc__,
    params={
        "feeds_file": Param(
            None, type=["null", "string"], title="Feed list",
            description="YAML or OPML feed list in NEWSMON_FEEDS_DIR; empty: NEWSMON_FEEDS_FILE "
                        "or the shipped list",
        ),
        "all_feeds": Param(
            False, type="boolean", title="Poll all feeds",
            description="Poll every active feed now, due or not (like newsmon run --all)",
        ),
    },
)
def newsmon_ingest():
    @task
    def sync_feed_list(params: dict | None = None) -> dict:
        from etl.run import tasks

        return tasks.sync_feed_list((params or {}).get("feeds_file"))

    @task
    def due_feed_batches(params: dict | None = None) -> list[list[int]]:
        from etl.run import tasks

        return tasks.due_feed_batches(FEED_BATCH, all_feeds=bool((params or {}).get("all_feeds")))

    @task(max_active_tis_per_dagrun=PARALLEL)
    def poll_feed_batch(feed_ids: list[int]) -> dict:
        from etl.run import tasks

        return tasks.poll_feed_batch(feed_ids)

    @task(trigger_rule="none_failed", max_active_tis_per_dagrun=PARALLEL)
    def fetch_shard(shard: int, shards: int) -> dict:
        from etl.run import tasks

        return tasks.work_shard("fetch", shard, shards)

    @task(max_active_tis_per_dagrun=PARALLEL)
    def process_shard(shard: int, shards: int) -> dict:
        from etl.run import tasks

        return tasks.work_shard("process", shard, shards)

    @task
    def cluster_stories() -> dict:
        from etl.run import tasks

        return tasks.cluster_stories()

    @task(trigger_rule="none_failed")
    def report(sync: dict, polls: list[dict], fetched: list[dict], processed: list[dict],
               clustered: dict) -> dict:
        from etl.run import tasks

        # slices fetch the mapped results in one request each
        totals = tasks.summarize(polls[:] if polls else [], fetched[:] + processed[:])
        return {"feed_list_problems": len(sync["problems"]), **totals, **clustered,
                **tasks.warehouse_counts()}

    synced = sync_feed_list()
    batches = due_feed_batches()
    synced >> batches
    polls = poll_feed_batch.expand(feed_ids=batches)
    fetched = fetch_shard.partial(shards=SHARDS).expand(shard=list(range(SHARDS)))
    polls >> fetched
    processed = process_shard.partial(shards=SHARDS).expand(shard=list(range(SHARDS)))
    fetched >> processed
    clustered = cluster_stories()
    processed >> clustered
    report(synced, polls, fetched, processed, clustered)


newsmon_ingest()
