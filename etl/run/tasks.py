"""Entry points for the Airflow DAGs (``dags/``): plain arguments in, small JSON-able dicts out.

Every function opens its own connection, does one bounded piece of work and returns counts,
which Airflow keeps as the task's return value (XCom) and shows in the UI. Nothing here needs
Airflow to run: the functions work the same from a shell or a test.

Configuration is the command line's: ``NEWSMON_*`` environment variables
(:class:`etl.settings.Settings`). The warehouse is the Airflow connection ``newsmon_db`` when
one is defined (``AIRFLOW_CONN_NEWSMON_DB``, a secrets backend or the UI), else
``NEWSMON_DATABASE_URL``, else the embedded PostgreSQL under ``NEWSMON_HOME``.

Work is split for parallel mapped tasks without ever mapping one task per article:

- feeds in batches (:func:`due_feed_batches`), all feeds of one host in the same batch;
- articles to fetch in host shards (:func:`work_shard` ``fetch``): shard ``k`` of ``n`` claims
  only articles whose host hashes to ``k``, so a host is fetched by one worker at a time and
  ``NEWSMON_PER_HOST`` holds across all of them. A pipeline lock per shard (a row lock analysts
  cannot take, see :mod:`etl.store.locks`) keeps two DAG runs from working the same shard
  at once.
- articles to extract and tag in id shards (:func:`work_shard` ``process``): shard ``k`` takes
  the articles with ``id % n = k``. It runs the same executor as ``newsmon run``
  (:mod:`etl.stages.process`): extract and tag each fetched article in one pass, then tag what
  is left (stale tags, a failed tagging), loading the tagger once per task process and
  only when there is work.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import quote, urlencode

from etl.settings import Settings
from etl.store import db

log = logging.getLogger(__name__)

CONN_ID = "newsmon_db"
STAGES = ("fetch", "process")
MAX_MAPPED = 512  # Airflow caps a mapped task at 1024 instances; stay well below
ERRORS_LISTED = 10  # failures named in a task's summary (all of them are in the database)
POLL_TOTALS = {  # poll_feed_batch's key -> the run total's name
    "feeds": "feeds_polled", "ok": "feeds_ok", "not_modified": "feeds_not_modified",
    "failed": "feeds_failed", "new_articles": "new_articles",
}


# -- configuration ---------------------------------------------------------------------------


def airflow_connection_url(conn_id: str = CONN_ID) -> str | None:
    """The libpq URL of Airflow connection ``conn_id``; None if Airflow or the connection is
    absent."""
    try:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    auth = ""
    if conn.login:
        auth = quote(conn.login, safe="")
        if conn.password:
            auth += ":" + quote(conn.password, safe="")
        auth += "@"
    host = conn.host or ""
    if conn.port:
        host += f":{conn.port}"
    url = f"postgresql://{auth}{host}/{quote(conn.schema or '', safe='')}"
    extra = {k: str(v) for k, v in conn.extra_dejson.items()}
    return url + ("?" + urlencode(extra, quote_via=quote) if extra else "")


def task_settings(conn_id: str = CONN_ID) -> Settings:
    """Settings from the environment, with the warehouse of Airflow connection ``conn_id``."""
    settings = Settings.from_env()
    url = airflow_connection_url(conn_id)
    return replace(settings, database_url=url) if url else settings


@contextmanager
def _connection(settings: Settings):
    conn = db.connect(db.database_url(settings))
    try:
        yield conn
    finally:
        conn.close()


# -- ingest ------------------------------------------------------------------------------------


def sync_feed_list(feeds_file: str | None = None) -> dict:
    """Migrate the schema and make ``feeds`` match the feed list (default: NEWSMON_FEEDS_FILE)."""
    from etl.stages.feedlist import feeds_file_in, load_feed_list
    from etl.stages.poll import sync_feeds
    from etl.store.migrate import migrate

    settings = task_settings()
    # a DAG parameter may name only a file in NEWSMON_FEEDS_DIR; the environment's is trusted
    path = str(feeds_file_in(settings.feeds_directory, feeds_file) if feeds_file
               else settings.feeds_file)
    feed_list = load_feed_list(path)
    with _connection(settings) as conn:
        migrate(conn)
        result = sync_feeds(conn, feed_list)
    return {
        "feeds_file": path,
        "active": result.active,
        "added": result.added,
        "updated": result.updated,
        "deactivated": result.deactivated,
        "problems": feed_list.problems[:ERRORS_LISTED],
    }


def due_feed_batches(batch_size: int = 25, all_feeds: bool = False) -> list[list[int]]:
    """Ids of the feeds due for polling, in batches; one host's feeds always share a batch.

    Batches grow beyond ``batch_size`` when needed to stay under :data:`MAX_MAPPED` of them.
    """
    from etl.stages.poll import list_due_feeds
    from etl.web.urls import host_of

    with _connection(task_settings()) as conn:
        feeds = list_due_feeds(conn, all_feeds=all_feeds)
    by_host: dict[str, list[int]] = {}
    for feed in feeds:
        by_host.setdefault(host_of(feed.url), []).append(feed.id)
    size = max(batch_size, -(-len(feeds) // MAX_MAPPED))
    batches: list[list[int]] = []
    for ids in by_host.values():
        if not batches or len(batches[-1]) + len(ids) > size and len(batches) < MAX_MAPPED:
            batches.append([])
        batches[-1].extend(ids)
    return batches


def poll_feed_batch(feed_ids: list[int]) -> dict:
    """Poll these feeds (concurrently, per-host limit) and store the new articles they list.

    A failing feed is recorded on its row (back-off, error) and never raises.
    """
    from etl.stages.poll import due_feeds, poll_feeds
    from etl.web.http import HttpClient

    settings = task_settings()
    with _connection(settings) as conn:
        # claims exactly this batch (a poll lease tied to this task's session)
        feeds = due_feeds(conn, all_feeds=True, lease_s=settings.lease_s, feed_ids=feed_ids)
        with HttpClient(settings) as client:
            outcomes = poll_feeds(conn, settings, client, feeds)
    failed = [o for o in outcomes if o.outcome == "failed"]
    return {
        "feeds": len(outcomes),
        "ok": sum(o.outcome == "ok" for o in outcomes),
        "not_modified": sum(o.outcome == "not_modified" for o in outcomes),
        "failed": len(failed),
        "new_articles": sum(o.new_articles for o in outcomes),
        "errors": [{"url": o.url, "error": o.error} for o in failed[:ERRORS_LISTED]],
    }


def work_shard(stage: str, shard: int, shards: int) -> dict:
    """Run ``stage`` over the articles of shard ``shard`` of ``shards``.

    ``fetch`` takes the articles of the shard's hosts (politeness) and stores their pages;
    ``process`` takes the articles whose ``id % shards == shard``, extracts and tags them, then
    tags the shard's articles left untagged or tagged with another tag version. Both claim
    batches of ``NEWSMON_BATCH_SIZE`` with ``FOR UPDATE SKIP LOCKED`` until none is left;
    failing pages are recorded on their article (retried with back-off) and never raise.
    """
    from etl.store.queue import Shard

    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
    part = Shard(shard, shards, "host" if stage == "fetch" else "id")
    settings = task_settings()
    with _connection(settings) as conn:
        if stage == "fetch":
            return _fetch_shard(conn, settings, part)
        return _process_shard(conn, settings, part)


def _fetch_shard(conn, settings: Settings, shard) -> dict:
    from etl.stages.fetch import fetch_pending
    from etl.store.locks import held, shard_lock_name
    from etl.web.http import HttpClient

    with held(db.database_url(settings), shard_lock_name("fetch", shard.index, shard.count)), \
            HttpClient(settings) as client:
        stats = fetch_pending(conn, settings, client, shard=shard)
    return {"stage": "fetch", "shard": shard.index, "fetched": stats.fetched,
            "skipped": stats.skipped, "failed": stats.failed}


def _process_shard(conn, settings: Settings, shard) -> dict:
    from etl.stages.limits import PageLimits
    from etl.stages.process import ProcessStats, Workers, process_pending, tag_pending
    from etl.store.queue import work_waiting

    processed = ProcessStats()
    if work_waiting(conn, ("extract",), shard):
        with Workers(settings.task_processes,
                     limits=PageLimits.from_settings(settings)) as workers:
            processed = process_pending(conn, settings, workers, shard=shard)
            tagged = tag_pending(conn, settings, workers=workers, shard=shard)
    else:  # loads the tagger only if some stored article needs (re-)tagging
        tagged = tag_pending(conn, settings, shard=shard, processes=settings.task_processes)
    mode = processed.tagger_mode if processed.tagged else tagged.mode
    warning = processed.tagger_warning or tagged.warning
    if warning:
        log.warning("tagger: %s", warning)
    return {"stage": "process", "shard": shard.index, "extracted": processed.extracted,
            "failed": processed.failed, "tagged": processed.tagged + tagged.tagged,
            "gazetteer_only": int(mode not in ("model", "idle", ""))}


def cluster_stories() -> dict:
    """Group newly extracted articles into story clusters (see :mod:`etl.stages.stories`)."""
    from etl.stages.stories import cluster_pending

    with _connection(task_settings()) as conn:
        stats = cluster_pending(conn)
    return {"clustered": stats.clustered, "joined_existing_story": stats.joined}


def warehouse_counts() -> dict:
    """Articles per status and feeds: the state of the warehouse after a run."""
    with _connection(task_settings()) as conn, db.transaction(conn) as cur:
        cur.execute("SELECT status, count(*) FROM articles GROUP BY status ORDER BY status")
        counts = {f"articles_{status}": n for status, n in cur.fetchall()}
        cur.execute("SELECT count(*) FILTER (WHERE active), count(*) FROM feeds")
        active, total = cur.fetchone()
    return {"feeds_active": active, "feeds_total": total, **counts}


def summarize(polls: list[dict], shards: list[dict]) -> dict:
    """One run's totals from the summaries of its mapped tasks."""
    totals: dict[str, int] = {"feed_batches": len(polls)}
    for key, name in POLL_TOTALS.items():
        totals[name] = sum(p[key] for p in polls)
    for item in shards:
        for key, value in item.items():
            if key not in ("stage", "shard"):
                name = f"{item['stage']}_{key}"
                totals[name] = totals.get(name, 0) + value
    return totals


# -- maintenance -------------------------------------------------------------------------------


def feed_health(silent_days: int = 7) -> dict:
    """Failing, silent and redirected feeds (see :func:`etl.stages.maintenance.feed_health`)."""
    from etl.stages.maintenance import feed_health as report

    with _connection(task_settings()) as conn:
        return report(conn, silent_days)


def prune_raw_html(retention_days: int | None = None) -> dict:
    """Delete stored pages past ``retention_days`` (default ``NEWSMON_HTML_RETENTION_DAYS``)."""
    from etl.stages.maintenance import prune_raw_html as prune

    settings = task_settings()
    if retention_days is None:
        retention_days = settings.html_retention_days
    with _connection(settings) as conn:
        return prune(conn, retention_days)


def refresh_warehouse() -> dict:
    """Refresh materialized views and planner statistics."""
    from etl.stages.maintenance import refresh_warehouse as refresh

    with _connection(task_settings()) as conn:
        return refresh(conn)
