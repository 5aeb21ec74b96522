"""Daily upkeep of the warehouse: feed health, pruning raw HTML, refreshing statistics.

Retrying failed articles needs no code of its own: the fetch and process stages already take
failed articles whose back-off has expired (see :mod:`etl.store.queue`).
"""

from __future__ import annotations

import logging

from psycopg2 import sql

from etl.store import eventclusters
from etl.store.db import transaction

log = logging.getLogger(__name__)

# Schemas whose materialized views are refreshed (if any exist: newsmon ships plain views, but
# a deployment may add its own).
VIEW_SCHEMAS = ("public", "analytics")
LISTED = 20  # feeds listed by name in each health category


def feed_health(conn, silent_days: int) -> dict:
    """Active feeds that fail, that went silent, or that permanently redirect.

    The rules are the SQL function ``newsmon_feed_health(silent)`` (sql/006_feed_health.sql),
    which the view ``analytics.feed_health`` uses too: failing, ``consecutive_failures > 0``;
    silent, no newly listed article for ``silent_days`` days (none ever, for a feed added
    before that); redirected, ``redirected_to IS NOT NULL``. A feed can be in several lists.
    """
    with transaction(conn) as cur:
        cur.execute(
            """SELECT f.url, f.consecutive_failures, f.last_status, f.last_error,
                      f.redirected_to, h.last_new_article_at, h.failing, h.is_silent,
                      h.redirected
               FROM feeds f JOIN newsmon_feed_health(make_interval(days => %s)) h
                    ON h.feed_id = f.id
               WHERE f.active
               ORDER BY f.consecutive_failures DESC, f.url""",
            (silent_days,),
        )
        rows = cur.fetchall()
    failing = [
        {"url": url, "failures": failures, "status": status, "error": (error or "")[:200]}
        for url, failures, status, error, _t, _l, is_failing, _s, _r in rows if is_failing
    ]
    silent = [
        {"url": url, "last_article_at": last.isoformat() if last else None}
        for url, _f, _st, _e, _t, last, _fl, is_silent, _r in rows if is_silent
    ]
    redirected = [
        {"url": url, "redirected_to": target}
        for url, _f, _st, _e, target, _l, _fl, _s, is_redirected in rows if is_redirected
    ]
    for name, items in (("failing", failing), ("silent", silent), ("redirected", redirected)):
        for item in items:
            log.warning("feed %s: %s", name, item)
    return {
        "active": len(rows),
        "failing": len(failing),
        "silent": len(silent),
        "redirected": len(redirected),
        "failing_feeds": failing[:LISTED],
        "silent_feeds": silent[:LISTED],
        "redirected_feeds": redirected[:LISTED],
    }


def prune_raw_html(conn, retention_days: int) -> dict:
    """Delete stored pages fetched more than ``retention_days`` ago (0 keeps them for ever).

    Only pages whose article is done with them (extracted or skipped) are deleted: a page still
    waiting for extraction, or whose extraction failed, is kept so it can be extracted again.
    """
    if retention_days <= 0:
        return {"deleted": 0, "bytes_freed": 0, "retention_days": retention_days}
    with transaction(conn) as cur:
        cur.execute(
            """DELETE FROM article_html h USING articles a
               WHERE a.id = h.article_id AND a.status IN ('extracted', 'skipped')
                 AND h.fetched_at < now() - make_interval(days => %s)
               RETURNING octet_length(h.html_gz)""",
            (retention_days,),
        )
        freed = [r[0] for r in cur.fetchall()]
    log.info("pruned %d stored pages older than %d days", len(freed), retention_days)
    return {"deleted": len(freed), "bytes_freed": sum(freed), "retention_days": retention_days}


def refresh_warehouse(conn) -> dict:
    """Cluster event reports still without a real event (:mod:`etl.store.eventclusters`),
    refresh the materialized views that exist in :data:`VIEW_SCHEMAS`, then ANALYZE every
    table of the warehouse (``public``: core, tagging and story tables alike)."""
    with transaction(conn) as cur:  # reports left unclustered (after migration 011)
        eventclusters.lock(cur)
        events = eventclusters.recluster_pending(cur)
    with transaction(conn) as cur:
        cur.execute(
            "SELECT schemaname, matviewname FROM pg_matviews WHERE schemaname = ANY(%s) "
            "ORDER BY 1, 2",
            (list(VIEW_SCHEMAS),),
        )
        views = cur.fetchall()
        for schema, name in views:
            cur.execute(
                sql.SQL("REFRESH MATERIALIZED VIEW {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(name)
                )
            )
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [name for (name,) in cur.fetchall()]
    old_autocommit = conn.autocommit
    conn.autocommit = True  # ANALYZE of several tables, each in its own transaction
    try:
        with conn.cursor() as cur:
            for table in tables:
                cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier("public", table)))
    finally:
        conn.autocommit = old_autocommit
    return {"views_refreshed": [f"{s}.{n}" for s, n in views], "tables_analyzed": tables,
            "events_clustered": events["reports"]}
