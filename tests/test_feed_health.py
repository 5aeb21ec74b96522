"""Feed health has one definition (sql/006_feed_health.sql): the view and the maintenance task
agree, and the silent period is a parameter."""

from __future__ import annotations

from conftest import rows

from etl.stages.maintenance import feed_health, refresh_warehouse


def _feeds(conn) -> dict[str, int]:
    """Four polled feeds: fresh, quiet for 5 days, failing, and one added 10 days ago that never
    listed anything; articles seen by the first two."""
    ids = {}
    with conn, conn.cursor() as cur:
        for name, failures, added_days in (("fresh", 0, 30), ("quiet", 0, 30),
                                           ("failing", 2, 30), ("empty", 0, 10)):
            cur.execute(
                "INSERT INTO feeds (url, last_polled_at, consecutive_failures, added_at) "
                "VALUES (%s, now(), %s, now() - make_interval(days => %s)) RETURNING id",
                (f"https://{name}.example/rss", failures, added_days))
            ids[name] = cur.fetchone()[0]
        for name, seen_days in (("fresh", 0), ("quiet", 5), ("failing", 0)):
            url = f"https://{name}.example/a1"
            cur.execute("INSERT INTO articles (url, host, discovered_url) VALUES (%s, %s, %s) "
                        "RETURNING id", (url, f"{name}.example", url))
            cur.execute("INSERT INTO feed_articles (feed_id, article_id, first_seen_at) "
                        "VALUES (%s, %s, now() - make_interval(days => %s))",
                        (ids[name], cur.fetchone()[0], seen_days))
    return ids


def test_view_and_task_share_one_rule_with_the_period_as_a_parameter(conn):
    _feeds(conn)
    view = dict(rows(conn, "SELECT split_part(url, '/', 3), health FROM analytics.feed_health"))
    assert view == {"fresh.example": "ok", "quiet.example": "ok",
                    "failing.example": "failing", "empty.example": "silent"}

    def silent(days: int) -> set[str]:
        return {f["url"].split("/")[2] for f in feed_health(conn, days)["silent_feeds"]}

    # the task with the view's default period finds the view's silent feeds
    assert silent(7) == {h for h, state in view.items() if state == "silent"}
    # a shorter period makes the quiet feed silent too; a longer one, none
    assert silent(3) == {"quiet.example", "empty.example"}
    assert silent(30) == set()
    three = dict(rows(conn, "SELECT f.url, h.health FROM feeds f "
                            "JOIN newsmon_feed_health(interval '3 days') h ON h.feed_id = f.id"))
    assert three["https://quiet.example/rss"] == "silent"
    report = feed_health(conn, 7)
    assert (report["active"], report["failing"], report["redirected"]) == (4, 1, 0)


def test_refresh_analyzes_every_table_that_exists(conn):
    result = refresh_warehouse(conn)
    assert result["views_refreshed"] == []  # newsmon ships plain views only
    assert {"articles", "article_tags", "article_mentions", "article_places", "entities",
            "stories"} <= set(result["tables_analyzed"])
    analyzed = dict(rows(conn, "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                               "WHERE schemaname = 'public'"))
    assert all(analyzed[t] for t in result["tables_analyzed"])
