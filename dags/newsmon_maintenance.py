"""
### newsmon_maintenance: daily upkeep of the warehouse

1. **feed_health**: active feeds that are failing (`consecutive_failures > 0`), silent (no new
   article for `silent_days` days) or permanently redirected (`redirected_to`), listed in the
   task's return value and in its log.
   Its rules are the SQL function `newsmon_feed_health(silent)`, the same as the view
   `analytics.feed_health`.
2. **retry_fetch_shard** / **retry_process_shard** (mapped over the same shards as
   `newsmon_ingest`): articles that failed and whose back-off has expired are fetched, then
   extracted and tagged, again (and anything else still waiting). After a change to the tagging
   rules, data or code (a new tag version, etl/tagging/version.py) the process shards also
   re-tag the stored articles from their stored text; then **cluster_stories** groups any
   article not yet in a story.
3. **prune_raw_html**: deletes stored pages (`article_html`) older than `retention_days`
   (`NEWSMON_HTML_RETENTION_DAYS`, 90; 0 keeps them) whose article is extracted or skipped.
4. **refresh_warehouse**: clusters any event report still without its real event (after
   migration 011; see docs/warehouse.md), refreshes the materialized views that exist (schemas
   `public`, `analytics`) and the planner statistics of the pipeline's tables, tagging tables
   included.

SQL to look at:

```sql
SELECT health, title, consecutive_failures, last_error, next_poll_at, redirected_to
  FROM analytics.feed_health WHERE health <> 'ok' ORDER BY health, title;
SELECT taxonomy_version, count(*) FROM articles WHERE status = 'extracted' GROUP BY 1;
SELECT status, error_stage, attempts, next_attempt_at, last_error, url
  FROM articles WHERE status = 'failed' ORDER BY next_attempt_at;
SELECT count(*), pg_size_pretty(sum(octet_length(html_gz))) FROM article_html;
```
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from airflow.sdk import CronTriggerTimetable, Param, dag, task

# the DAGs folder is on the path under Airflow's own processors, not under every DagBag
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from newsmon_config import MAINTENANCE_SCHEDULE as SCHEDULE
from newsmon_config import SHARDS

DEFAULT_ARGS = {
    "owner": "newsmon",
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=1),
}


@dag(
    dag_id="newsmon_maintenance",
    # No start_date: the first run is at the next 03:30, not at once when the DAG is unpaused
    # (that would fetch alongside the first ingest run of a fresh install).
    schedule=CronTriggerTimetable(SCHEDULE, timezone="UTC", run_immediately=False),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsmon", "maintenance"],
    doc_md=__doc__,
    params={
        "silent_days": Param(7, type="integer", minimum=1, title="Silent after (days)"),
        "retention_days": Param(
            None, type=["null", "integer"], minimum=0, title="Keep raw HTML (days, 0: for ever)",
            description="Empty: NEWSMON_HTML_RETENTION_DAYS (90 unless set)",
        ),
    },
)
def newsmon_maintenance():
    @task
    def feed_health(params: dict | None = None) -> dict:
        from etl.run import tasks

        return tasks.feed_health(int((params or {}).get("silent_days", 7)))

    @task(max_active_tis_per_dagrun=SHARDS)
    def retry_fetch_shard(shard: int, shards: int) -> dict:
        from etl.run import tasks

        return tasks.work_shard("fetch", shard, shards)

    @task(max_active_tis_per_dagrun=SHARDS)
    def retry_process_shard(shard: int, shards: int) -> dict:
        # extracts and tags what waits, and re-tags articles of an older taxonomy version
        from etl.run import tasks

        return tasks.work_shard("process", shard, shards)

    @task
    def cluster_stories() -> dict:
        from etl.run import tasks

        return tasks.cluster_stories()

    @task
    def prune_raw_html(params: dict | None = None) -> dict:
        from etl.run import tasks

        days = (params or {}).get("retention_days")
        return tasks.prune_raw_html(None if days is None else int(days))

    @task
    def refresh_warehouse() -> dict:
        from etl.run import tasks

        return tasks.refresh_warehouse()

    shards = list(range(SHARDS))
    fetched = retry_fetch_shard.partial(shards=SHARDS).expand(shard=shards)
    processed = retry_process_shard.partial(shards=SHARDS).expand(shard=shards)
    health = feed_health()
    chain = health >> fetched >> processed >> cluster_stories()
    chain >> prune_raw_html() >> refresh_warehouse()


newsmon_maintenance()
