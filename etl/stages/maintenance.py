"""Daily upkeep of the warehouse: feed health, pruning raw HTML, refreshing statistics.

Retrying failed articles needs no code of its own: the fetch and extract stages already take
failed articles whose back-off has expired (see :mod:`etl.store.queue`).
"""

from __future__ import annotations

import logging

from psycopg2 import sql

from etl.store.db import transaction

log = logging.getLogger(__name__)

# Tables whose planner statistics are refreshed after the daily churn.
TABLES = ("feeds", "feed_polls", "articles", "feed_articles", "article_html")
# Schemas whose materialized views are refreshed (the analysts' schema once it exists).
VIEW_SCHEMAS = ("public", "analytics")
LISTED = 20  # feeds listed by name in each health category


def feed_health(conn, silent_days: int) -> dict:
    """Active feeds that fail, that went silent, or that permanently redirect.

    failing: ``consecutive_failures > 0``; silent: no new article for ``silent_days`` days
    (none ever, for a feed added before that); redirected: ``redirected_to IS NOT NULL``.
    """
    with transaction(conn) as cur:
        cur.execute(
            """WITH latest AS (
                   SELECT fa.feed_id, max(fa.first_seen_at) AS last_article_at
                   FROM feed_articles fa GROUP BY fa.feed_id)
               SELECT f.url, f.consecutive_failures, f.last_status, f.last_error,
                      f.redirected_to, l.last_article_at,
                      COALESCE(l.last_article_at, f.added_at)
                          < now() - make_interval(days => %s) AS silent
               FROM feeds f LEFT JOIN latest l ON l.feed_id = f.id
               WHERE f.active
               ORDER BY f.consecutive_failures DESC, f.url""",
            (silent_days,),
        )
        rows = cur.fetchall()
    failing = [
        {"url": url, "failures": failures, "status": status, "error": (error or "")[:200]}
        for url, failures, status, error, _r, _l, _s in rows if failures > 0
    ]
    silent = [
        {"url": url, "last_article_at": last.isoformat() if last else None}
        for url, _f, _st, _e, _r, last, is_silent in rows if is_silent
    ]
    redirected = [
        {"url": url, "redirected_to": target}
        for url, _f, _st, _e, target, _l, _s in rows if target
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
    """Refresh every materialized view in :data:`VIEW_SCHEMAS`, then ANALYZE the core tables."""
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
    old_autocommit = conn.autocommit
    conn.autocommit = True  # ANALYZE of several tables, each in its own transaction
    try:
        with conn.cursor() as cur:
            for table in TABLES:
                cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    finally:
        conn.autocommit = old_autocommit
    return {"views_refreshed": [f"{s}.{n}" for s, n in views], "tables_analyzed": len(TABLES)}
